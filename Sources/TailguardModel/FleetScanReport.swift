/// What `fleet scan` found across every image a fleet runs: usage per image, the head/tail
/// split, findings per segment, usage-weighted risk, image health, and the alerts that no image
/// escapes however rarely it runs. Deterministic: the same input gives the same bytes.
public struct FleetScanReport: Hashable, Sendable, Codable {
  public var schemaVersion = 1
  public var tool = "tailguard"
  public var toolVersion: String
  /// The day (`YYYY-MM-DD`, UTC) ages and end-of-life dates are measured against.
  public var asOf: String
  public var definitions: FleetDefinitions
  public var headline: String
  public var segments: FleetSegments
  public var images: [FleetImage]
  public var alerts: [FleetAlert]
  public var unresolved: [UnresolvedReference]
  /// Images that were resolved but could not be read or matched (listed, not dropped).
  public var failed: [FailedImage]
  public var advisoryData: AdvisoryDataInfo?
  public var diagnostics: [Diagnostic]

  public init(
    toolVersion: String, asOf: String, definitions: FleetDefinitions, headline: String,
    segments: FleetSegments, images: [FleetImage], alerts: [FleetAlert],
    unresolved: [UnresolvedReference], failed: [FailedImage], advisoryData: AdvisoryDataInfo?,
    diagnostics: [Diagnostic]
  ) {
    self.toolVersion = toolVersion
    self.asOf = asOf
    self.definitions = definitions
    self.headline = headline
    self.segments = segments
    self.images = images
    self.alerts = alerts
    self.unresolved = unresolved
    self.failed = failed
    self.advisoryData = advisoryData
    self.diagnostics = diagnostics
  }
}

/// The definitions a fleet report used, stated so a reader can check the figures.
public struct FleetDefinitions: Hashable, Sendable, Codable {
  public enum RankKey: String, Hashable, Sendable, Codable, CaseIterable {
    case replicas, pulls
  }
  public var rankKey: RankKey
  /// The `--head N` most used images are the head; the rest is the tail.
  public var head: Int
  public var countingUnit: String
  public var replicas: String
  public var daemonSetNodes: Int
  public var alertFloor: String

  public init(rankKey: RankKey, head: Int, daemonSetNodes: Int) {
    self.rankKey = rankKey
    self.head = head
    self.daemonSetNodes = daemonSetNodes
    countingUnit =
      "one open finding = one vulnerability (aliases merged) in one image digest"
    replicas =
      "replicas summed over every workload that references the image: Deployment/StatefulSet/ReplicaSet replicas, Job parallelism, a DaemonSet as \(daemonSetNodes) node(s), otherwise 1; a usage file's replicas cell overrides"
    alertFloor =
      "every image with an open known-exploited finding, or an open critical finding that has a fix, is alerted whatever its usage"
  }
}

/// Head and tail, side by side.
public struct FleetSegments: Hashable, Sendable, Codable {
  public var head: FleetSegment
  public var tail: FleetSegment
  public init(head: FleetSegment, tail: FleetSegment) {
    self.head = head
    self.tail = tail
  }
}

/// One segment's share of the fleet's images and findings. Shares are fractions (0–1, four
/// decimals) of the fleet's totals; `vulnerabilities` counts distinct vulnerability ids.
public struct FleetSegment: Hashable, Sendable, Codable {
  public var images: Int
  public var imageShare: Double
  public var findings: Int
  public var findingShare: Double
  public var critical: Int
  public var high: Int
  public var kev: Int
  public var fixable: Int
  public var vulnerabilities: Int

  /// A share as a person reads it: `0.6125` → `61.3%`.
  public static func percent(_ share: Double) -> String {
    let p = (share * 1000).rounded() / 10
    return (p == p.rounded() ? String(Int(p)) : String(p)) + "%"
  }

  public init(
    images: Int = 0, imageShare: Double = 0, findings: Int = 0, findingShare: Double = 0,
    critical: Int = 0, high: Int = 0, kev: Int = 0, fixable: Int = 0, vulnerabilities: Int = 0
  ) {
    self.images = images
    self.imageShare = imageShare
    self.findings = findings
    self.findingShare = findingShare
    self.critical = critical
    self.high = high
    self.kev = kev
    self.fixable = fixable
    self.vulnerabilities = vulnerabilities
  }
}

/// One image digest of the fleet and everything known about it.
public struct FleetImage: Hashable, Sendable, Codable {
  public enum Segment: String, Hashable, Sendable, Codable { case head, tail }

