import Foundation
import Scanner
import TailguardModel

/// What a token may do. Ordered: a higher role can do everything a lower one can.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
  case read, write, admin
  var rank: Int {
    switch self {
    case .read: 0
    case .write: 1
    case .admin: 2
    }
  }
  public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// One image as the API shows it. `status` is `queued`, `indexing`, `indexed` or `failed`.
public struct ImageSummary: Sendable, Codable, Hashable {
  public var digest: String
  public var reference: String
  public var references: [String]?
  public var status: String
  public var createdAt: String
  public var indexedAt: String?
  public var packages: Int
  public var openFindings: Int
  public var error: String?
}

/// The current state of one vulnerability in one image (every package it hits, folded).
public struct FindingRecord: Sendable, Codable, Hashable {
  public var digest: String
  public var vulnerabilityID: String
  /// `open` or `fixed`.
  public var state: String
  public var severity: String
  public var kev: Bool
  public var fixable: Bool
  public var fixedVersion: String?
  /// `name@version` of every package the vulnerability hits in this image, sorted.
  public var packages: [String]
  public var summary: String?
  public var risk: Double
  public var firstSeen: String
  public var fixedAt: String?
  /// When CISA added the vulnerability to the KEV catalogue (the SLA clock starts then when it is
  /// later than first seen).
  public var kevDate: String?
  /// The SLA deadline of an open finding (nil when no rule covers its severity).
  public var slaDue: String?
  /// `ok`, `at_risk` (past 75% of its time) or `breached`; nil when the finding is not open or
  /// no rule covers it.
  public var slaState: String?
  /// The ignore rule that suppresses the finding (state `suppressed`).
  public var suppression: Suppression?
}

/// An ignore rule: the vulnerability, in one image or (digest nil) in every image, with who and why.
public struct Suppression: Sendable, Codable, Hashable {
  public var id: Int64
  public var vulnerabilityID: String
  public var digest: String?
  public var reason: String
  public var author: String
  public var createdAt: String
}

/// SLA rules: how long a finding may stay open, by what it is. Known-exploited findings (CISA
/// KEV) take the `kev` rule whatever their severity (the seed's 20 hours); others their
/// severity's. The clock starts at first seen, or at the KEV date when that is later.
public struct SLAPolicy: Sendable, Hashable, Codable {
  public var kev: TimeInterval?
  public var critical: TimeInterval?
  public var high: TimeInterval?
  public var medium: TimeInterval?
  public var low: TimeInterval?
  /// The part of its time after which an open finding is `at_risk`.
  public var atRisk: Double = 0.75

  public init(
    kev: TimeInterval? = 20 * 3600, critical: TimeInterval? = 7 * 86400,
    high: TimeInterval? = 30 * 86400, medium: TimeInterval? = 90 * 86400, low: TimeInterval? = nil
  ) {
    self.kev = kev
    self.critical = critical
    self.high = high
    self.medium = medium
    self.low = low
  }

  public static let standard = SLAPolicy()

  /// The time allowed for a finding of SEVERITY (and KEV or not).
  public func allowed(severity: Severity, kev: Bool) -> TimeInterval? {
    if kev, let k = self.kev { return k }
    switch severity {
    case .critical: return critical
    case .high: return high
    case .medium: return medium
    case .low: return low
    default: return nil
    }
  }

  /// `ok`, `at_risk` or `breached` at NOW for a clock from START to DUE.
  public func state(start: Double, due: Double, now: Double) -> String {
    if now > due { return "breached" }
    if now >= start + atRisk * (due - start) { return "at_risk" }
    return "ok"
  }
}

/// An immutable lifecycle event of one finding: `first_seen`, `fixed`, `reopened`, `retracted`
/// (the advisory was withdrawn), `suppressed`, `unsuppressed`.
public struct HistoryEvent: Sendable, Codable, Hashable {
  public var id: Int64
  public var digest: String
  public var vulnerabilityID: String
  public var event: String
  public var at: String
  /// What caused it: `index` (the image was indexed), `advisory-update` (a re-match),
  /// `image-retired` (no longer referenced by the fleet), or `suppression #N by WHO: WHY`.
  public var cause: String
}

