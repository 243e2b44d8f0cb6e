import Crypto

/// SHA-2 hashing for digests, kept in one file: importing Crypto elsewhere would make
/// `Digest` (the model's value vs. Crypto's protocol) ambiguous.
struct RegistryHasher {
  private var sha = SHA256()

  mutating func update(_ bytes: [UInt8]) { sha.update(data: bytes) }

  /// Lower-case hex of the SHA-256 of everything passed to `update`.
  mutating func finalizeHex() -> String { Self.hex(sha.finalize()) }

  static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(128)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Hex digest of `bytes` for `sha256`, `sha384` or `sha512`; nil for other algorithms.
  static func hex(of bytes: [UInt8], algorithm: String) -> String? {
    switch algorithm {
    case "sha256": return hex(SHA256.hash(data: bytes))
    case "sha384": return hex(SHA384.hash(data: bytes))
    case "sha512": return hex(SHA512.hash(data: bytes))
    default: return nil
    }
  }
}
