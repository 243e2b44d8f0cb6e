/// Any CVSS vector: v2 (no prefix, or `CVSS:2.0/`), v3.0/v3.1 (`CVSS:3.x/`) or v4.0
/// (`CVSS:4.0/`). This is what advisories carry (OSV `severity[].score`, NVD metrics), so
/// callers parse without knowing the version first.
public enum CVSSVector: Sendable, Hashable, CustomStringConvertible {
  case v2(CVSSv2)
  case v3(CVSSv3)
  case v4(CVSSv4)

  public init(parsing text: String) throws(CVSSError) {
    if text.isEmpty { throw CVSSError(.empty, vector: text, "empty vector") }
    if text.utf8.count > CVSSMetrics.maxVectorLength {
      throw CVSSError(
        .tooLong, vector: String(text.prefix(64)),
        "vector longer than \(CVSSMetrics.maxVectorLength) bytes")
    }
    if text.hasPrefix("CVSS:3.") {
      self = .v3(try CVSSv3(parsing: text))
    } else if text.hasPrefix("CVSS:4.") {
      self = .v4(try CVSSv4(parsing: text))
    } else if text.hasPrefix("CVSS:2.0/") || text.hasPrefix("AV:") || text.hasPrefix("(AV:") {
      self = .v2(try CVSSv2(parsing: text))
    } else if text.hasPrefix("CVSS:") {
      let version = text.dropFirst(5).prefix { $0 != "/" }
      throw CVSSError(.unknownVersion, vector: text, "unsupported CVSS version '\(version)'")
    } else {
      throw CVSSError(
        .unknownVersion, vector: text,
        "not a CVSS vector (expected CVSS:3.x/…, CVSS:4.0/… or a v2 AV:… vector)")
    }
  }

  /// "2.0", "3.0", "3.1" or "4.0".
  public var version: String {
    switch self {
    case .v2: "2.0"
    case .v3(let v): v.minorVersion.rawValue
    case .v4: "4.0"
    }
  }

  /// The base score (for v4.0, the single CVSS score of the vector).
  public var baseScore: Double {
    switch self {
    case .v2(let v): v.baseScore
    case .v3(let v): v.baseScore
    case .v4(let v): v.score
    }
  }

  public var severity: CVSSSeverity {
    switch self {
    case .v2(let v): v.severity
    case .v3(let v): v.severity
    case .v4(let v): v.severity
    }
  }

  public var vector: String {
    switch self {
    case .v2(let v): v.vector
    case .v3(let v): v.vector
    case .v4(let v): v.vector
    }
  }

  public var description: String { vector }
}
