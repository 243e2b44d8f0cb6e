import TailguardModel

/// Everything one import produced, ready to be written in one transaction.
public struct ImportBatch: Sendable {
  public var records: [AdvisoryRecord]
  public var kev: [KEVEntry]
  public var epss: [EPSSScore]
  /// One entry per feed that was read (for `db status` and conditional updates).
  public var sources: [SourceInfo]
  public var diagnostics: [Diagnostic]
  /// When true, existing advisories of each source in `sources` (kind `osv`/`alpine-secdb`)
  /// are deleted first: a full feed replaces its previous contents (withdrawals, renames).
  public var replaceSources: Bool

  public init(
    records: [AdvisoryRecord] = [], kev: [KEVEntry] = [], epss: [EPSSScore] = [],
    sources: [SourceInfo] = [], diagnostics: [Diagnostic] = [], replaceSources: Bool = false
  ) {
    self.records = records
    self.kev = kev
    self.epss = epss
    self.sources = sources
    self.diagnostics = diagnostics
    self.replaceSources = replaceSources
  }

  public mutating func append(_ other: ImportBatch) {
    records += other.records
    kev += other.kev
    epss += other.epss
    sources += other.sources
    diagnostics += other.diagnostics
  }
}

/// A feed the database was filled from.
public struct SourceInfo: Hashable, Sendable, Codable {
  /// Stable name: `osv:PyPI`, `alpine-secdb:v3.10/main`, `kev`, `epss`, or `file:<path>` for imports.
  public var name: String
  /// `osv`, `alpine-secdb`, `kev`, `epss`.
  public var kind: String
  /// File path or URL it was read from.
  public var location: String
  /// Records (advisories, KEV entries or EPSS rows) it contributed.
  public var records: Int
  /// RFC 3339 time of the import.
  public var importedAt: String
  /// Date of the data itself when the feed says (KEV catalogVersion date, EPSS score_date).
  public var dataDate: String?
  /// HTTP validators for conditional `db update` requests.
  public var etag: String?
  public var lastModified: String?

  public init(
    name: String, kind: String, location: String, records: Int, importedAt: String,
    dataDate: String? = nil, etag: String? = nil, lastModified: String? = nil
  ) {
    self.name = name
    self.kind = kind
    self.location = location
    self.records = records
    self.importedAt = importedAt
    self.dataDate = dataDate
    self.etag = etag
    self.lastModified = lastModified
  }
}
