import ByteFormats
import Foundation
import Scanner
import TailguardModel

/// Why the store refused or failed: a code the API maps to a status, and the context.
public struct StoreError: Error, Sendable, CustomStringConvertible {
  public enum Code: String, Sendable { case database, corrupt, newerSchema }
  public var code: Code
  public var message: String
  public var description: String { "\(code.rawValue): \(message)" }
  init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }
}

/// The server's store over either database (`SQLDriver`): one implementation, one statement text
/// per query for both (placeholders `?`, booleans 0/1), so SQLite and PostgreSQL behave the same
/// by construction and one test suite runs against both. Immutable history (triggers refuse
/// UPDATE and DELETE), versioned migrations.
public final class SQLServerStore: ServerStore {
  public let driver: any SQLDriver
  /// Where the data lives (a path, or a postgres URL without its password).
  public var location: String { driver.location }

  /// The SLA rules new and updated findings are clocked by.
  public let sla: SLAPolicy

  public init(driver: any SQLDriver, sla: SLAPolicy = .standard) throws {
    self.driver = driver
    self.sla = sla
    try driver.migrate(ServerSchema.migrations)
  }

  /// Opens LOCATION: a `postgres://` URL, or else a SQLite file path.
  public static func open(_ location: String, sla: SLAPolicy = .standard) throws -> SQLServerStore {
    if PostgresDriver.Location.isURL(location) {
      return try SQLServerStore(driver: PostgresDriver(url: location), sla: sla)
    }
    return try SQLServerStore(driver: SQLiteDriver(path: location), sla: sla)
  }

  /// Identifiers of the migrations, in order: a database is at version N when the first N ran.
  public static var migrationIdentifiers: [String] { ServerSchema.migrations.map(\.id) }

  /// `FOR UPDATE SKIP LOCKED` where the database has it (PostgreSQL): concurrent claimers never
  /// wait on or take the same job. SQLite serialises writers, which gives the same guarantee.
  var skipLocked: String { driver.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }

  /// RFC 3339 with milliseconds, UTC (`2027-01-15T08:00:00.000Z`). One format style for every
  /// row: a formatter per call cost a tenth of a re-match.
  static func timestamp(_ date: Date) -> String { date.formatted(timestampStyle) }

  static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

  @discardableResult
  func write<T>(_ body: (any SQLExecutor) throws -> T) throws -> T { try driver.write(body) }
  func read<T>(_ body: (any SQLExecutor) throws -> T) throws -> T { try driver.read(body) }

  // MARK: - Images and queue

  public func enqueue(digest: String, reference: String, priority: Int, now: Date) throws
    -> EnqueueOutcome
  {
    let ts = Self.timestamp(now)
    return try write { db in
      try db.execute(
        """
        INSERT INTO image (digest, reference, status, created_at) VALUES (?, ?, 'queued', ?)
        ON CONFLICT (digest) DO NOTHING
        """, digest, reference, ts)
      try db.execute(
        """
        INSERT INTO image_reference (reference, digest, seen_at) VALUES (?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET digest = excluded.digest, seen_at = excluded.seen_at
        """, reference, digest, ts)
      let status = try db.one("SELECT status FROM image WHERE digest = ?", digest)?
        .optionalString("status")
      if status == "indexed" { return .alreadyIndexed }
      if let row = try db.one(
        "SELECT id FROM job WHERE digest = ? AND state IN ('queued', 'running')", digest)
      {
        return .queued(jobID: try row.int64("id"))
      }
      guard
        let row = try db.one(
          """
          INSERT INTO job (kind, digest, reference, priority, state, created_at, updated_at)
          VALUES ('index', ?, ?, ?, 'queued', ?, ?) RETURNING id
          """, digest, reference, priority, ts, ts)
      else { throw StoreError(.database, "job insert returned no id") }
      try db.execute(
        "UPDATE image SET status = 'queued', error = NULL WHERE digest = ?", digest)
      return .queued(jobID: try row.int64("id"))
    }
  }

