/// What `tailguard db status` reports about a database.
public struct DatabaseStatus: Hashable, Sendable, Codable {
  public var path: String
  public var schemaVersion: Int
  public var sizeBytes: Int64
  public var advisories: Int
  public var withdrawn: Int
  public var affectedEntries: Int
  public var kevEntries: Int
  public var epssScores: Int
  /// Affected entries per OSV ecosystem, sorted by ecosystem.
  public var ecosystems: [EcosystemCount]
  public var sources: [SourceInfo]
  /// Newest import time over all sources (RFC 3339), the "data age" anchor.
  public var lastImport: String?

  public struct EcosystemCount: Hashable, Sendable, Codable {
    public var ecosystem: String
    public var affectedEntries: Int
    public init(ecosystem: String, affectedEntries: Int) {
      self.ecosystem = ecosystem
      self.affectedEntries = affectedEntries
    }
  }

  public init(
    path: String, schemaVersion: Int, sizeBytes: Int64, advisories: Int, withdrawn: Int,
    affectedEntries: Int, kevEntries: Int, epssScores: Int, ecosystems: [EcosystemCount],
    sources: [SourceInfo], lastImport: String?
  ) {
    self.path = path
    self.schemaVersion = schemaVersion
    self.sizeBytes = sizeBytes
    self.advisories = advisories
    self.withdrawn = withdrawn
    self.affectedEntries = affectedEntries
    self.kevEntries = kevEntries
    self.epssScores = epssScores
    self.ecosystems = ecosystems
    self.sources = sources
    self.lastImport = lastImport
  }
}
