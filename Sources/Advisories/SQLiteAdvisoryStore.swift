import ByteFormats
import Foundation
import GRDB
import TailguardModel

/// The production advisory store: one SQLite file (GRDB), schema-versioned by migrations,
/// indexed on (ecosystem, package name key). A user can copy it, back it up, or carry it into an
/// air-gapped network. Records keep their raw OSV JSON (zlib-compressed) so a server can re-match
/// stored reports later.
public final class SQLiteAdvisoryStore: AdvisoryWritableStore, Sendable {
  public let path: String
  let queue: DatabaseQueue
  /// Extra read-only connections, so that lookups from parallel matching workers run at once
  /// (one connection serialises them). Only a read-only store has them.
  private let readers: ReaderPool?

  /// Schema version this build writes: the number of registered migrations.
  public static var currentSchemaVersion: Int { migrator.migrations.count }

  /// Opens (creating when `readOnly` is false) the database at `path` and migrates it.
  public init(path: String, readOnly: Bool = false) throws(AdvisoryError) {
    self.path = path
    var config = Configuration()
    config.readonly = readOnly
    readers = readOnly ? ReaderPool(path: path, label: "tailguard-advisories-reader") : nil
    config.foreignKeysEnabled = true
    config.label = "tailguard-advisories"
    do {
      if !readOnly {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
          try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
      } else if !FileManager.default.fileExists(atPath: path) {
        throw AdvisoryError(
          .database,
          "no advisory database here; run `tailguard db import` or `tailguard db update`",
          path: path)
      }
      queue = try DatabaseQueue(path: path, configuration: config)
      let newer = try queue.read { db in try Self.migrator.hasBeenSuperseded(db) }
      if newer {
        throw AdvisoryError(
          .unsupportedSchema, "database was written by a newer tailguard (unknown migrations)",
          path: path)
      }
      if !readOnly {
        try Self.migrator.migrate(queue)
        try queue.writeWithoutTransaction { db in
          try db.execute(sql: "PRAGMA journal_mode = DELETE")
        }
      } else {
        let applied = try queue.read { db in try Self.migrator.appliedIdentifiers(db) }
        guard applied.count == Self.migrator.migrations.count else {
          throw AdvisoryError(
            .unsupportedSchema,
            "database schema is older than this tailguard; run any `tailguard db` write command to migrate it",
            path: path)
        }
      }
    } catch let e as AdvisoryError {
      throw e
    } catch {
      throw AdvisoryError(.database, "cannot open: \(error)", path: path)
    }
  }

  static let migrator: DatabaseMigrator = {
    var m = DatabaseMigrator()
    m.registerMigration("v1-advisories") { db in
      try db.execute(
        sql: """
          CREATE TABLE advisory (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL,
            source TEXT NOT NULL,
            aliases TEXT NOT NULL,
            related TEXT NOT NULL,
            summary TEXT,
            details TEXT,
            published TEXT,
            modified TEXT,
            withdrawn TEXT,
            severities TEXT NOT NULL,
            vendor_severity TEXT,
            refs TEXT NOT NULL,
            raw_json BLOB NOT NULL,
            UNIQUE (id, source)
          );
          CREATE TABLE affected (
            advisory INTEGER NOT NULL REFERENCES advisory(rowid) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            ecosystem TEXT NOT NULL,
            name_key TEXT NOT NULL,
            name TEXT NOT NULL,
            purl TEXT,
            ranges TEXT NOT NULL,
            versions TEXT NOT NULL,
            ecosystem_specific TEXT,
            database_specific TEXT,
            severities TEXT NOT NULL
          );
          CREATE INDEX affected_lookup ON affected (ecosystem, name_key);
          CREATE INDEX affected_advisory ON affected (advisory);
          CREATE TABLE alias (
            alias TEXT NOT NULL,
            advisory INTEGER NOT NULL REFERENCES advisory(rowid) ON DELETE CASCADE
          );
          CREATE INDEX alias_lookup ON alias (alias);
          CREATE INDEX alias_advisory ON alias (advisory);
          CREATE TABLE kev (
            cve_id TEXT PRIMARY KEY,
            vendor_project TEXT, product TEXT, vulnerability_name TEXT,
            date_added TEXT NOT NULL, due_date TEXT, ransomware INTEGER NOT NULL, required_action TEXT
          );
          CREATE TABLE epss (
            cve_id TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL,
            model_version TEXT, score_date TEXT
          );
          CREATE TABLE source (
            name TEXT PRIMARY KEY, kind TEXT NOT NULL, location TEXT NOT NULL, records INTEGER NOT NULL,
            imported_at TEXT NOT NULL, data_date TEXT, etag TEXT, last_modified TEXT
          );
          """)
    }
    return m
  }()

