import ByteFormats

extension TextLines {
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
