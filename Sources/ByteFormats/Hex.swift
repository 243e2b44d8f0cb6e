/// Base-16 text, the one codec for digests, log IDs, key hints and Rego's `hex.*` builtins.
///
/// Decoding follows Go's `encoding/hex.DecodeString` (what OPA's `hex.decode` is): pairs are
/// read left to right and the first byte that is not a hex digit is the error; an odd length is
/// reported only after the last byte has been checked.
public enum Hex {
  public enum DecodeError: Error, Hashable, Sendable {
    /// `byte` at offset `offset` is not 0-9, a-f or A-F.
    case invalidByte(UInt8, offset: Int)
    case oddLength
  }

  /// Lowercase hex of `bytes`.
  public static func encode(_ bytes: some Sequence<UInt8>) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.underestimatedCount * 2)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The bytes `text` spells, either case accepted.
  public static func decode(_ text: some Collection<UInt8>) -> Result<[UInt8], DecodeError> {
    let s = Array(text)
    var out: [UInt8] = []
    out.reserveCapacity(s.count / 2)
    var i = 0
    while i + 1 < s.count {
      guard let hi = nibble(s[i]) else { return .failure(.invalidByte(s[i], offset: i)) }
      guard let lo = nibble(s[i + 1]) else {
        return .failure(.invalidByte(s[i + 1], offset: i + 1))
      }
      out.append(hi << 4 | lo)
      i += 2
    }
    if s.count % 2 == 1 {
      if nibble(s[s.count - 1]) == nil {
        return .failure(.invalidByte(s[s.count - 1], offset: s.count - 1))
      }
      return .failure(.oddLength)
    }
    return .success(out)
  }

  /// The bytes `text` spells, or nil when it is not hex.
  public static func decode(_ text: String) -> [UInt8]? {
    try? decode(Array(text.utf8)).get()
  }

  static func nibble(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x61...0x66: return c - 0x61 + 10
    case 0x41...0x46: return c - 0x41 + 10
    default: return nil
    }
  }
}