  // MARK: - Reading

  public func advisories(ecosystem: String, name: String) throws(AdvisoryError) -> [Advisory] {
    try advisories(ecosystem: ecosystem, names: [name])[name] ?? []
  }

  /// Names per `IN (…)` query: far below SQLite's bound-parameter limit.
  static let lookupChunk = 500

  public func advisories(ecosystem: String, names: [String]) throws(AdvisoryError)
    -> [String: [Advisory]]
  {
    var namesByKey: [String: [String]] = [:]
    for name in Set(names) {
      namesByKey[PackageNameKey.normalize(ecosystem: ecosystem, name: name), default: []].append(
        name)
    }
    let keys = namesByKey.keys.sorted()
    var byKey: [String: [Advisory]] = [:]
    do {
      try read { db in
        for start in stride(from: 0, to: keys.count, by: Self.lookupChunk) {
          let chunk = Array(keys[start..<min(start + Self.lookupChunk, keys.count)])
          let marks = repeatElement("?", count: chunk.count).joined(separator: ",")
          let rows = try Row.fetchCursor(
            db,
            sql: """
              SELECT a.rowid, a.id, a.source, a.aliases, a.related, a.summary, a.published, a.modified,
                     a.withdrawn, a.severities, a.vendor_severity,
                     f.ecosystem, f.name, f.purl, f.ranges, f.versions, f.ecosystem_specific,
                     f.database_specific, f.severities, substr(a.details, 1, 400), f.name_key
              FROM affected f JOIN advisory a ON a.rowid = f.advisory
              WHERE f.ecosystem = ? AND f.name_key IN (\(marks))
              ORDER BY f.name_key, a.id, a.source, f.ordinal
              """, arguments: StatementArguments([ecosystem] + chunk))
          var lastRow: Int64 = -1
          var lastKey = ""
          var current: [Advisory] = []
          func flush() {
            if !current.isEmpty { byKey[lastKey] = current }
            current = []
          }
          while let row = try rows.next() {
            let pkg = AffectedPackage(
              ecosystem: row[11], name: row[12], purl: row[13],
              ranges: CompactCodec.decodeRanges(row[14]),
              versions: CompactCodec.decodeList(row[15]), ecosystemSpecific: row[16],
              databaseSpecific: row[17],
              severities: CompactCodec.decodeSeverities(row[18]))
            let key: String = row[20]
            let rowid: Int64 = row[0]
            if key != lastKey {
              flush()
              lastKey = key
              lastRow = -1
            }
            if rowid == lastRow, !current.isEmpty {
              current[current.count - 1].affected.append(pkg)
              continue
            }
            lastRow = rowid
            current.append(
              Advisory(
                id: row[1], aliases: CompactCodec.decodeList(row[3]),
                related: CompactCodec.decodeList(row[4]),
                summary: row[5], details: row[19], published: row[6], modified: row[7],
                withdrawn: row[8], source: row[2],
                severities: CompactCodec.decodeSeverities(row[9]), vendorSeverity: row[10],
                affected: [pkg]))
          }
          flush()
        }
      }
    } catch {
      throw AdvisoryError(.database, "query failed: \(error)", path: path)
    }
    var out: [String: [Advisory]] = [:]
    for (key, advisories) in byKey {
      for name in namesByKey[key] ?? [] { out[name] = advisories }
    }
    return out
  }

