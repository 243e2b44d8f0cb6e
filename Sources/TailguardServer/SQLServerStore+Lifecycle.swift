import ByteFormats
import Foundation
import Scanner
import TailguardModel

/// The finding lifecycle and the events it writes to the outbox, in the caller's transaction: a
/// change and its notification commit together or not at all.
extension SQLServerStore {
  public func applyFindings(
    digest: String, matched: [MatchedVulnerability], cause: String, withdrawn: Set<String>,
    now: Date
  ) throws -> Int {
    try write { db in
      try apply(db, digest: digest, matched: matched, cause: cause, withdrawn: withdrawn, now: now)
    }
  }

  public func applyFindings(
    batch: [ImageMatch], cause: String, withdrawn: Set<String>, now: Date
  ) throws -> Int {
    try write { db in
      try batch.reduce(0) { events, image in
        events
          + (try apply(
            db, digest: image.digest, matched: image.matched, cause: cause, withdrawn: withdrawn,
            now: now))
      }
    }
  }

  struct Current {
    var state: String
    var firstSeen: String
    var severity: String
    /// The stored values of `updatable`, in its order.
    var values: [SQLValue]
  }

  /// The columns a re-match rewrites; a finding whose values are all unchanged is not written.
  static let updatable = [
    "severity", "severity_rank", "kev", "fixable", "fixed_version", "packages", "summary", "risk",
    "kev_date", "sla_start", "sla_due", "suppression_id",
  ]

  /// Replaces the image's findings with MATCHED. New ones get `first_seen` (and `suppressed` when
  /// an ignore rule covers them), vanished ones `fixed` (or `retracted` when their advisory was
  /// withdrawn), returning ones `reopened`; unchanged ones write no history. Writes one
  /// `finding.new` and one `finding.fixed` event for the image (a summary, however many findings).
  @discardableResult
  func apply(
    _ db: any SQLExecutor, digest: String, matched: [MatchedVulnerability], cause: String,
    withdrawn: Set<String>, now: Date
  ) throws -> Int {
    let ts = Self.timestamp(now)
    var current: [String: Current] = [:]
    for row in try db.query(
      "SELECT vulnerability_id, state, first_seen, \(Self.updatable.joined(separator: ", ")) "
        + "FROM finding WHERE digest = ?", digest)
    {
      current[try row.string("vulnerability_id")] = Current(
        state: try row.string("state"), firstSeen: try row.string("first_seen"),
        severity: try row.string("severity"), values: Self.updatable.map { row[$0] })
    }
    let rules = try Self.suppressionRules(db, digest: digest)
    var events = 0
    func record(_ id: String, _ event: String, _ why: String = cause) throws {
      try db.execute(
        """
        INSERT INTO finding_history (digest, vulnerability_id, event, at, cause)
        VALUES (?, ?, ?, ?, ?)
        """, digest, id, event, ts, why)
      events += 1
    }
    var appeared: [MatchedVulnerability] = []
    var gone: [(String, String)] = []
    var seen: Set<String> = []
    for v in matched {
      seen.insert(v.vulnerabilityID)
      let rule = rules[v.vulnerabilityID]
      let target = rule == nil ? "open" : "suppressed"
      let existing = current[v.vulnerabilityID]
      let firstSeen = existing?.firstSeen ?? ts
      let (start, due) = slaClock(v, firstSeen: firstSeen)
      let args: [SQLValue] = [
        .text(v.severity.rawValue), .int(Int64(v.severity.rank)), v.kev.sqlValue,
        v.fixable.sqlValue, v.fixedVersion.sqlValue, .text(Self.packagesJSON(v.packages)),
        v.summary.sqlValue, .double(v.risk), v.kevDate.sqlValue, start.sqlValue, due.sqlValue,
        rule?.id.sqlValue ?? .null,
      ]
      let set = """
        severity = ?, severity_rank = ?, kev = ?, fixable = ?, fixed_version = ?, packages = ?,
        summary = ?, risk = ?, kev_date = ?, sla_start = ?, sla_due = ?, suppression_id = ?
        """
      guard let existing else {
        try db.execute(
          """
          INSERT INTO finding (severity, severity_rank, kev, fixable, fixed_version, packages,
            summary, risk, kev_date, sla_start, sla_due, suppression_id, digest, vulnerability_id,
            state, first_seen)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """, args + [.text(digest), .text(v.vulnerabilityID), .text(target), .text(ts)])
        try record(v.vulnerabilityID, "first_seen")
        if let rule {
          try record(v.vulnerabilityID, "suppressed", rule.cause)
        } else {
          appeared.append(v)
        }
        continue
      }
      let key: [SQLValue] = [.text(digest), .text(v.vulnerabilityID)]
      if existing.state == target {
        // Scores, fixed versions and KEV status move with the data: no lifecycle event. Most
        // findings of a re-matched image are as they were: those are not written at all.
        if existing.values == args { continue }
        try db.execute(
          "UPDATE finding SET \(set) WHERE digest = ? AND vulnerability_id = ?", args + key)
        continue
      }
      try db.execute(
        """
        UPDATE finding SET \(set), state = ?, fixed_at = NULL, sla_notified = 'ok'
        WHERE digest = ? AND vulnerability_id = ?
        """, args + [.text(target)] + key)
      switch (existing.state, target) {
      case ("open", "suppressed"): try record(v.vulnerabilityID, "suppressed", rule!.cause)
      case ("suppressed", "open"): try record(v.vulnerabilityID, "unsuppressed")
      case (_, "open"):
        try record(v.vulnerabilityID, "reopened")
        appeared.append(v)
      default:
        try record(v.vulnerabilityID, "reopened")
        try record(v.vulnerabilityID, "suppressed", rule!.cause)
      }
    }
    for (id, finding) in current.sorted(by: { $0.key < $1.key })
    where (finding.state == "open" || finding.state == "suppressed") && !seen.contains(id) {
      let event = withdrawn.contains(id) ? "retracted" : "fixed"
      try db.execute(
        """
        UPDATE finding SET state = ?, fixed_at = ? WHERE digest = ? AND vulnerability_id = ?
        """, event, ts, digest, id)
      try record(id, event)
      if finding.state == "open" { gone.append((id, finding.severity)) }
    }
    if !appeared.isEmpty {
      try Self.emit(
        db, .findingNew, at: ts,
        payload: FindingsEvent(
          digest: digest, cause: cause,
          findings: appeared.map {
            .init(
              id: $0.vulnerabilityID, severity: $0.severity.rawValue, kev: $0.kev,
              fixedVersion: $0.fixedVersion, packages: $0.packages)
          }))
    }
    if !gone.isEmpty {
      try Self.emit(
        db, .findingFixed, at: ts,
        payload: FindingsEvent(
          digest: digest, cause: cause,
          findings: gone.map {
            .init(id: $0.0, severity: $0.1, kev: nil, fixedVersion: nil, packages: nil)
          }))
    }
    return events
  }

