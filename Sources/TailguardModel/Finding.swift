/// One vulnerability in one package: every advisory that describes it (merged through
/// aliases), the fix state, and the evidence of the match. Scores are computed downstream by
/// Scoring from `severityVectors` and `vendorSeverity`.
public struct Finding: Hashable, Sendable, Codable, Comparable {
  /// `Package.id` of the matched package.
  public var packageID: String
  public var packageName: String
  public var packageVersion: String
  public var ecosystem: Ecosystem
  public var purl: PackageURL
  /// The id shown first (see `Matching.PrimaryID`: CVE when present, else the first record id).
  public var primaryID: String
  /// Every id and alias of the merged advisories, sorted, primary included.
  public var advisoryIDs: [String]
  /// Ids of the advisory records that matched (not their aliases), sorted.
  public var recordIDs: [String]
  public var summary: String?
  public var fixState: FixState
  /// The lowest fixed version above the installed one, when there is one.
  public var fixedVersion: String?
  /// Every fixed version named by the matching ranges, sorted by the scheme.
  public var fixedVersions: [String]
  /// Layer that brought the package in (copied from `Package.introducedBy`).
  public var introducedBy: Digest?
  public var introducedByIndex: Int?
  public var evidence: [MatchEvidence]
  /// The source's qualitative severity, verbatim (`HIGH`, `moderate`, …), first non-empty.
  public var vendorSeverity: String?
  /// CVSS vectors from all merged advisories, de-duplicated and sorted.
  public var severityVectors: [SeverityVector]
  public var exploitation: Exploitation?

  public init(
    packageID: String, packageName: String, packageVersion: String, ecosystem: Ecosystem,
    purl: PackageURL, primaryID: String, advisoryIDs: [String], recordIDs: [String],
    summary: String? = nil, fixState: FixState, fixedVersion: String? = nil,
    fixedVersions: [String] = [], introducedBy: Digest? = nil, introducedByIndex: Int? = nil,
    evidence: [MatchEvidence] = [], vendorSeverity: String? = nil,
    severityVectors: [SeverityVector] = [], exploitation: Exploitation? = nil
  ) {
    self.packageID = packageID
    self.packageName = packageName
    self.packageVersion = packageVersion
    self.ecosystem = ecosystem
    self.purl = purl
    self.primaryID = primaryID
    self.advisoryIDs = advisoryIDs
    self.recordIDs = recordIDs
    self.summary = summary
    self.fixState = fixState
    self.fixedVersion = fixedVersion
    self.fixedVersions = fixedVersions
    self.introducedBy = introducedBy
    self.introducedByIndex = introducedByIndex
    self.evidence = evidence
    self.vendorSeverity = vendorSeverity
    self.severityVectors = severityVectors
    self.exploitation = exploitation
  }

  /// Deterministic order: package name, version, package id, then primary id.
  public static func < (a: Finding, b: Finding) -> Bool {
    (a.packageName, a.packageVersion, a.packageID, a.primaryID)
      < (b.packageName, b.packageVersion, b.packageID, b.primaryID)
  }
}