  public func kevEntries(for ids: [String]) throws(AdvisoryError) -> [KEVEntry] {
    try rowsByCVE(table: "kev", ids: ids, what: "KEV") { r in
      KEVEntry(
        cveID: r["cve_id"], vendorProject: r["vendor_project"], product: r["product"],
        vulnerabilityName: r["vulnerability_name"], dateAdded: r["date_added"],
        dueDate: r["due_date"],
        knownRansomwareCampaignUse: (r["ransomware"] as Int) != 0,
        requiredAction: r["required_action"])
    }
  }

  public func epssScores(for ids: [String]) throws(AdvisoryError) -> [EPSSScore] {
    try rowsByCVE(table: "epss", ids: ids, what: "EPSS") { r in
      EPSSScore(
        cveID: r["cve_id"], score: r["score"], percentile: r["percentile"],
        modelVersion: r["model_version"], scoreDate: r["score_date"])
    }
  }

  /// One row per CVE id of `ids` found in a table keyed by `cve_id` (KEV, EPSS), decoded.
  private func rowsByCVE<T>(
    table: String, ids: [String], what: String, decode: (Row) -> T
  ) throws(AdvisoryError) -> [T] {
    let cves = Array(Set(ids.filter { $0.hasPrefix("CVE-") })).sorted()
    guard !cves.isEmpty else { return [] }
    do {
      return try queue.read { db in
        var out: [T] = []
        for start in stride(from: 0, to: cves.count, by: Self.lookupChunk) {
          let chunk = Array(cves[start..<min(start + Self.lookupChunk, cves.count)])
          let marks = repeatElement("?", count: chunk.count).joined(separator: ",")
          out += try Row.fetchAll(
            db, sql: "SELECT * FROM \(table) WHERE cve_id IN (\(marks)) ORDER BY cve_id",
            arguments: StatementArguments(chunk)
          ).map(decode)
        }
        return out
      }
    } catch {
      throw AdvisoryError(.database, "\(what) query failed: \(error)", path: path)
    }
  }

  /// The stored OSV JSON of every record with this id or alias (for re-matching and `--explain`).
  public func rawJSON(forID id: String) throws(AdvisoryError) -> [String] {
    do {
      let blobs: [Data] = try queue.read { db in
        try Data.fetchAll(
          db,
          sql: """
            SELECT raw_json FROM advisory WHERE id = ?
            UNION ALL SELECT a.raw_json FROM alias l JOIN advisory a ON a.rowid = l.advisory WHERE l.alias = ?
            """, arguments: [id, id])
      }
      return try blobs.map { blob throws(AdvisoryError) in
        do throws(ByteFormatError) {
          return String(
            decoding: try Inflater.inflate([UInt8](blob), mode: .auto, limit: 64 << 20),
            as: UTF8.self)
        } catch { throw AdvisoryError(error, path: "database") }
      }
    } catch let e as AdvisoryError {
      throw e
    } catch {
      throw AdvisoryError(.database, "query failed: \(error)", path: path)
    }
  }

  public func source(named name: String) throws(AdvisoryError) -> SourceInfo? {
    try sources().first { $0.name == name }
  }

  public func sources() throws(AdvisoryError) -> [SourceInfo] {
    do {
      return try queue.read { db in
        try Row.fetchAll(db, sql: "SELECT * FROM source ORDER BY name").map { r in
          SourceInfo(
            name: r["name"], kind: r["kind"], location: r["location"], records: r["records"],
            importedAt: r["imported_at"], dataDate: r["data_date"], etag: r["etag"],
            lastModified: r["last_modified"])
        }
      }
    } catch {
      throw AdvisoryError(.database, "query failed: \(error)", path: path)
    }
  }