  /// Where the image is referenced: a deployment file and line, or the usage file.
  public struct Place: Hashable, Sendable, Codable, Comparable {
    public var file: String
    public var line: Int
    public var text: String
    public init(file: String, line: Int, text: String) {
      self.file = file
      self.line = line
      self.text = text
    }
    public static func < (a: Place, b: Place) -> Bool {
      (a.file, a.line, a.text) < (b.file, b.line, b.text)
    }
  }

  public struct Usage: Hashable, Sendable, Codable {
    public var replicas: Int
    public var workloads: Int
    public var files: Int
    public var pulls: Int?
    public var team: String?
    public init(replicas: Int, workloads: Int, files: Int, pulls: Int?, team: String?) {
      self.replicas = replicas
      self.workloads = workloads
      self.files = files
      self.pulls = pulls
      self.team = team
    }
  }

  public struct FindingCounts: Hashable, Sendable, Codable {
    public var total = 0
    public var critical = 0
    public var high = 0
    public var medium = 0
    public var low = 0
    public var kev = 0
    public var fixable = 0
    public init() {}
  }

  public var reference: String
  public var references: [Place]
  public var digest: String
  public var usage: Usage
  public var rank: Int
  public var segment: Segment
  public var findings: FindingCounts
  /// Distinct open vulnerability ids in the image, sorted.
  public var vulnerabilities: [String]
  public var exposure: [String]
  public var risk: RiskScore
  public var health: ImageHealth
  public var alert: Bool

  public init(
    reference: String, references: [Place], digest: String, usage: Usage, rank: Int,
    segment: Segment, findings: FindingCounts, vulnerabilities: [String], exposure: [String],
    risk: RiskScore, health: ImageHealth, alert: Bool
  ) {
    self.reference = reference
    self.references = references
    self.digest = digest
    self.usage = usage
    self.rank = rank
    self.segment = segment
    self.findings = findings
    self.vulnerabilities = vulnerabilities
    self.exposure = exposure
    self.risk = risk
    self.health = health
    self.alert = alert
  }
}

/// A score 0–100 from named checks, and its grade (A > 90, B 71–90, C 51–70, D 31–50,
/// E 11–30, F ≤ 10, as Docker Scout grades).
public struct ImageHealth: Hashable, Sendable, Codable {
  public struct Check: Hashable, Sendable, Codable {
    public var name: String
    public var points: Int
    public var max: Int
    public var passed: Bool
    public var detail: String
    public init(name: String, points: Int, max: Int, passed: Bool, detail: String) {
      self.name = name
      self.points = points
      self.max = max
      self.passed = passed
      self.detail = detail
    }
  }
  public var score: Int
  public var grade: String
  /// The sum of every check's `max`: the score is `points / denominator`, scaled to 100.
  public var denominator: Int
  public var checks: [Check]

  public init(checks: [Check]) {
    self.checks = checks
    denominator = checks.reduce(0) { $0 + $1.max }
    let points = checks.reduce(0) { $0 + $1.points }
    score = denominator == 0 ? 0 : Int((Double(points) * 100 / Double(denominator)).rounded())
    grade = Self.grade(score)
  }

  public static func grade(_ score: Int) -> String {
    switch score {
    case 91...: "A"
    case 71...90: "B"
    case 51...70: "C"
    case 31...50: "D"
    case 11...30: "E"
    default: "F"
    }
  }
}

/// An image that must be looked at whatever its usage, and why.
public struct FleetAlert: Hashable, Sendable, Codable {
  public var digest: String
  public var reference: String
  public var reasons: [String]
  /// The vulnerability ids that put the image here.
  public var findings: [String]
  public var risk: Double
  public init(
    digest: String, reference: String, reasons: [String], findings: [String], risk: Double
  ) {
    self.digest = digest
    self.reference = reference
    self.reasons = reasons
    self.findings = findings
    self.risk = risk
  }
}

/// A reference that could not be turned into an image digest, with where and why.
public struct UnresolvedReference: Hashable, Sendable, Codable, Comparable {
  public var reference: String
  public var file: String
  public var line: Int
  public var reason: String
  public init(reference: String, file: String, line: Int, reason: String) {
    self.reference = reference
    self.file = file
    self.line = line
    self.reason = reason
  }
  public static func < (a: Self, b: Self) -> Bool {
    (a.file, a.line, a.reference) < (b.file, b.line, b.reference)
  }
}

/// A resolved image that could not be scanned.
public struct FailedImage: Hashable, Sendable, Codable {
  public var reference: String
  public var digest: String
  public var reason: String
  public init(reference: String, digest: String, reason: String) {
    self.reference = reference
    self.digest = digest
    self.reason = reason
  }
}