/// One queued unit of work. `state` is `queued`, `running`, `done` or `failed`.
public struct JobRecord: Sendable, Codable, Hashable {
  public var id: Int64
  public var kind: String
  public var digest: String
  public var reference: String
  public var priority: Int
  public var state: String
  public var attempts: Int
  public var leaseUntil: Double?
  public var lastError: String?
  public var createdAt: String
  public var updatedAt: String
}

/// The match result of one image, folded per vulnerability id: what `applyFindings` stores.
public struct MatchedVulnerability: Sendable, Hashable {
  public var vulnerabilityID: String
  public var severity: Severity
  public var kev: Bool
  public var fixable: Bool
  public var fixedVersion: String?
  public var packages: [String]
  public var summary: String?
  public var risk: Double
  /// The KEV catalogue's `dateAdded` (YYYY-MM-DD) when known-exploited.
  public var kevDate: String?

  public init(
    vulnerabilityID: String, severity: Severity, kev: Bool, fixable: Bool, fixedVersion: String?,
    packages: [String], summary: String?, risk: Double, kevDate: String? = nil
  ) {
    self.kevDate = kevDate
    self.vulnerabilityID = vulnerabilityID
    self.severity = severity
    self.kev = kev
    self.fixable = fixable
    self.fixedVersion = fixedVersion
    self.packages = packages
    self.summary = summary
    self.risk = risk
  }

  /// A report's open findings, one per vulnerability after alias merging (the unit `fleet scan`
  /// counts, `ImageVulnerability.merge`), sorted by id.
  public static func fold(_ report: ScanReport) -> [MatchedVulnerability] {
    ImageVulnerability.merge(report.findings).map { v in
      MatchedVulnerability(
        vulnerabilityID: v.id, severity: v.severity, kev: v.kev != nil, fixable: v.fixable,
        fixedVersion: v.fixedVersion, packages: v.packages, summary: v.summary, risk: v.risk,
        kevDate: v.kev?.dateAdded)
    }
  }
}

/// How many open findings have a severity and an SLA state.
public struct FindingCount: Sendable, Hashable {
  public var severity: String
  public var slaState: String
  public var count: Int
}

/// Filters of `GET /api/v1/findings`.
public struct FindingQuery: Sendable, Hashable {
  public var severities: [Severity] = []
  public var kev: Bool?
  public var fixable: Bool?
  /// `open` (default), `fixed` or nil for both.
  public var state: String? = "open"
  public var digest: String?
  /// `head` or `tail` (the image's fleet segment).
  public var segment: String?
  /// Images a workload of this team runs.
  public var team: String?
  /// `ok`, `at_risk` or `breached` (open findings only).
  public var sla: String?
  public init() {}
}

/// A page of a list: `next` is the cursor of the following page (nil on the last one).
public struct Page<Item: Sendable & Codable>: Sendable, Codable {
  public var items: [Item]
  public var next: String?
}

/// What enqueueing a reference did.
public enum EnqueueOutcome: Sendable, Hashable {
  /// The digest is already indexed: nothing to read.
  case alreadyIndexed
  /// A job for the digest was queued now or is already queued/running.
  case queued(jobID: Int64)
}

/// What the server keeps, behind one small protocol (SQLite through GRDB today; the same
/// contract is what a PostgreSQL store must meet). Every write that belongs together happens in
/// one transaction, so a crash leaves either the old or the new state, never half of one.
public protocol ServerStore: OutboxStore {
  // Images and the queue.
  func enqueue(digest: String, reference: String, priority: Int, now: Date) throws -> EnqueueOutcome
  /// Takes the next queued job (or one whose lease expired) and leases it until now + lease.
  func claimJob(now: Date, lease: TimeInterval) throws -> JobRecord?
  func renewLease(jobID: Int64, until: Date) throws
  /// Puts a job back (retry) or marks it failed once it has had `maxAttempts`.
  func failJob(jobID: Int64, error: String, maxAttempts: Int, now: Date) throws
  /// Stores the SBOM, its lookup keys, the findings and their history, marks the image indexed
  /// and the job done: one transaction.
  func completeIndex(
    jobID: Int64, digest: String, sbom: SoftwareBOM, keys: [AdvisoryLookupKey],
    fingerprints: [AdvisoryLookupKey: String], matched: [MatchedVulnerability], now: Date) throws
  func jobs(state: String?, limit: Int, after: Int64?) throws -> Page<JobRecord>
  func queuedJobCount() throws -> Int