  public func claimJob(now: Date, lease: TimeInterval) throws -> JobRecord? {
    let epoch = now.timeIntervalSince1970
    return try write { db in
      guard
        let row = try db.one(
          """
          SELECT id FROM job
          WHERE (state = 'queued' AND (not_before IS NULL OR not_before <= ?))
            OR (state = 'running' AND lease_until < ?)
          ORDER BY priority DESC, id LIMIT 1
          """ + skipLocked, epoch, epoch)
      else { return nil }
      let id = try row.int64("id")
      try db.execute(
        """
        UPDATE job SET state = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
        WHERE id = ?
        """, epoch + lease, Self.timestamp(now), id)
      let job = try Self.jobs(db.query("SELECT * FROM job WHERE id = ?", id)).first
      if let job {
        try db.execute(
          "UPDATE image SET status = 'indexing' WHERE digest = ? AND status != 'indexed'",
          job.digest)
      }
      return job
    }
  }

  public func renewLease(jobID: Int64, until: Date) throws {
    try write { db in
      try db.execute(
        "UPDATE job SET lease_until = ? WHERE id = ? AND state = 'running'",
        until.timeIntervalSince1970, jobID)
    }
  }

  public func failJob(jobID: Int64, error: String, maxAttempts: Int, now: Date) throws {
    try write { db in
      let attempts =
        try db.one("SELECT attempts FROM job WHERE id = ?", jobID)?.int("attempts") ?? 0
      let state = attempts >= maxAttempts ? "failed" : "queued"
      // Backoff: 30 s, 60 s, 120 s … (at most an hour) before the next claim.
      let wait = min(3600, 30 * pow(2, Double(max(0, attempts - 1))))
      try db.execute(
        """
        UPDATE job SET state = ?, last_error = ?, lease_until = NULL, updated_at = ?,
          not_before = ?
        WHERE id = ?
        """, state, error, Self.timestamp(now), now.timeIntervalSince1970 + wait, jobID)
      try db.execute(
        """
        UPDATE image SET status = ?, error = ?
        WHERE digest = (SELECT digest FROM job WHERE id = ?) AND status != 'indexed'
        """, state == "failed" ? "failed" : "queued", error, jobID)
    }
  }

  public func completeIndex(
    jobID: Int64, digest: String, sbom: SoftwareBOM, keys: [AdvisoryLookupKey],
    fingerprints: [AdvisoryLookupKey: String], matched: [MatchedVulnerability], now: Date
  ) throws {
    let json = try JSONEncoder().encode(sbom)
    let compressed = try Compression.deflate(json)
    let ts = Self.timestamp(now)
    try write { db in
      try Self.writeSBOM(
        db, digest: digest, json: json, compressed: compressed, packages: sbom.packages.count,
        keys: keys, fingerprints: fingerprints, at: ts, source: "registry")
      try apply(db, digest: digest, matched: matched, cause: "index", withdrawn: [], now: now)
      try Self.emitIndexed(
        db, digest: digest, packages: sbom.packages.count, matched: matched, at: ts)
      try db.execute(
        """
        UPDATE job SET state = 'done', lease_until = NULL, last_error = NULL, updated_at = ?
        WHERE id = ?
        """, ts, jobID)
    }
  }

