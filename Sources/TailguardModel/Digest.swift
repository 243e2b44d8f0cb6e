/// A content digest as used by OCI (`algorithm:hex`). Parsing validates the algorithm's
/// hex length so a digest read from hostile JSON can be trusted as a map key and a file name.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
  public let algorithm: String
  public let hex: String

  public init(algorithm: String, hex: String) throws(ModelError) {
    let expected: Int
    switch algorithm {
    case "sha256": expected = 64
    case "sha384": expected = 96
    case "sha512": expected = 128
    default: throw ModelError(.invalidDigest, "unsupported digest algorithm '\(algorithm.prefix(32))'")
    }
    guard hex.utf8.count == expected,
      hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    else {
      throw ModelError(.invalidDigest, "'\(algorithm):\(hex.prefix(140))' is not a valid \(algorithm) digest")
    }
    self.algorithm = algorithm
    self.hex = hex
  }

  /// Parses `sha256:<64 lowercase hex>`.
  public init(parsing text: String) throws(ModelError) {
    guard let colon = text.firstIndex(of: ":") else {
      throw ModelError(.invalidDigest, "'\(text.prefix(140))' is not a digest (expected algorithm:hex)")
    }
    try self.init(algorithm: String(text[..<colon]), hex: String(text[text.index(after: colon)...]))
  }

  public var description: String { "\(algorithm):\(hex)" }
  /// `sha256:abcdef012345` style short form for tables.
  public var short: String { "\(algorithm):\(hex.prefix(12))" }

  public static func < (a: Digest, b: Digest) -> Bool { a.description < b.description }

  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    try self.init(parsing: text)
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}
