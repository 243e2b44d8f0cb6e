/// The escapes of a double-quoted string, which Rego and JSON share: `\n \t \r \b \f \/ \\ \"`
/// and `\uXXXX` (a UTF-16 surrogate pair as two escapes; a lone surrogate becomes U+FFFD).
/// One decoder for the lexer and the JSON reader, which only differ in how they report errors.
enum StringEscape {
  enum Failure: Error {
    /// `\u` not followed by four hex digits.
    case badUnicode
    /// A backslash before a byte that is not an escape.
    case badEscape(UInt8)
  }

  /// Decodes the escape whose letter is `bytes[i]` (the byte after the backslash) into `out`;
  /// returns how many bytes it took, the letter included.
  static func decode(_ bytes: [UInt8], at i: Int, into out: inout [UInt8]) -> Result<Int, Failure> {
    switch bytes[i] {
    case UInt8(ascii: "n"): out.append(10)
    case UInt8(ascii: "t"): out.append(9)
    case UInt8(ascii: "r"): out.append(13)
    case UInt8(ascii: "b"): out.append(8)
    case UInt8(ascii: "f"): out.append(12)
    case UInt8(ascii: "/"): out.append(0x2f)
    case UInt8(ascii: "\\"): out.append(0x5c)
    case UInt8(ascii: "\""): out.append(0x22)
    case UInt8(ascii: "u"):
      guard var cp = hex4(bytes, i + 1) else { return .failure(.badUnicode) }
      var used = 5
      // A high surrogate followed by `\uXXXX`: the pair is one code point.
      if cp >= 0xD800, cp < 0xDC00, i + 11 <= bytes.count, bytes[i + 5] == 0x5c,
        bytes[i + 6] == UInt8(ascii: "u"), let lo = hex4(bytes, i + 7)
      {
        used = 11
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo &- 0xDC00)
      }
      out.append(contentsOf: Array(String(Character(Unicode.Scalar(cp) ?? "\u{FFFD}")).utf8))
      return .success(used)
    default: return .failure(.badEscape(bytes[i]))
    }
    return .success(1)
  }

  static func hex4(_ bytes: [UInt8], _ i: Int) -> UInt32? {
    guard i + 4 <= bytes.count else { return nil }
    return UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
  }
}