  /// The SLA clock of a finding first seen at FIRSTSEEN: from then, or from the KEV date when
  /// later; nil when no rule covers it.
  func slaClock(_ v: MatchedVulnerability, firstSeen: String) -> (Double?, Double?) {
    guard let allowed = sla.allowed(severity: v.severity, kev: v.kev),
      let seen = Self.epoch(firstSeen)
    else { return (nil, nil) }
    var start = seen
    if v.kev, let added = v.kevDate.flatMap(Self.dayEpoch), added > start { start = added }
    return (start, start + allowed)
  }

  /// The JSON array of PACKAGES, as JSONEncoder writes it (slashes escaped), without one.
  static func packagesJSON(_ packages: [String]) -> String {
    JSONValue.array(packages.map { .string($0) }).text(escapingSlashes: true)
  }

  static func epoch(_ timestamp: String) -> Double? {
    if let d = try? timestampStyle.parse(timestamp) { return d.timeIntervalSince1970 }
    return (try? Date.ISO8601FormatStyle().parse(timestamp))?.timeIntervalSince1970
  }

  /// `YYYY-MM-DD` at 00:00 UTC.
  static func dayEpoch(_ day: String) -> Double? {
    epoch(String(day.prefix(10)) + "T00:00:00Z")
  }

  static func timestamp(epoch: Double) -> String {
    timestamp(Date(timeIntervalSince1970: epoch))
  }

  // MARK: - Suppression rules

  struct Rule {
    var id: Int64
    var cause: String
  }

  /// The ignore rules for DIGEST by vulnerability id; a rule for this image wins over a global one.
  static func suppressionRules(_ db: any SQLExecutor, digest: String) throws -> [String: Rule] {
    var out: [String: Rule] = [:]
    for row in try db.query(
      """
      SELECT id, vulnerability_id, digest, reason, author FROM suppression
      WHERE digest IS NULL OR digest = ? ORDER BY id
      """, digest)
    {
      let id = try row.string("vulnerability_id")
      if out[id] != nil && row.optionalString("digest") == nil { continue }
      out[id] = Rule(
        id: try row.int64("id"),
        cause:
          "suppression #\(try row.int64("id")) by \(try row.string("author")): \(try row.string("reason"))"
      )
    }
    return out
  }

  // MARK: - Events

  /// The body of `finding.new` / `finding.fixed` (and `sla.*`): one per image per change.
  struct FindingsEvent: Encodable {
    struct Item: Encodable {
      var id: String
      var severity: String
      var kev: Bool?
      var fixedVersion: String?
      var packages: [String]?
      var due: String?
    }
    var digest: String
    var cause: String
    var findings: [Item]
  }

  struct Envelope<Payload: Encodable>: Encodable {
    var id: String
    var type: String
    var occurredAt: String
    var data: Payload
  }

  /// Writes EVENT for every webhook subscribed to it, one delivery each, all under one event id.
  static func emit<Payload: Encodable>(
    _ db: any SQLExecutor, _ event: WebhookEvent, at ts: String, payload: Payload
  ) throws {
    let hooks = try db.query("SELECT id, events FROM webhook ORDER BY id").filter {
      (try $0.string("events")).split(separator: ",").contains(Substring(event.rawValue))
    }
    guard !hooks.isEmpty else { return }
    let eventID = UUID().uuidString.lowercased()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let body = try encoder.encode(
      Envelope(id: eventID, type: event.rawValue, occurredAt: ts, data: payload))
    let epoch = epoch(ts) ?? Date().timeIntervalSince1970
    for hook in hooks {
      try db.execute(
        """
        INSERT INTO outbox (event_id, webhook_id, event, body, state, attempts, next_attempt,
          created_at, created_epoch)
        VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)
        """, eventID, try hook.int64("id"), event.rawValue, body, epoch, ts, epoch)
    }
  }

  struct IndexedEvent: Encodable {
    var digest: String
    var packages: Int
    var openFindings: Int
    var bySeverity: [String: Int]
  }

  static func emitIndexed(
    _ db: any SQLExecutor, digest: String, packages: Int, matched: [MatchedVulnerability],
    at ts: String
  ) throws {
    var bySeverity: [String: Int] = [:]
    for v in matched { bySeverity[v.severity.rawValue, default: 0] += 1 }
    try emit(
      db, .imageIndexed, at: ts,
      payload: IndexedEvent(
        digest: digest, packages: packages, openFindings: matched.count, bySeverity: bySeverity))
  }
}
