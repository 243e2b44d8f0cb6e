import Foundation
import SBOMFormats
import TailguardModel

/// What the server knows of one image, as admission reads it (by digest; no registry call).
public struct AdmissionImageFacts: Sendable {
  public struct Usage: Sendable, Hashable {
    public var source: String
    public var namespace: String?
    public var workload: String
    public var kind: String
    public var replicas: Int
    public var exposure: [String]
    public var team: String?
  }
  public var summary: ImageSummary
  /// `head` or `tail` (the fleet segment), when the fleet was reported.
  public var segment: String?
  /// The stored SBOM (nil until indexed).
  public var sbom: SoftwareBOM?
  /// Open and suppressed findings (fixed and retracted ones are history, not facts).
  public var findings: [FindingRecord]
  public var usage: [Usage]
}

/// One admission decision as stored and listed (`GET /api/v1/admissions`).
public struct AdmissionRecord: Sendable, Codable, Hashable {
  public var id: Int64
  public var uid: String
  public var at: String
  public var operation: String
  public var kind: String
  public var namespace: String?
  public var name: String?
  /// The container images as written in the object, in container order.
  public var images: [String]
  /// The digest each image was judged at (empty string: none resolved).
  public var digests: [String]
  /// `allowed` or `denied`.
  public var decision: String
  /// `enforce`, `warn`, `audit`, or `error` (a review that could not be understood).
  public var mode: String
  /// The rules that fired (`pack` or `package.rule`, `unknown-image`), sorted.
  public var rules: [String]
  public var message: String?
  public var latencyMs: Double
  public var dryRun: Bool
  /// `hit` (no registry call was needed) or `miss`.
  public var cache: String

  public init(
    id: Int64 = 0, uid: String, at: String, operation: String, kind: String, namespace: String?,
    name: String?, images: [String], digests: [String], decision: String, mode: String,
    rules: [String], message: String?, latencyMs: Double, dryRun: Bool, cache: String
  ) {
    self.id = id
    self.uid = uid
    self.at = at
    self.operation = operation
    self.kind = kind
    self.namespace = namespace
    self.name = name
    self.images = images
    self.digests = digests
    self.decision = decision
    self.mode = mode
    self.rules = rules
    self.message = message
    self.latencyMs = latencyMs
    self.dryRun = dryRun
    self.cache = cache
  }
}

/// What admission needs of the store beyond `ServerStore`.
public protocol AdmissionStore: ServerStore {
  /// The image's facts, or nil when the server has never seen the digest.
  func admissionFacts(digest: String) throws -> AdmissionImageFacts?
  /// The digest a reference was last indexed or submitted at (the fallback when the registry
  /// cannot be asked in time).
  func lastDigest(reference: String) throws -> String?
  /// Stores decisions; a denial that is not a dry run also writes an `admission.denied` event for
  /// the webhooks subscribed to it, in the same transaction.
  func recordAdmissions(_ records: [AdmissionRecord]) throws
  func admissions(limit: Int, after: Int64?) throws -> Page<AdmissionRecord>
}

extension SQLServerStore: AdmissionStore {
  public func admissionFacts(digest: String) throws -> AdmissionImageFacts? {
    guard let summary = try image(digest: digest) else { return nil }
    let indexed = summary.status == "indexed"
    var findings: [FindingRecord] = []
    if indexed {
      var query = FindingQuery()
      query.digest = digest
      query.state = nil
      var cursor: String?
      repeat {
        let page = try self.findings(query, limit: 500, after: cursor)
        findings += page.items.filter { $0.state == "open" || $0.state == "suppressed" }
        cursor = page.next
      } while cursor != nil
    }
    let (segment, usage) = try read { db in
      let segment = try db.one("SELECT segment FROM image WHERE digest = ?", digest)?
        .optionalString("segment")
      let usage = try db.query(
        """
        SELECT source, namespace, workload, kind, replicas, exposure, team FROM image_usage
        WHERE digest = ? ORDER BY id LIMIT 200
        """, digest
      ).map { row in
        AdmissionImageFacts.Usage(
          source: try row.string("source"), namespace: row.optionalString("namespace"),
          workload: try row.string("workload"), kind: try row.string("kind"),
          replicas: try row.int("replicas"),
          exposure: (try row.string("exposure")).split(separator: ";").map(String.init),
          team: row.optionalString("team"))
      }
      return (segment, usage)
    }
    return AdmissionImageFacts(
      summary: summary, segment: segment, sbom: indexed ? try sbom(digest: digest) : nil,
      findings: findings, usage: usage)
  }

  public func lastDigest(reference: String) throws -> String? {
    try read { db in
      try db.one(
        """
        SELECT r.digest AS digest FROM image_reference r JOIN image i ON i.digest = r.digest
        WHERE r.reference = ? AND i.status = 'indexed'
        """, reference
      )?.optionalString("digest")
    }
  }

  struct DeniedEvent: Encodable {
    var uid: String
    var operation: String
    var kind: String
    var namespace: String?
    var name: String?
    var images: [String]
    var digests: [String]
    var rules: [String]
    var message: String?
  }

  static func jsonList(_ list: [String]) -> String {
    let data = (try? JSONEncoder().encode(list)) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  static func list(_ text: String?) -> [String] {
    guard let text else { return [] }
    return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
  }

  public func recordAdmissions(_ records: [AdmissionRecord]) throws {
    guard !records.isEmpty else { return }
    try write { db in
      for r in records {
        try db.execute(
          """
          INSERT INTO admission_decision (uid, at, operation, kind, namespace, name, images,
            digests, decision, mode, rules, message, latency_ms, dry_run, cache)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """, r.uid, r.at, r.operation, r.kind, r.namespace, r.name, Self.jsonList(r.images),
          Self.jsonList(r.digests), r.decision, r.mode, Self.jsonList(r.rules),
          r.message.map { String($0.prefix(4000)) }, r.latencyMs, r.dryRun, r.cache)
        if r.decision == "denied" && !r.dryRun {
          try Self.emit(
            db, .admissionDenied, at: r.at,
            payload: DeniedEvent(
              uid: r.uid, operation: r.operation, kind: r.kind, namespace: r.namespace,
              name: r.name, images: r.images, digests: r.digests, rules: r.rules,
              message: r.message))
        }
      }
    }
  }

  public func admissions(limit: Int, after: Int64?) throws -> Page<AdmissionRecord> {
    try read { db in
      let rows = try db.query(
        "SELECT * FROM admission_decision WHERE id > ? ORDER BY id LIMIT ?", after ?? 0,
        limit + 1
      ).map { row in
        AdmissionRecord(
          id: try row.int64("id"), uid: try row.string("uid"), at: try row.string("at"),
          operation: try row.string("operation"), kind: try row.string("kind"),
          namespace: row.optionalString("namespace"), name: row.optionalString("name"),
          images: Self.list(row.optionalString("images")),
          digests: Self.list(row.optionalString("digests")),
          decision: try row.string("decision"), mode: try row.string("mode"),
          rules: Self.list(row.optionalString("rules")), message: row.optionalString("message"),
          latencyMs: try row.double("latency_ms"), dryRun: try row.bool("dry_run"),
          cache: try row.string("cache"))
      }
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? "\(rows[limit - 1].id)" : nil)
    }
  }
}