  public func jobs(state: String?, limit: Int, after: Int64?) throws -> Page<JobRecord> {
    try read { db in
      var sql = "SELECT * FROM job WHERE id > ?"
      var args: [SQLValue] = [.int(after ?? 0)]
      if let state {
        sql += " AND state = ?"
        args.append(.text(state))
      }
      sql += " ORDER BY id LIMIT ?"
      args.append(.int(Int64(limit + 1)))
      let rows = try Self.jobs(db.query(sql, args))
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? "\(rows[limit - 1].id)" : nil)
    }
  }

  public func queuedJobCount() throws -> Int {
    try read { db in
      try db.one("SELECT COUNT(*) AS n FROM job WHERE state IN ('queued', 'running')")?.int("n")
        ?? 0
    }
  }

  static func jobs(_ rows: [SQLRow]) throws -> [JobRecord] {
    try rows.map { row in
      JobRecord(
        id: try row.int64("id"), kind: try row.string("kind"), digest: try row.string("digest"),
        reference: try row.string("reference"), priority: try row.int("priority"),
        state: try row.string("state"), attempts: try row.int("attempts"),
        leaseUntil: row.optionalDouble("lease_until"), lastError: row.optionalString("last_error"),
        createdAt: try row.string("created_at"), updatedAt: try row.string("updated_at"))
    }
  }

  static let imageColumns = """
    SELECT digest, reference, status, created_at, indexed_at, package_count, error,
      (SELECT COUNT(*) FROM finding f WHERE f.digest = image.digest AND f.state = 'open') AS open
    FROM image
    """

  static func imageSummary(_ row: SQLRow) throws -> ImageSummary {
    ImageSummary(
      digest: try row.string("digest"), reference: try row.string("reference"),
      status: try row.string("status"), createdAt: try row.string("created_at"),
      indexedAt: row.optionalString("indexed_at"), packages: try row.int("package_count"),
      openFindings: try row.int("open"), error: row.optionalString("error"))
  }

  public func image(digest: String) throws -> ImageSummary? {
    try read { db in
      guard let row = try db.one(Self.imageColumns + " WHERE digest = ?", digest) else {
        return nil
      }
      var summary = try Self.imageSummary(row)
      summary.references = try db.query(
        "SELECT reference FROM image_reference WHERE digest = ? ORDER BY reference", digest
      ).map { try $0.string("reference") }
      return summary
    }
  }

  public func imageExists(digest: String) throws -> Bool {
    try read { db in try db.one("SELECT 1 AS one FROM image WHERE digest = ?", digest) != nil }
  }

  public func images(limit: Int, after: String?) throws -> Page<ImageSummary> {
    try read { db in
      let rows = try db.query(
        Self.imageColumns + " WHERE digest > ? ORDER BY digest LIMIT ?", after ?? "", limit + 1
      ).map(Self.imageSummary)
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? rows[limit - 1].digest : nil)
    }
  }

  public func sbom(digest: String) throws -> SoftwareBOM? {
    let row = try read { db in
      try db.one(
        "SELECT sbom, sbom_size FROM image WHERE digest = ? AND sbom IS NOT NULL", digest)
    }
    guard let row, let blob = row.data("sbom"), let size = row.optionalInt("sbom_size") else {
      return nil
    }
    let json = try Compression.inflate(blob, expectedSize: size)
    do { return try JSONDecoder().decode(SoftwareBOM.self, from: json) } catch {
      throw StoreError(.corrupt, "stored SBOM of \(digest) does not decode: \(error)")
    }
  }

  public func indexedDigests() throws -> [String] {
    try read { db in
      try db.query("SELECT digest FROM image WHERE status = 'indexed' ORDER BY digest").map {
        try $0.string("digest")
      }
    }
  }

  // MARK: - Findings

  public func findings(_ query: FindingQuery, limit: Int, after: String?) throws -> Page<
    FindingRecord
  > {
    let now = Date().timeIntervalSince1970
    return try read { db in
      // Keyset paging on (digest, vulnerability_id), the order of the primary key and of
      // finding_state_key (state, digest, vulnerability_id): a page reads its rows and no more.
      let (afterDigest, afterID) = Self.findingCursor(after)
      var clauses: [String]
      var args: [SQLValue]
      if let digest = query.digest {
        if afterDigest > digest { return Page(items: [], next: nil) }
        clauses = ["f.digest = ?", "f.vulnerability_id > ?"]
        args = [.text(digest), .text(afterDigest == digest ? afterID : "")]
      } else {
        clauses = ["(f.digest, f.vulnerability_id) > (?, ?)"]
        args = [.text(afterDigest), .text(afterID)]
      }
      if let state = query.state {
        clauses.append("f.state = ?")
        args.append(.text(state))
      }
      if !query.severities.isEmpty {
        clauses.append(
          "f.severity IN (\(Array(repeating: "?", count: query.severities.count).joined(separator: ",")))"
        )
        args += query.severities.map { .text($0.rawValue) }
      }
      if let kev = query.kev {
        clauses.append("f.kev = ?")
        args.append(kev.sqlValue)
      }
      if let fixable = query.fixable {
        clauses.append("f.fixable = ?")
        args.append(fixable.sqlValue)
      }
      if let segment = query.segment {
        clauses.append("f.digest IN (SELECT digest FROM image WHERE segment = ?)")
        args.append(.text(segment))
      }
      if let team = query.team {
        clauses.append("f.digest IN (SELECT digest FROM image_usage WHERE team = ?)")
        args.append(.text(team))
      }
      if let state = query.sla {
        let atRisk = "f.sla_start + ? * (f.sla_due - f.sla_start)"
        switch state {
        case "breached":
          clauses.append("f.state = 'open' AND f.sla_due < ?")
          args.append(.double(now))
        case "at_risk":
          clauses.append("f.state = 'open' AND f.sla_due >= ? AND \(atRisk) <= ?")
          args += [.double(now), .double(sla.atRisk), .double(now)]
        default:
          clauses.append("f.state = 'open' AND f.sla_due >= ? AND \(atRisk) > ?")
          args += [.double(now), .double(sla.atRisk), .double(now)]
        }
      }
      args.append(.int(Int64(limit + 1)))
      let rows = try db.query(
        Self.findingColumns + " WHERE \(clauses.joined(separator: " AND ")) "
          + "ORDER BY f.digest, f.vulnerability_id LIMIT ?", args
      ).map { try finding($0, now: now) }
      let next =
        rows.count > limit ? "\(rows[limit - 1].digest)|\(rows[limit - 1].vulnerabilityID)" : nil
      return Page(items: Array(rows.prefix(limit)), next: next)
    }
  }

  /// A findings cursor, `DIGEST|VULNERABILITY`, split (no `|`: all of it is the digest).
  static func findingCursor(_ cursor: String?) -> (String, String) {
    guard let cursor else { return ("", "") }
    guard let bar = cursor.firstIndex(of: "|") else { return (cursor, "") }
    return (String(cursor[..<bar]), String(cursor[cursor.index(after: bar)...]))
  }

  static let findingColumns = """
    SELECT f.*, s.vulnerability_id AS s_vulnerability, s.digest AS s_digest, s.reason AS s_reason,
      s.author AS s_author, s.created_at AS s_created
    FROM finding f LEFT JOIN suppression s ON s.id = f.suppression_id
    """

  func finding(_ row: SQLRow, now: Double) throws -> FindingRecord {
    let state = try row.string("state")
    var record = FindingRecord(
      digest: try row.string("digest"), vulnerabilityID: try row.string("vulnerability_id"),
      state: state, severity: try row.string("severity"),
      kev: try row.bool("kev"), fixable: try row.bool("fixable"),
      fixedVersion: row.optionalString("fixed_version"),
      packages: (try? JSONDecoder().decode(
        [String].self, from: Data((row.optionalString("packages") ?? "[]").utf8))) ?? [],
      summary: row.optionalString("summary"), risk: try row.double("risk"),
      firstSeen: try row.string("first_seen"), fixedAt: row.optionalString("fixed_at"),
      kevDate: row.optionalString("kev_date"))
    if let start = row.optionalDouble("sla_start"), let due = row.optionalDouble("sla_due") {
      record.slaDue = Self.timestamp(epoch: due)
      if state == "open" { record.slaState = sla.state(start: start, due: due, now: now) }
    }
    if let id = row.optionalInt("suppression_id"), let reason = row.optionalString("s_reason") {
      record.suppression = Suppression(
        id: Int64(id), vulnerabilityID: row.optionalString("s_vulnerability") ?? "",
        digest: row.optionalString("s_digest"), reason: reason,
        author: row.optionalString("s_author") ?? "",
        createdAt: row.optionalString("s_created") ?? "")
    }
    return record
  }

  public func history(digest: String, limit: Int, after: Int64?) throws -> Page<HistoryEvent> {
    try read { db in
      let rows = try db.query(
        "SELECT * FROM finding_history WHERE digest = ? AND id > ? ORDER BY id LIMIT ?",
        digest, after ?? 0, limit + 1
      ).map { row in
        HistoryEvent(
          id: try row.int64("id"), digest: try row.string("digest"),
          vulnerabilityID: try row.string("vulnerability_id"), event: try row.string("event"),
          at: try row.string("at"), cause: try row.string("cause"))
      }
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? "\(rows[limit - 1].id)" : nil)
    }
  }

  public func openFindingCounts(now: Date) throws -> [FindingCount] {
    let epoch = now.timeIntervalSince1970
    return try read { db in
      try db.query(
        """
        SELECT severity, CASE
            WHEN sla_due IS NULL THEN 'none'
            WHEN sla_due < ? THEN 'breached'
            WHEN sla_start + ? * (sla_due - sla_start) <= ? THEN 'at_risk'
            ELSE 'ok' END AS sla_state,
          COUNT(*) AS n
        FROM finding WHERE state = 'open' GROUP BY severity, sla_state
        """, epoch, sla.atRisk, epoch
      ).map {
        FindingCount(
          severity: try $0.string("severity"), slaState: try $0.string("sla_state"),
          count: try $0.int("n"))
      }
    }
  }

  // MARK: - Re-matching

  public func allLookupKeys() throws -> [AdvisoryLookupKey] {
    try read { db in
      try db.query("SELECT DISTINCT ecosystem, name FROM package_key ORDER BY ecosystem, name")
        .map {
          AdvisoryLookupKey(ecosystem: try $0.string("ecosystem"), name: try $0.string("name"))
        }
    }
  }

  public func digests(holding keys: [AdvisoryLookupKey]) throws -> [String] {
    try read { db in
      var out: Set<String> = []
      for key in keys {
        for row in try db.query(
          """
          SELECT k.digest FROM package_key k JOIN image i ON i.digest = k.digest
          WHERE k.ecosystem = ? AND k.name = ? AND i.status = 'indexed'
          """, key.ecosystem, key.name)
        {
          out.insert(try row.string("digest"))
        }
      }
      return out.sorted()
    }
  }

  public func fingerprints() throws -> [AdvisoryLookupKey: String] {
    try read { db in
      var out: [AdvisoryLookupKey: String] = [:]
      for row in try db.query("SELECT * FROM advisory_fingerprint") {
        out[
          AdvisoryLookupKey(ecosystem: try row.string("ecosystem"), name: try row.string("name"))] =
          try row.string("fingerprint")
      }
      return out
    }
  }

  public func saveFingerprints(_ fingerprints: [AdvisoryLookupKey: String]) throws {
    try write { db in
      for (key, fp) in fingerprints.sorted(by: { $0.key < $1.key }) {
        try db.execute(
          """
          INSERT INTO advisory_fingerprint (ecosystem, name, fingerprint) VALUES (?, ?, ?)
          ON CONFLICT (ecosystem, name) DO UPDATE SET fingerprint = excluded.fingerprint
          """, key.ecosystem, key.name, fp)
      }
    }
  }

  public func meta(_ key: String) throws -> String? {
    try read { db in try db.one("SELECT value FROM meta WHERE key = ?", key)?.string("value") }
  }

  public func setMeta(_ key: String, _ value: String) throws {
    try write { db in
      try db.execute(
        """
        INSERT INTO meta (key, value) VALUES (?, ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value
        """, key, value)
    }
  }

  // MARK: - Tokens

  public func addToken(hash: String, role: Role, now: Date) throws {
    try write { db in
      try db.execute(
        "INSERT INTO api_token (hash, role, created_at) VALUES (?, ?, ?)",
        hash, role.rawValue, Self.timestamp(now))
    }
  }

  public func role(forTokenHash hash: String) throws -> Role? {
    try read { db in
      try db.one("SELECT role FROM api_token WHERE hash = ?", hash)?.optionalString("role")
        .flatMap(Role.init(rawValue:))
    }
  }
}

/// zlib compression of stored SBOM JSON (typically 8–15× smaller) through ByteFormats' one zlib
/// stack, bounded on the way back by the size recorded beside the blob.
enum Compression {
  static func deflate(_ data: Data) throws -> Data {
    guard let out = Zlib.compress(Array(data)) else {
      throw StoreError(.database, "zlib compress failed")
    }
    return Data(out)
  }

  static func inflate(_ data: Data, expectedSize: Int) throws -> Data {
    guard expectedSize >= 0, expectedSize <= 1 << 30 else {
      throw StoreError(.corrupt, "stored SBOM size \(expectedSize) out of range")
    }
    let out: [UInt8]
    do {
      out = try Inflater.inflate(Array(data), mode: .zlib, limit: Int64(max(expectedSize, 1)))
    } catch {
      throw StoreError(.corrupt, "stored SBOM does not inflate: \(error.message)")
    }
    guard out.count == expectedSize else {
      throw StoreError(.corrupt, "stored SBOM inflates to \(out.count) bytes, not \(expectedSize)")
    }
    return Data(out)
  }
}
