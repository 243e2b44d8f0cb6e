/// Why a package matched an advisory: which scheme compared which installed version against
/// which range or enumerated list, from which source. Reports show it so users can check a
/// match by hand (`tailguard version compare --scheme deb A B`).
public struct MatchEvidence: Hashable, Sendable, Codable, Comparable {
  public var advisoryID: String
  /// Advisory source (`osv`, `alpine-secdb:v3.10`, …).
  public var source: String
  /// OSV ecosystem and package name of the advisory's `affected` entry that matched.
  public var ecosystem: String
  public var packageName: String
  /// Version scheme used for the comparison (`pypi`, `deb`, `semver`, …).
  public var scheme: String
  /// The version that was compared (the source package's version for OS packages).
  public var installedVersion: String
  /// `ECOSYSTEM`, `SEMVER`, or `versions` for an enumerated-list match.
  public var rangeKind: String
  /// The interval the version fell in, e.g. `introduced 0, fixed 2.20.0` or `versions list`.
  public var matchedRange: String

  public init(
    advisoryID: String, source: String, ecosystem: String, packageName: String, scheme: String,
    installedVersion: String, rangeKind: String, matchedRange: String
  ) {
    self.advisoryID = advisoryID
    self.source = source
    self.ecosystem = ecosystem
    self.packageName = packageName
    self.scheme = scheme
    self.installedVersion = installedVersion
    self.rangeKind = rangeKind
    self.matchedRange = matchedRange
  }

  public static func < (a: MatchEvidence, b: MatchEvidence) -> Bool {
    (a.advisoryID, a.source, a.ecosystem, a.rangeKind, a.matchedRange)
      < (b.advisoryID, b.source, b.ecosystem, b.rangeKind, b.matchedRange)
  }
}
