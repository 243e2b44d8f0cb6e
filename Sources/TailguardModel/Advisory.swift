/// One vulnerability record as tailguard keeps it: the OSV shape (which every importer converts
/// to), plus where it came from. OSV is the lingua franca because distro feeds, GHSA, PyPA, Go
/// and RustSec all publish it, so a single matcher can serve them all.
public struct Advisory: Hashable, Sendable, Codable, Identifiable {
  /// The record's own id (`PYSEC-2018-28`, `GO-2022-0493`, `CVE-2019-1547` for Alpine secdb).
  public var id: String
  /// Other ids of the same vulnerability (CVE, GHSA, …); used to merge findings.
  public var aliases: [String]
  /// Ids of related but distinct vulnerabilities (OSV `related`); shown, never merged.
  public var related: [String]
  public var summary: String?
  public var details: String?
  /// RFC 3339 timestamps as published (kept as text: sources disagree on precision).
  public var published: String?
  public var modified: String?
  /// Set when the source withdrew the record; withdrawn advisories never produce findings.
  public var withdrawn: String?
  /// Where the record came from: `osv`, `alpine-secdb:v3.10`, `starter`, …
  public var source: String
  /// CVSS vectors as published (OSV `severity`), by type (`CVSS_V3`, `CVSS_V4`, …).
  public var severities: [SeverityVector]
  /// The source's qualitative severity (`database_specific.severity`, distro urgency), verbatim.
  public var vendorSeverity: String?
  public var affected: [AffectedPackage]
  public var references: [String]

  public init(
    id: String, aliases: [String] = [], related: [String] = [], summary: String? = nil,
    details: String? = nil, published: String? = nil, modified: String? = nil,
    withdrawn: String? = nil, source: String, severities: [SeverityVector] = [],
    vendorSeverity: String? = nil, affected: [AffectedPackage] = [], references: [String] = []
  ) {
    self.id = id
    self.aliases = aliases
    self.related = related
    self.summary = summary
    self.details = details
    self.published = published
    self.modified = modified
    self.withdrawn = withdrawn
    self.source = source
    self.severities = severities
    self.vendorSeverity = vendorSeverity
    self.affected = affected
    self.references = references
  }

  /// The id itself followed by its aliases, without duplicates, in record order.
  public var allIDs: [String] {
    var seen: Set<String> = []
    return ([id] + aliases).filter { seen.insert($0).inserted }
  }
}
