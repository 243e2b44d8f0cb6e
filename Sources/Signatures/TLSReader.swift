/// Big-endian reader for TLS presentation-language structures, never reading past the end.
struct TLSReader {
  private let bytes: [UInt8]
  private var offset = 0
  init(_ bytes: [UInt8]) { self.bytes = bytes }
  var remaining: Int { bytes.count - offset }
  mutating func uint(_ width: Int) -> UInt64? {
    guard width <= 8, remaining >= width else { return nil }
    var v: UInt64 = 0
    for _ in 0..<width {
      v = v << 8 | UInt64(bytes[offset])
      offset += 1
    }
    return v
  }
  mutating func bytes(_ count: Int) -> [UInt8]? {
    guard count >= 0, remaining >= count else { return nil }
    defer { offset += count }
    return Array(bytes[offset..<offset + count])
  }
}