  func image(digest: String) throws -> ImageSummary?
  /// Whether DIGEST is known (indexed or not): one key lookup, no counting.
  func imageExists(digest: String) throws -> Bool
  func images(limit: Int, after: String?) throws -> Page<ImageSummary>
  func sbom(digest: String) throws -> SoftwareBOM?
  func indexedDigests() throws -> [String]

  // Findings.
  /// Replaces the image's current findings with MATCHED: new ones get `first_seen`, vanished
  /// ones `fixed`, returning ones `reopened`; unchanged ones write nothing. Returns the number
  /// of history rows written.
  /// WITHDRAWN: vulnerability ids whose advisories were withdrawn (a vanished finding among them
  /// is `retracted`, not `fixed`).
  @discardableResult
  func applyFindings(
    digest: String, matched: [MatchedVulnerability], cause: String, withdrawn: Set<String>,
    now: Date
  ) throws -> Int
  /// `applyFindings` for several images in one transaction (a re-match writes in batches).
  @discardableResult
  func applyFindings(
    batch: [ImageMatch], cause: String, withdrawn: Set<String>, now: Date
  ) throws -> Int
  func findings(_ query: FindingQuery, limit: Int, after: String?) throws -> Page<FindingRecord>
  func history(digest: String, limit: Int, after: Int64?) throws -> Page<HistoryEvent>
  /// Open findings by severity and SLA state (`ok`, `at_risk`, `breached`, `none`) at NOW.
  func openFindingCounts(now: Date) throws -> [FindingCount]

  // Re-matching.
  func allLookupKeys() throws -> [AdvisoryLookupKey]
  func digests(holding keys: [AdvisoryLookupKey]) throws -> [String]
  func fingerprints() throws -> [AdvisoryLookupKey: String]
  func saveFingerprints(_ fingerprints: [AdvisoryLookupKey: String]) throws
  func meta(_ key: String) throws -> String?
  func setMeta(_ key: String, _ value: String) throws

  // Tokens.
  func addToken(hash: String, role: Role, now: Date) throws
  func role(forTokenHash hash: String) throws -> Role?

  // Watching: SBOM uploads, usage, SLA, suppressions.
  /// Stores an uploaded SBOM as an indexed image (no registry read), like `completeIndex`.
  func storeUploadedSBOM(
    digest: String, reference: String, sbom: SoftwareBOM, keys: [AdvisoryLookupKey],
    fingerprints: [AdvisoryLookupKey: String], matched: [MatchedVulnerability], now: Date) throws
  /// Replaces SOURCE's usage rows, recomputes head/tail (the HEAD most used images by replicas),
  /// and retires images no longer referenced anywhere.
  func replaceUsage(source: String, entries: [UsageEntry], head: Int, now: Date) throws
    -> UsageUpdate
  func fleetSummary(now: Date) throws -> FleetLiveSummary
  func slaReport(now: Date, limit: Int) throws -> SLAReport
  /// Findings whose SLA state crossed into `at_risk` or `breached` since last noted: notes it and
  /// writes one `sla.*` event per image. Returns how many findings crossed.
  func slaSweep(now: Date) throws -> Int
  func addSuppression(
    vulnerabilityID: String, digest: String?, reason: String, author: String, now: Date
  )
    throws -> Suppression
  func suppressions(limit: Int, after: Int64?) throws -> Page<Suppression>
  /// Removes the rule; its findings reopen (`unsuppressed`). False when there was none.
  func removeSuppression(id: Int64, now: Date) throws -> Bool

  // Webhooks.
  func addWebhook(url: String, secret: String, events: [WebhookEvent], origin: String, now: Date)
    throws -> WebhookRecord
  func webhooks() throws -> [WebhookRecord]
  func removeWebhook(id: Int64) throws -> Bool
  /// Makes the configured webhooks (origin `config`) exactly LIST, keeping their pending deliveries.
  func syncConfiguredWebhooks(
    _ list: [(url: String, secret: String, events: [WebhookEvent])], now: Date)
    throws
  func failedDeliveries(limit: Int, after: Int64?) throws -> Page<FailedDelivery>
  func notificationCounts() throws -> [String: Int]
}

/// An image's folded match, as a re-match hands it to the store.
public struct ImageMatch: Sendable {
  public var digest: String
  public var matched: [MatchedVulnerability]
  public init(digest: String, matched: [MatchedVulnerability]) {
    self.digest = digest
    self.matched = matched
  }
}
