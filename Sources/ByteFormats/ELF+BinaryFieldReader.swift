/// Reads fixed-width integers from a byte array at absolute offsets, in either byte order,
/// returning nil instead of trapping when a field runs past the end. The executable and zip
/// parsers read headers through it so a truncated or lying header can never index out of range.
struct BinaryFieldReader: Sendable {
  let bytes: [UInt8]
  let littleEndian: Bool

  init(_ bytes: [UInt8], littleEndian: Bool = true) {
    self.bytes = bytes
    self.littleEndian = littleEndian
  }

  var count: Int { bytes.count }

  func u8(_ offset: Int) -> UInt8? {
    guard offset >= 0, offset < bytes.count else { return nil }
    return bytes[offset]
  }

  func u16(_ offset: Int) -> UInt16? {
    unsigned(offset, width: 2).map { UInt16(truncatingIfNeeded: $0) }
  }
  func u32(_ offset: Int) -> UInt32? {
    unsigned(offset, width: 4).map { UInt32(truncatingIfNeeded: $0) }
  }
  func u64(_ offset: Int) -> UInt64? { unsigned(offset, width: 8) }

  /// An unsigned field of 4 or 8 bytes (ELF/Go pointer sizes), widened to UInt64.
  func word(_ offset: Int, size: Int) -> UInt64? {
    size == 8 ? u64(offset) : u32(offset).map(UInt64.init)
  }

  func unsigned(_ offset: Int, width: Int) -> UInt64? {
    guard offset >= 0, width > 0, width <= 8, offset <= bytes.count - width else { return nil }
    var value: UInt64 = 0
    if littleEndian {
      for i in stride(from: width - 1, through: 0, by: -1) {
        value = value << 8 | UInt64(bytes[offset + i])
      }
    } else {
      for i in 0..<width { value = value << 8 | UInt64(bytes[offset + i]) }
    }
    return value
  }

  func slice(_ offset: Int, _ length: Int) -> ArraySlice<UInt8>? {
    guard offset >= 0, length >= 0, offset <= bytes.count, length <= bytes.count - offset else {
      return nil
    }
    return bytes[offset..<(offset + length)]
  }

  /// NUL-terminated string starting at `offset` (at most `limit` bytes), decoded leniently.
  func cString(_ offset: Int, limit: Int = 4096) -> String? {
    guard offset >= 0, offset < bytes.count else { return nil }
    var end = offset
    let stop = min(bytes.count, offset + limit)
    while end < stop && bytes[end] != 0 { end += 1 }
    return String(decoding: bytes[offset..<end], as: UTF8.self)
  }
}

extension Int {
  /// Converts a header field to `Int` when it fits, so hostile 64-bit sizes become errors.
  init?(exactlyField value: UInt64) {
    guard value <= UInt64(Int.max) else { return nil }
    self.init(value)
  }
}
