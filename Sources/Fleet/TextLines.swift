/// A file's text split into physical lines with their UTF-8 byte offsets, so a position found in
/// a line maps back to exact bytes of the file (for `pin fix`) and to a 1-based line number.
struct TextLines: Sendable {
  let bytes: [UInt8]
  /// Byte offset of the start of each line.
  let starts: [Int]
  /// Text of each line without its terminator (`\n`, and a trailing `\r`).
  let lines: [String]

  init(bytes: [UInt8]) {
    self.bytes = bytes
    var starts = [0]
    var lines: [String] = []
    var lineStart = 0
    for (i, b) in bytes.enumerated() where b == 0x0A {
      var end = i
      if end > lineStart && bytes[end - 1] == 0x0D { end -= 1 }
      lines.append(String(decoding: bytes[lineStart..<end], as: UTF8.self))
      lineStart = i + 1
      starts.append(lineStart)
    }
    if lineStart < bytes.count {
      var end = bytes.count
      if end > lineStart && bytes[end - 1] == 0x0D { end -= 1 }
      lines.append(String(decoding: bytes[lineStart..<end], as: UTF8.self))
    } else {
      starts.removeLast()
    }
    self.starts = starts
    self.lines = lines
  }

  var count: Int { lines.count }

  /// 1-based line number of a byte offset.
  func line(ofOffset offset: Int) -> Int {
    var lo = 0
    var hi = starts.count - 1
    if hi < 0 { return 1 }
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
    }
    return lo + 1
  }

  /// End offset (exclusive, before the terminator) of a 0-based line.
  func lineEnd(_ index: Int) -> Int {
    starts[index] + lines[index].utf8.count
  }

  /// Finds `token` in bytes `[from, to)` as a whole word (not glued to other reference
  /// characters), returning its span.
  func find(_ token: String, from: Int, to: Int) -> ByteSpan? {
    let t = Array(token.utf8)
    guard !t.isEmpty, from >= 0, to <= bytes.count, to - from >= t.count else { return nil }
    var i = from
    while i + t.count <= to {
      if bytes[i] == t[0] && Array(bytes[i..<(i + t.count)]) == t {
        let before = i > 0 ? bytes[i - 1] : 0x20
        let after = i + t.count < bytes.count ? bytes[i + t.count] : 0x20
        if !Self.isRefByte(before) && !Self.isRefByte(after) {
          return ByteSpan(start: i, end: i + t.count)
        }
      }
      i += 1
    }
    return nil
  }

  /// Bytes that can be part of an image reference (so a match glued to them is not the token).
  static func isRefByte(_ b: UInt8) -> Bool {
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
      || b == 0x2E || b == 0x2D || b == 0x5F || b == 0x2F || b == 0x3A || b == 0x40
  }
}
