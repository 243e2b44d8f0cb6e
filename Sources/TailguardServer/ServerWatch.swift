import Foundation

/// Where one image runs, as a fleet upload (`POST /api/v1/fleet`) says: one row per workload
/// (or usage-file row) that references it.
public struct UsageEntry: Sendable, Codable, Hashable {
  public var digest: String
  public var reference: String
  public var namespace: String?
  public var workload: String
  public var kind: String
  public var replicas: Int
  /// Why the workload is exposed (`internet-facing`, `privileged`, …), empty when not.
  public var exposure: [String]
  public var team: String?
  public init(
    digest: String, reference: String, namespace: String? = nil, workload: String, kind: String,
    replicas: Int, exposure: [String] = [], team: String? = nil
  ) {
    self.digest = digest
    self.reference = reference
    self.namespace = namespace
    self.workload = workload
    self.kind = kind
    self.replicas = replicas
    self.exposure = exposure
    self.team = team
  }
}

/// What replacing a source's usage did.
public struct UsageUpdate: Sendable, Codable, Hashable {
  public var source: String
  public var entries: Int
  public var images: Int
  /// Images no workload references any more: their open findings are now `fixed`.
  public var retired: [String]
  /// Images referenced again after they were retired: re-matched to reopen their findings.
  public var revived: [String]
}

/// One segment of the live fleet (`GET /api/v1/fleet/summary`).
public struct LiveSegment: Sendable, Codable, Hashable {
  public var images: Int = 0
  public var replicas: Int = 0
  public var openFindings: Int = 0
  public var critical: Int = 0
  public var high: Int = 0
  public var kev: Int = 0
  public var fixable: Int = 0
  public var imageShare: Double = 0
  public var findingShare: Double = 0
}

/// An image alerted whatever its usage: an open known-exploited finding, or an open critical one
/// with a fix (the floor `fleet scan` applies).
public struct LiveAlert: Sendable, Codable, Hashable {
  public var digest: String
  public var reference: String
  public var segment: String?
  public var kev: [String]
  public var criticalFixable: [String]
}

/// The live fleet: the head/tail split by replicas (`head` most used images), findings per
/// segment, the alerts and the SLA picture.
public struct FleetLiveSummary: Sendable, Codable, Hashable {
  public var head: Int
  public var segments: [String: LiveSegment]
  public var alerts: [LiveAlert]
  public var sla: [String: Int]
  public var images: Int
}

/// `GET /api/v1/sla`: breaches and what is at risk, and mean time to remediate from the history.
public struct SLAReport: Sendable, Codable, Hashable {
  public struct Entry: Sendable, Codable, Hashable {
    public var digest: String
    public var vulnerabilityID: String
    public var severity: String
    public var kev: Bool
    public var firstSeen: String
    public var due: String
    public var state: String
  }
  /// Mean time to remediate (first seen → fixed) in seconds, and how many fixes it averages.
  public struct MTTR: Sendable, Codable, Hashable {
    public var seconds: Double
    public var fixed: Int
  }
  public var policy: SLAPolicy
  public var breached: [Entry]
  public var atRisk: [Entry]
  public var counts: [String: Int]
  public var mttr: [String: [String: MTTR]]
}
