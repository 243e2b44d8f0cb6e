import ByteFormats
import Foundation
import GRDB
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

/// The server's SQLite database through GRDB: WAL (readers never wait for the writer), versioned
/// migrations, foreign keys, immutable history rows (triggers refuse UPDATE and DELETE).
public final class SQLiteServerStore: ServerStore {
  public let path: String
  let pool: DatabasePool

  public init(path: String) throws {
    self.path = path
    var config = Configuration()
    config.foreignKeysEnabled = true
    config.label = "tailguard-server"
    config.busyMode = .timeout(10)
    do {
      let dir = (path as NSString).deletingLastPathComponent
      if !dir.isEmpty {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      }
      pool = try DatabasePool(path: path, configuration: config)
      if try pool.read({ try Self.migrator.hasBeenSuperseded($0) }) {
        throw StoreError(.newerSchema, "\(path) was written by a newer tailguard")
      }
      try Self.migrator.migrate(pool)
    } catch let e as StoreError {
      throw e
    } catch {
      throw StoreError(.database, "cannot open \(path): \(error)")
    }
  }

  /// Identifiers of the migrations, in order: a database is at version N when the first N ran.
  public static var migrationIdentifiers: [String] { migrator.migrations }

  static let migrator: DatabaseMigrator = {
    var m = DatabaseMigrator()
    m.registerMigration("v1-server") { db in
      try db.execute(
        sql: """
          CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE image (
            digest TEXT PRIMARY KEY,
            reference TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            indexed_at TEXT,
            package_count INTEGER NOT NULL DEFAULT 0,
            sbom BLOB,
            sbom_size INTEGER,
            error TEXT
          );
          CREATE TABLE image_reference (
            reference TEXT PRIMARY KEY,
            digest TEXT NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
            seen_at TEXT NOT NULL
          );
          CREATE INDEX image_reference_digest ON image_reference (digest);
          CREATE TABLE package_key (
            ecosystem TEXT NOT NULL,
            name TEXT NOT NULL,
            digest TEXT NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
            PRIMARY KEY (ecosystem, name, digest)
          ) WITHOUT ROWID;
          CREATE INDEX package_key_digest ON package_key (digest);
          CREATE TABLE advisory_fingerprint (
            ecosystem TEXT NOT NULL,
            name TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            PRIMARY KEY (ecosystem, name)
          ) WITHOUT ROWID;
          CREATE TABLE finding (
            digest TEXT NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
            vulnerability_id TEXT NOT NULL,
            state TEXT NOT NULL,
            severity TEXT NOT NULL,
            severity_rank INTEGER NOT NULL,
            kev INTEGER NOT NULL,
            fixable INTEGER NOT NULL,
            fixed_version TEXT,
            packages TEXT NOT NULL,
            summary TEXT,
            risk REAL NOT NULL,
            first_seen TEXT NOT NULL,
            fixed_at TEXT,
            PRIMARY KEY (digest, vulnerability_id)
          );
          CREATE INDEX finding_state ON finding (state, severity_rank);
          CREATE TABLE finding_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            digest TEXT NOT NULL,
            vulnerability_id TEXT NOT NULL,
            event TEXT NOT NULL,
            at TEXT NOT NULL,
            cause TEXT NOT NULL
          );
          CREATE INDEX finding_history_digest ON finding_history (digest, id);
          CREATE TRIGGER finding_history_no_update BEFORE UPDATE ON finding_history
            BEGIN SELECT RAISE(ABORT, 'finding history is immutable'); END;
          CREATE TRIGGER finding_history_no_delete BEFORE DELETE ON finding_history
            BEGIN SELECT RAISE(ABORT, 'finding history is immutable'); END;
          CREATE TABLE job (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            digest TEXT NOT NULL,
            reference TEXT NOT NULL,
            priority INTEGER NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_until REAL,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
          CREATE UNIQUE INDEX job_one_per_digest ON job (digest) WHERE state IN ('queued', 'running');
          CREATE INDEX job_claim ON job (state, priority DESC, id);
          CREATE TABLE api_token (
            hash TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            created_at TEXT NOT NULL
          ) WITHOUT ROWID;
          """)
    }
    return m
  }()

  static func timestamp(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
  }

