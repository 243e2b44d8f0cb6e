/// OSV `affected[].ranges[]`: an ordered list of events over one version scheme. Evaluation
/// follows the OSV spec (events sorted by version, `introduced` opens, `fixed`/`limit` close
/// before, `last_affected` closes after); see `Matching.RangeEvaluator`.
public struct AffectedRange: Hashable, Sendable, Codable {
  public enum Kind: String, Hashable, Sendable, Codable {
    /// Versions compared with the ecosystem's own ordering (dpkg, PEP 440, apk, …).
    case ecosystem = "ECOSYSTEM"
    /// SemVer 2.0 ordering, whatever the ecosystem.
    case semver = "SEMVER"
    /// Commit hashes: not evaluable without the repository, so matching skips them.
    case git = "GIT"
  }
  public var kind: Kind
  public var repo: String?
  public var events: [RangeEvent]
  /// Range-level `database_specific` as raw JSON text.
  public var databaseSpecific: String?

  public init(
    kind: Kind, repo: String? = nil, events: [RangeEvent], databaseSpecific: String? = nil
  ) {
    self.kind = kind
    self.repo = repo
    self.events = events
    self.databaseSpecific = databaseSpecific
  }
}

/// One OSV range event.
public struct RangeEvent: Hashable, Sendable, Codable, CustomStringConvertible {
  public enum Kind: String, Hashable, Sendable, Codable {
    case introduced
    case fixed
    case lastAffected = "last_affected"
    case limit
  }
  public var kind: Kind
  public var version: String
  public init(_ kind: Kind, _ version: String) {
    self.kind = kind
    self.version = version
  }
  public var description: String { "\(kind.rawValue) \(version)" }
}
