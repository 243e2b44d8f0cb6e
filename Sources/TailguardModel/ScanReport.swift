/// How a finding's severity was chosen and how risky it is, computed by Scoring from the
/// finding's vendor severity, CVSS vectors and exploitation signals.
public struct Assessment: Hashable, Sendable, Codable {
  public var severity: Severity
  /// Where the severity came from: `vendor` (the distro or advisory source's own rating),
  /// `cvss-v4.0`, `cvss-v3.1`, `cvss-v3.0`, `cvss-v2.0`, or `none`.
  public var severitySource: String
  /// The CVSS vector and base score used, when one was.
  public var cvssVector: String?
  public var cvssScore: Double?
  public var risk: RiskScore

  public init(
    severity: Severity, severitySource: String, cvssVector: String? = nil, cvssScore: Double? = nil,
    risk: RiskScore
  ) {
    self.severity = severity
    self.severitySource = severitySource
    self.cvssVector = cvssVector
    self.cvssScore = cvssScore
    self.risk = risk
  }
}

/// A number in 0...10 with the reasons that produced it, so every report can explain its order.
public struct RiskScore: Hashable, Sendable, Codable, Comparable {
  public var value: Double
  public var reasons: [String]
  /// Where the exploitation signal in this risk comes from, with its date: no exploitation
  /// figure appears without its source.
  public var threat: ThreatSource
  public init(value: Double, reasons: [String], threat: ThreatSource = .none) {
    self.value = value
    self.reasons = reasons
    self.threat = threat
  }
  public static func < (a: RiskScore, b: RiskScore) -> Bool { a.value < b.value }
}

/// The exploitation evidence behind a risk: CISA KEV (with the date the CVE was added), FIRST
/// EPSS (with the probability and the date of the scores), or none.
public struct ThreatSource: Hashable, Sendable, Codable {
  public enum Source: String, Hashable, Sendable, Codable { case kev, epss, none }
  public var source: Source
  /// `YYYY-MM-DD`: the KEV `dateAdded` or the EPSS score date; nil only for `none` (or EPSS data
  /// without a date).
  public var date: String?
  /// The EPSS probability (0–1), for `epss`.
  public var probability: Double?

  public init(source: Source, date: String? = nil, probability: Double? = nil) {
    self.source = source
    self.date = date
    self.probability = probability
  }

  public static let none = ThreatSource(source: .none)

  /// The stronger of two signals: KEV over EPSS over none; the earlier KEV date, the higher
  /// EPSS probability.
  public static func strongest(_ a: ThreatSource, _ b: ThreatSource) -> ThreatSource {
    switch (a.source, b.source) {
    case (.kev, .kev): return (a.date ?? "9999") <= (b.date ?? "9999") ? a : b
    case (.kev, _): return a
    case (_, .kev): return b
    case (.epss, .epss): return (a.probability ?? 0) >= (b.probability ?? 0) ? a : b
    case (.epss, _): return a
    case (_, .epss): return b
    default: return a
    }
  }
}

/// A finding with its assessment: what reports, policy and the server consume.
public struct ScoredFinding: Hashable, Sendable, Codable {
  public var finding: Finding
  public var assessment: Assessment
  /// Present when an ignore rule or a VEX statement suppressed the finding.
  public var suppression: Suppression?

  public init(finding: Finding, assessment: Assessment, suppression: Suppression? = nil) {
    self.finding = finding
    self.assessment = assessment
    self.suppression = suppression
  }
}

/// Why a finding is not reported as open.
public struct Suppression: Hashable, Sendable, Codable {
  /// `ignore-file` or `openvex`.
  public var kind: String
  public var reason: String
  /// Where the rule came from (file and line, or VEX statement id).
  public var source: String
  public var expires: String?
  public init(kind: String, reason: String, source: String, expires: String? = nil) {
    self.kind = kind
    self.reason = reason
    self.source = source
    self.expires = expires
  }
}

/// Provenance of the advisory data used for a scan.
public struct AdvisoryDataInfo: Hashable, Sendable, Codable {
  /// Path of the database file, or `starter` for the embedded starter set.
  public var location: String
  public var sources: [String]
  public var records: Int
  /// Newest import/update time in the database (RFC 3339).
  public var updatedAt: String?
  public init(location: String, sources: [String], records: Int, updatedAt: String? = nil) {
    self.location = location
    self.sources = sources
    self.records = records
    self.updatedAt = updatedAt
  }
}

/// Everything one scan produced. A server can store this value and re-match `sbom` when
/// advisory data changes without rescanning the image.
public struct ScanReport: Hashable, Sendable, Codable {
  public static let currentSchemaVersion = 1
  public var schemaVersion: Int
  public var tool: String
  public var toolVersion: String
  public var scannedAt: String
  public var sbom: SoftwareBOM
  /// Open findings, sorted by severity then risk (highest first).
  public var findings: [ScoredFinding]
  /// Findings an ignore rule or VEX statement suppressed.
  public var suppressed: [ScoredFinding]
  public var advisoryData: AdvisoryDataInfo?
  /// Policy decision, when `--policy` was given.
  public var policy: PolicyOutcome?
  /// Signature verification, when `--require-signature` was given (absent otherwise).
  public var signatures: SignatureCheck?
  public var diagnostics: [Diagnostic]

  public init(
    tool: String = "tailguard", toolVersion: String, scannedAt: String, sbom: SoftwareBOM,
    findings: [ScoredFinding] = [], suppressed: [ScoredFinding] = [],
    advisoryData: AdvisoryDataInfo? = nil,
    diagnostics: [Diagnostic] = []
  ) {
    self.schemaVersion = Self.currentSchemaVersion
    self.tool = tool
    self.toolVersion = toolVersion
    self.scannedAt = scannedAt
    self.sbom = sbom
    self.findings = findings
    self.suppressed = suppressed
    self.advisoryData = advisoryData
    self.diagnostics = diagnostics
  }

  /// Open findings per severity.
  public var severityCounts: [Severity: Int] {
    var counts: [Severity: Int] = [:]
    for f in findings { counts[f.assessment.severity, default: 0] += 1 }
    return counts
  }
}