  func write<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.write(body) } catch let e as StoreError { throw e } catch {
      throw StoreError(.database, "\(error)")
    }
  }

  func read<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.read(body) } catch let e as StoreError { throw e } catch {
      throw StoreError(.database, "\(error)")
    }
  }

  // MARK: - Images and queue

  public func enqueue(digest: String, reference: String, priority: Int, now: Date) throws
    -> EnqueueOutcome
  {
    let ts = Self.timestamp(now)
    return try write { db in
      try db.execute(
        sql: """
          INSERT INTO image (digest, reference, status, created_at) VALUES (?, ?, 'queued', ?)
          ON CONFLICT (digest) DO NOTHING
          """, arguments: [digest, reference, ts])
      try db.execute(
        sql: """
          INSERT INTO image_reference (reference, digest, seen_at) VALUES (?, ?, ?)
          ON CONFLICT (reference) DO UPDATE SET digest = excluded.digest, seen_at = excluded.seen_at
          """, arguments: [reference, digest, ts])
      let status = try String.fetchOne(
        db, sql: "SELECT status FROM image WHERE digest = ?", arguments: [digest])
      if status == "indexed" { return .alreadyIndexed }
      if let id = try Int64.fetchOne(
        db, sql: "SELECT id FROM job WHERE digest = ? AND state IN ('queued', 'running')",
        arguments: [digest])
      {
        return .queued(jobID: id)
      }
      try db.execute(
        sql: """
          INSERT INTO job (kind, digest, reference, priority, state, created_at, updated_at)
          VALUES ('index', ?, ?, ?, 'queued', ?, ?)
          """, arguments: [digest, reference, priority, ts, ts])
      try db.execute(
        sql: "UPDATE image SET status = 'queued', error = NULL WHERE digest = ?",
        arguments: [digest])
      return .queued(jobID: db.lastInsertedRowID)
    }
  }

  public func claimJob(now: Date, lease: TimeInterval) throws -> JobRecord? {
    let epoch = now.timeIntervalSince1970
    return try write { db in
      guard
        let id = try Int64.fetchOne(
          db,
          sql: """
            SELECT id FROM job
            WHERE state = 'queued' OR (state = 'running' AND lease_until < ?)
            ORDER BY priority DESC, id LIMIT 1
            """, arguments: [epoch])
      else { return nil }
      try db.execute(
        sql: """
          UPDATE job SET state = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
          WHERE id = ?
          """, arguments: [epoch + lease, Self.timestamp(now), id])
      let job = try Self.fetchJobs(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).first
      if let job {
        try db.execute(
          sql: "UPDATE image SET status = 'indexing' WHERE digest = ? AND status != 'indexed'",
          arguments: [job.digest])
      }
      return job
    }
  }

  public func renewLease(jobID: Int64, until: Date) throws {
    try write { db in
      try db.execute(
        sql: "UPDATE job SET lease_until = ? WHERE id = ? AND state = 'running'",
        arguments: [until.timeIntervalSince1970, jobID])
    }
  }

  public func failJob(jobID: Int64, error: String, maxAttempts: Int, now: Date) throws {
    try write { db in
      let attempts =
        try Int.fetchOne(db, sql: "SELECT attempts FROM job WHERE id = ?", arguments: [jobID]) ?? 0
      let state = attempts >= maxAttempts ? "failed" : "queued"
      try db.execute(
        sql: """
          UPDATE job SET state = ?, last_error = ?, lease_until = NULL, updated_at = ? WHERE id = ?
          """, arguments: [state, error, Self.timestamp(now), jobID])
      try db.execute(
        sql: """
          UPDATE image SET status = ?, error = ?
          WHERE digest = (SELECT digest FROM job WHERE id = ?) AND status != 'indexed'
          """, arguments: [state == "failed" ? "failed" : "queued", error, jobID])
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
      try db.execute(
        sql: """
          UPDATE image SET status = 'indexed', indexed_at = ?, package_count = ?, sbom = ?,
            sbom_size = ?, error = NULL
          WHERE digest = ?
          """, arguments: [ts, sbom.packages.count, compressed, json.count, digest])
      try db.execute(sql: "DELETE FROM package_key WHERE digest = ?", arguments: [digest])
      for key in keys {
        try db.execute(
          sql: "INSERT INTO package_key (ecosystem, name, digest) VALUES (?, ?, ?)",
          arguments: [key.ecosystem, key.name, digest])
        // Only keys no image held yet: a stored fingerprint is what the other images holding
        // the key were matched against, and must stay so until the next advisory update.
        if let fp = fingerprints[key] {
          try db.execute(
            sql: """
              INSERT INTO advisory_fingerprint (ecosystem, name, fingerprint) VALUES (?, ?, ?)
              ON CONFLICT DO NOTHING
              """, arguments: [key.ecosystem, key.name, fp])
        }
      }
      try Self.apply(db, digest: digest, matched: matched, cause: "index", at: ts)
      try db.execute(
        sql: """
          UPDATE job SET state = 'done', lease_until = NULL, last_error = NULL, updated_at = ?
          WHERE id = ?
          """, arguments: [ts, jobID])
    }
  }

  public func jobs(state: String?, limit: Int, after: Int64?) throws -> Page<JobRecord> {
    try read { db in
      var sql = "SELECT * FROM job WHERE id > ?"
      var args: [(any DatabaseValueConvertible)?] = [after ?? 0]
      if let state {
        sql += " AND state = ?"
        args.append(state)
      }
      sql += " ORDER BY id LIMIT ?"
      args.append(limit + 1)
      let rows = try Self.fetchJobs(db, sql: sql, arguments: StatementArguments(args))
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? "\(rows[limit - 1].id)" : nil)
    }
  }

  public func queuedJobCount() throws -> Int {
    try read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE state IN ('queued', 'running')")
        ?? 0
    }
  }

  static func fetchJobs(_ db: Database, sql: String, arguments: StatementArguments) throws
    -> [JobRecord]
  {
    try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
      JobRecord(
        id: row["id"], kind: row["kind"], digest: row["digest"], reference: row["reference"],
        priority: row["priority"], state: row["state"], attempts: row["attempts"],
        leaseUntil: row["lease_until"], lastError: row["last_error"], createdAt: row["created_at"],
        updatedAt: row["updated_at"])
    }
  }

  static let imageColumns = """
    SELECT digest, reference, status, created_at, indexed_at, package_count, error,
      (SELECT COUNT(*) FROM finding f WHERE f.digest = image.digest AND f.state = 'open') AS open
    FROM image
    """

  static func imageSummary(_ row: Row) -> ImageSummary {
    ImageSummary(
      digest: row["digest"], reference: row["reference"], status: row["status"],
      createdAt: row["created_at"], indexedAt: row["indexed_at"], packages: row["package_count"],
      openFindings: row["open"], error: row["error"])
  }

  public func image(digest: String) throws -> ImageSummary? {
    try read { db in
      guard
        let row = try Row.fetchOne(
          db, sql: Self.imageColumns + " WHERE digest = ?", arguments: [digest])
      else { return nil }
      var summary = Self.imageSummary(row)
      summary.references = try String.fetchAll(
        db, sql: "SELECT reference FROM image_reference WHERE digest = ? ORDER BY reference",
        arguments: [digest])
      return summary
    }
  }

  public func images(limit: Int, after: String?) throws -> Page<ImageSummary> {
    try read { db in
      let rows = try Row.fetchAll(
        db, sql: Self.imageColumns + " WHERE digest > ? ORDER BY digest LIMIT ?",
        arguments: [after ?? "", limit + 1]
      ).map(Self.imageSummary)
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? rows[limit - 1].digest : nil)
    }
  }

  public func sbom(digest: String) throws -> SoftwareBOM? {
    let row = try read { db in
      try Row.fetchOne(
        db, sql: "SELECT sbom, sbom_size FROM image WHERE digest = ? AND sbom IS NOT NULL",
        arguments: [digest])
    }
    guard let row, let blob = row["sbom"] as Data?, let size = row["sbom_size"] as Int? else {
      return nil
    }
    let json = try Compression.inflate(blob, expectedSize: size)
    do { return try JSONDecoder().decode(SoftwareBOM.self, from: json) } catch {
      throw StoreError(.corrupt, "stored SBOM of \(digest) does not decode: \(error)")
    }
  }

  public func indexedDigests() throws -> [String] {
    try read { db in
      try String.fetchAll(
        db, sql: "SELECT digest FROM image WHERE status = 'indexed' ORDER BY digest")
    }
  }

  // MARK: - Findings

  public func applyFindings(
    digest: String, matched: [MatchedVulnerability], cause: String, now: Date
  ) throws -> Int {
    let ts = Self.timestamp(now)
    return try write { db in
      try Self.apply(db, digest: digest, matched: matched, cause: cause, at: ts)
    }
  }

  /// The finding lifecycle, inside the caller's transaction.
  @discardableResult
  static func apply(
    _ db: Database, digest: String, matched: [MatchedVulnerability], cause: String, at ts: String
  ) throws -> Int {
    var current: [String: String] = [:]
    for row in try Row.fetchAll(
      db, sql: "SELECT vulnerability_id, state FROM finding WHERE digest = ?", arguments: [digest])
    {
      current[row["vulnerability_id"]] = row["state"]
    }
    var events = 0
    func record(_ id: String, _ event: String) throws {
      try db.execute(
        sql: """
          INSERT INTO finding_history (digest, vulnerability_id, event, at, cause)
          VALUES (?, ?, ?, ?, ?)
          """, arguments: [digest, id, event, ts, cause])
      events += 1
    }
    let packagesJSON = { (p: [String]) in
      String(decoding: (try? JSONEncoder().encode(p)) ?? Data("[]".utf8), as: UTF8.self)
    }
    var seen: Set<String> = []
    for v in matched {
      seen.insert(v.vulnerabilityID)
      let args: StatementArguments = [
        v.severity.rawValue, v.severity.rank, v.kev, v.fixable, v.fixedVersion,
        packagesJSON(v.packages), v.summary, v.risk, digest, v.vulnerabilityID,
      ]
      switch current[v.vulnerabilityID] {
      case nil:
        try db.execute(
          sql: """
            INSERT INTO finding (severity, severity_rank, kev, fixable, fixed_version, packages,
              summary, risk, digest, vulnerability_id, state, first_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
            """, arguments: args + [ts])
        try record(v.vulnerabilityID, "first_seen")
      case "open":
        // Scores and fixed versions may move with the data; no lifecycle event.
        try db.execute(
          sql: """
            UPDATE finding SET severity = ?, severity_rank = ?, kev = ?, fixable = ?,
              fixed_version = ?, packages = ?, summary = ?, risk = ?
            WHERE digest = ? AND vulnerability_id = ?
            """, arguments: args)
      default:
        try db.execute(
          sql: """
            UPDATE finding SET severity = ?, severity_rank = ?, kev = ?, fixable = ?,
              fixed_version = ?, packages = ?, summary = ?, risk = ?, state = 'open', fixed_at = NULL
            WHERE digest = ? AND vulnerability_id = ?
            """, arguments: args)
        try record(v.vulnerabilityID, "reopened")
      }
    }
    for (id, state) in current.sorted(by: { $0.key < $1.key })
    where state == "open" && !seen.contains(id) {
      try db.execute(
        sql: """
          UPDATE finding SET state = 'fixed', fixed_at = ? WHERE digest = ? AND vulnerability_id = ?
          """, arguments: [ts, digest, id])
      try record(id, "fixed")
    }
    return events
  }

  public func findings(_ query: FindingQuery, limit: Int, after: String?) throws -> Page<
    FindingRecord
  > {
    try read { db in
      var clauses: [String] = ["(digest || '|' || vulnerability_id) > ?"]
      var args: [(any DatabaseValueConvertible)?] = [after ?? ""]
      if let state = query.state {
        clauses.append("state = ?")
        args.append(state)
      }
      if !query.severities.isEmpty {
        clauses.append(
          "severity IN (\(Array(repeating: "?", count: query.severities.count).joined(separator: ",")))"
        )
        args += query.severities.map(\.rawValue)
      }
      if let kev = query.kev {
        clauses.append("kev = ?")
        args.append(kev)
      }
      if let fixable = query.fixable {
        clauses.append("fixable = ?")
        args.append(fixable)
      }
      if let digest = query.digest {
        clauses.append("digest = ?")
        args.append(digest)
      }
      args.append(limit + 1)
      let rows = try Row.fetchAll(
        db,
        sql: "SELECT * FROM finding WHERE \(clauses.joined(separator: " AND ")) "
          + "ORDER BY digest, vulnerability_id LIMIT ?",
        arguments: StatementArguments(args)
      ).map { row in
        FindingRecord(
          digest: row["digest"], vulnerabilityID: row["vulnerability_id"], state: row["state"],
          severity: row["severity"], kev: row["kev"], fixable: row["fixable"],
          fixedVersion: row["fixed_version"],
          packages: (try? JSONDecoder().decode(
            [String].self, from: Data((row["packages"] as String? ?? "[]").utf8))) ?? [],
          summary: row["summary"], risk: row["risk"], firstSeen: row["first_seen"],
          fixedAt: row["fixed_at"])
      }
      let next =
        rows.count > limit ? "\(rows[limit - 1].digest)|\(rows[limit - 1].vulnerabilityID)" : nil
      return Page(items: Array(rows.prefix(limit)), next: next)
    }
  }

  public func history(digest: String, limit: Int, after: Int64?) throws -> Page<HistoryEvent> {
    try read { db in
      let rows = try Row.fetchAll(
        db,
        sql: "SELECT * FROM finding_history WHERE digest = ? AND id > ? ORDER BY id LIMIT ?",
        arguments: [digest, after ?? 0, limit + 1]
      ).map { row in
        HistoryEvent(
          id: row["id"], digest: row["digest"], vulnerabilityID: row["vulnerability_id"],
          event: row["event"], at: row["at"], cause: row["cause"])
      }
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? "\(rows[limit - 1].id)" : nil)
    }
  }

  public func openFindingCounts() throws -> [String: Int] {
    try read { db in
      var out: [String: Int] = [:]
      for row in try Row.fetchAll(
        db,
        sql: "SELECT severity, COUNT(*) AS n FROM finding WHERE state = 'open' GROUP BY severity")
      {
        out[row["severity"]] = row["n"]
      }
      return out
    }
  }

  // MARK: - Re-matching

  public func allLookupKeys() throws -> [AdvisoryLookupKey] {
    try read { db in
      try Row.fetchAll(
        db, sql: "SELECT DISTINCT ecosystem, name FROM package_key ORDER BY ecosystem, name"
      ).map { AdvisoryLookupKey(ecosystem: $0["ecosystem"], name: $0["name"]) }
    }
  }

  public func digests(holding keys: [AdvisoryLookupKey]) throws -> [String] {
    try read { db in
      var out: Set<String> = []
      for key in keys {
        out.formUnion(
          try String.fetchAll(
            db,
            sql: """
              SELECT k.digest FROM package_key k JOIN image i ON i.digest = k.digest
              WHERE k.ecosystem = ? AND k.name = ? AND i.status = 'indexed'
              """, arguments: [key.ecosystem, key.name]))
      }
      return out.sorted()
    }
  }

  public func fingerprints() throws -> [AdvisoryLookupKey: String] {
    try read { db in
      var out: [AdvisoryLookupKey: String] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT * FROM advisory_fingerprint") {
        out[AdvisoryLookupKey(ecosystem: row["ecosystem"], name: row["name"])] = row["fingerprint"]
      }
      return out
    }
  }

  public func saveFingerprints(_ fingerprints: [AdvisoryLookupKey: String]) throws {
    try write { db in
      for (key, fp) in fingerprints.sorted(by: { $0.key < $1.key }) {
        try db.execute(
          sql: """
            INSERT INTO advisory_fingerprint (ecosystem, name, fingerprint) VALUES (?, ?, ?)
            ON CONFLICT (ecosystem, name) DO UPDATE SET fingerprint = excluded.fingerprint
            """, arguments: [key.ecosystem, key.name, fp])
      }
    }
  }

  public func meta(_ key: String) throws -> String? {
    try read { db in
      try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }
  }

  public func setMeta(_ key: String, _ value: String) throws {
    try write { db in
      try db.execute(
        sql: """
          INSERT INTO meta (key, value) VALUES (?, ?)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value
          """, arguments: [key, value])
    }
  }

  // MARK: - Tokens

  public func addToken(hash: String, role: Role, now: Date) throws {
    try write { db in
      try db.execute(
        sql: "INSERT INTO api_token (hash, role, created_at) VALUES (?, ?, ?)",
        arguments: [hash, role.rawValue, Self.timestamp(now)])
    }
  }

  public func role(forTokenHash hash: String) throws -> Role? {
    try read { db in
      try String.fetchOne(db, sql: "SELECT role FROM api_token WHERE hash = ?", arguments: [hash])
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
