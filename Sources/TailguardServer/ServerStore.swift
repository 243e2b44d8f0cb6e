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
}

/// An immutable lifecycle event of one finding: `first_seen`, `fixed`, `reopened`.
public struct HistoryEvent: Sendable, Codable, Hashable {
  public var id: Int64
  public var digest: String
  public var vulnerabilityID: String
  public var event: String
  public var at: String
  /// What caused it: `index` (the image was indexed) or `advisory-update` (a re-match).
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

  public init(
    vulnerabilityID: String, severity: Severity, kev: Bool, fixable: Bool, fixedVersion: String?,
    packages: [String], summary: String?, risk: Double
  ) {
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
        fixedVersion: v.fixedVersion, packages: v.packages, summary: v.summary, risk: v.risk)
    }
  }
}

/// Filters of `GET /api/v1/findings`.
public struct FindingQuery: Sendable, Hashable {
  public var severities: [Severity] = []
  public var kev: Bool?
  public var fixable: Bool?
  /// `open` (default), `fixed` or nil for both.
  public var state: String? = "open"
  public var digest: String?
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
public protocol ServerStore: Sendable {
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
  func images(limit: Int, after: String?) throws -> Page<ImageSummary>
  func sbom(digest: String) throws -> SoftwareBOM?
  func indexedDigests() throws -> [String]

  // Findings.
  /// Replaces the image's current findings with MATCHED: new ones get `first_seen`, vanished
  /// ones `fixed`, returning ones `reopened`; unchanged ones write nothing. Returns the number
  /// of history rows written.
  @discardableResult
  func applyFindings(digest: String, matched: [MatchedVulnerability], cause: String, now: Date)
    throws -> Int
  func findings(_ query: FindingQuery, limit: Int, after: String?) throws -> Page<FindingRecord>
  func history(digest: String, limit: Int, after: Int64?) throws -> Page<HistoryEvent>
  func openFindingCounts() throws -> [String: Int]

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
}
