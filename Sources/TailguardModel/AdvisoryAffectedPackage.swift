/// OSV `affected[]`: one package in one ecosystem (a distro release counts as an ecosystem,
/// e.g. `Debian:12`, `Alpine:v3.19`) with the version ranges and enumerated versions affected.
public struct AffectedPackage: Hashable, Sendable, Codable {
  /// OSV ecosystem string verbatim (`PyPI`, `Go`, `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.10`).
  public var ecosystem: String
  /// Package name as the advisory spells it (the store also keeps a normalised lookup key).
  public var name: String
  public var purl: String?
  public var ranges: [AffectedRange]
  /// Enumerated affected versions (OSV `versions`); matched by exact equality.
  public var versions: [String]
  /// `ecosystem_specific` / `database_specific` as raw JSON text, kept for reports and re-matching.
  public var ecosystemSpecific: String?
  public var databaseSpecific: String?
  /// OSV `severity` scoped to this package (schema 1.5+), when present.
  public var severities: [SeverityVector]

  public init(
    ecosystem: String, name: String, purl: String? = nil, ranges: [AffectedRange] = [],
    versions: [String] = [], ecosystemSpecific: String? = nil, databaseSpecific: String? = nil,
    severities: [SeverityVector] = []
  ) {
    self.ecosystem = ecosystem
    self.name = name
    self.purl = purl
    self.ranges = ranges
    self.versions = versions
    self.ecosystemSpecific = ecosystemSpecific
    self.databaseSpecific = databaseSpecific
    self.severities = severities
  }
}