  public func status() throws(AdvisoryError) -> DatabaseStatus {
    do {
      let srcs = try sources()
      return try queue.read { db in
        let count = { (sql: String) throws -> Int in try Int.fetchOne(db, sql: sql) ?? 0 }
        let ecos = try Row.fetchAll(
          db,
          sql: "SELECT ecosystem, COUNT(*) AS n FROM affected GROUP BY ecosystem ORDER BY ecosystem"
        )
        .map { DatabaseStatus.EcosystemCount(ecosystem: $0["ecosystem"], affectedEntries: $0["n"]) }
        let applied = try Self.migrator.appliedIdentifiers(db).count
        let size =
          (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
          ?? 0
        return DatabaseStatus(
          path: path, schemaVersion: applied, sizeBytes: size,
          advisories: try count("SELECT COUNT(*) FROM advisory"),
          withdrawn: try count("SELECT COUNT(*) FROM advisory WHERE withdrawn IS NOT NULL"),
          affectedEntries: try count("SELECT COUNT(*) FROM affected"),
          kevEntries: try count("SELECT COUNT(*) FROM kev"),
          epssScores: try count("SELECT COUNT(*) FROM epss"), ecosystems: ecos, sources: srcs,
          lastImport: srcs.map(\.importedAt).max())
      }
    } catch let e as AdvisoryError {
      throw e
    } catch {
      throw AdvisoryError(.database, "status query failed: \(error)", path: path)
    }
  }

  // MARK: - Writing

  /// Writes a batch in one transaction: either all of it lands or none.
  public func write(_ batch: ImportBatch) throws(AdvisoryError) {
    do {
      try queue.write { db in
        if batch.replaceSources {
          for s in batch.sources where s.kind == "osv" || s.kind == "alpine-secdb" {
            try db.execute(sql: "DELETE FROM advisory WHERE source = ?", arguments: [s.name])
          }
          if batch.sources.contains(where: { $0.kind == "kev" }) {
            try db.execute(sql: "DELETE FROM kev")
          }
          if batch.sources.contains(where: { $0.kind == "epss" }) {
            try db.execute(sql: "DELETE FROM epss")
          }
        }
        let deleteOld = try db.makeStatement(
          sql: "DELETE FROM advisory WHERE id = ? AND source = ?")
        let insertAdvisory = try db.makeStatement(
          sql: """
            INSERT INTO advisory (id, source, aliases, related, summary, details, published, modified, withdrawn,
              severities, vendor_severity, refs, raw_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        let insertAffected = try db.makeStatement(
          sql: """
            INSERT INTO affected (advisory, ordinal, ecosystem, name_key, name, purl, ranges, versions,
              ecosystem_specific, database_specific, severities) VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """)
        let insertAlias = try db.makeStatement(
          sql: "INSERT INTO alias (alias, advisory) VALUES (?, ?)")
        for record in batch.records {
          let a = record.advisory
          try deleteOld.execute(arguments: [a.id, a.source])
          let raw = Zlib.compress(Array(record.rawJSON.utf8)) ?? []
          try insertAdvisory.execute(arguments: [
            a.id, a.source, CompactCodec.encodeList(a.aliases), CompactCodec.encodeList(a.related),
            a.summary,
            a.details, a.published, a.modified, a.withdrawn,
            CompactCodec.encodeSeverities(a.severities),
            a.vendorSeverity, CompactCodec.encodeList(a.references), Data(raw),
          ])
          let rowid = db.lastInsertedRowID
          for (i, p) in a.affected.enumerated() {
            try insertAffected.execute(arguments: [
              rowid, i, p.ecosystem, PackageNameKey.normalize(ecosystem: p.ecosystem, name: p.name),
              p.name, p.purl,
              CompactCodec.encodeRanges(p.ranges), CompactCodec.encodeList(p.versions),
              p.ecosystemSpecific,
              p.databaseSpecific, CompactCodec.encodeSeverities(p.severities),
            ])
          }
          for alias in Set(a.aliases) { try insertAlias.execute(arguments: [alias, rowid]) }
        }
        let insertKEV = try db.makeStatement(
          sql: "INSERT OR REPLACE INTO kev VALUES (?,?,?,?,?,?,?,?)")
        for e in batch.kev {
          try insertKEV.execute(arguments: [
            e.cveID, e.vendorProject, e.product, e.vulnerabilityName, e.dateAdded, e.dueDate,
            e.knownRansomwareCampaignUse ? 1 : 0, e.requiredAction,
          ])
        }
        let insertEPSS = try db.makeStatement(sql: "INSERT OR REPLACE INTO epss VALUES (?,?,?,?,?)")
        for e in batch.epss {
          try insertEPSS.execute(arguments: [
            e.cveID, e.score, e.percentile, e.modelVersion, e.scoreDate,
          ])
        }
        let insertSource = try db.makeStatement(
          sql: "INSERT OR REPLACE INTO source VALUES (?,?,?,?,?,?,?,?)")
        for s in batch.sources {
          try insertSource.execute(arguments: [
            s.name, s.kind, s.location, s.records, s.importedAt, s.dataDate, s.etag, s.lastModified,
          ])
        }
      }
    } catch {
      throw AdvisoryError(.database, "write failed (nothing was written): \(error)", path: path)
    }
  }

  /// Checks the file with SQLite's own integrity check (used before an update swaps it in).
  public func integrityCheck() throws(AdvisoryError) {
    do {
      let result = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
      guard result == "ok" else {
        throw AdvisoryError(
          .database, "integrity check failed: \(result ?? "no answer")", path: path)
      }
    } catch let e as AdvisoryError {
      throw e
    } catch {
      throw AdvisoryError(.database, "integrity check failed: \(error)", path: path)
    }
  }

  /// Copies the whole database into a new file (SQLite online backup).
  public func backup(to destination: String) throws(AdvisoryError) {
    do {
      let target = try DatabaseQueue(path: destination)
      try queue.backup(to: target)
      try target.close()
    } catch {
      throw AdvisoryError(.database, "backup failed: \(error)", path: destination)
    }
  }

  /// Closes the connections (required before the file is renamed over).
  public func close() {
    readers?.close()
    try? queue.close()
  }

  /// Runs a read on a connection of its own when the store has readers, else on the main one.
  private func read<T>(_ body: (Database) throws -> T) throws -> T {
    guard let readers else { return try queue.read(body) }
    return try readers.read(body)
  }
}

/// Read-only connections to one database file, opened as concurrent readers need them and
/// reused; a reader that cannot be opened falls back to an error like any failed query.
final class ReaderPool: @unchecked Sendable {
  let path: String
  let label: String
  private let lock = NSLock()
  private var idle: [DatabaseQueue] = []
  private var all: [DatabaseQueue] = []

  init(path: String, label: String) {
    self.path = path
    self.label = label
  }

  func read<T>(_ body: (Database) throws -> T) throws -> T {
    let reader = try take()
    defer {
      lock.lock()
      idle.append(reader)
      lock.unlock()
    }
    return try reader.read(body)
  }

  private func take() throws -> DatabaseQueue {
    lock.lock()
    if let reader = idle.popLast() {
      lock.unlock()
      return reader
    }
    lock.unlock()
    var config = Configuration()
    config.readonly = true
    config.label = label
    let reader = try DatabaseQueue(path: path, configuration: config)
    lock.lock()
    all.append(reader)
    lock.unlock()
    return reader
  }

  func close() {
    lock.lock()
    defer { lock.unlock() }
    for reader in all { try? reader.close() }
    all = []
    idle = []
  }
}
