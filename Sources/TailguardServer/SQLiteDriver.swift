import Foundation
import GRDB

/// SQLite through GRDB: one file, WAL (readers never wait for the writer), foreign keys on, a busy
/// timeout for the rare second process (`serve token create` beside a running server).
public final class SQLiteDriver: SQLDriver {
  public let path: String
  public var dialect: SQLDialect { .sqlite }
  public var location: String { path }
  let pool: DatabasePool

  public init(path: String) throws {
    self.path = path
    var config = Configuration()
    config.foreignKeysEnabled = true
    config.label = "tailguard-server"
    config.busyMode = .timeout(10)
    // The writer keeps up to 64 MiB of pages (SQLite's default is 2 MiB): a re-match inserts
    // hundreds of thousands of findings and history rows, each touching several indexes of a
    // database of a gigabyte. Readers keep the default (there are several of them).
    config.prepareDatabase { db in
      if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -65536") }
    }
    do {
      let dir = (path as NSString).deletingLastPathComponent
      if !dir.isEmpty {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      }
      pool = try DatabasePool(path: path, configuration: config)
    } catch {
      throw StoreError(.database, "cannot open \(path): \(error)")
    }
  }

  struct Executor: SQLExecutor {
    let db: Database

    static func arguments(_ values: [SQLValue]) -> StatementArguments {
      StatementArguments(
        values.map { v -> DatabaseValue in
          switch v {
          case .null: return .null
          case .int(let i): return i.databaseValue
          case .double(let d): return d.databaseValue
          case .text(let s): return s.databaseValue
          case .blob(let b): return b.databaseValue
          }
        })
    }

    /// A single statement is prepared once per connection and reused (GRDB's statement cache):
    /// a re-match runs the same few statements hundreds of thousands of times. Scripts of
    /// several statements (migrations) are compiled each time.
    func statement(_ sql: String) throws -> Statement? {
      var body = Substring(sql)
      while let last = body.last, last.isWhitespace || last == ";" { body = body.dropLast() }
      guard !body.contains(";") else { return nil }
      return try db.cachedStatement(sql: sql)
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
      if let statement = try statement(sql) {
        try statement.execute(arguments: Self.arguments(arguments))
      } else {
        try db.execute(sql: sql, arguments: Self.arguments(arguments))
      }
      return db.changesCount
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
      let cursor: RowCursor
      if let statement = try statement(sql) {
        cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
      } else {
        cursor = try Row.fetchCursor(db, sql: sql, arguments: Self.arguments(arguments))
      }
      var rows: [SQLRow] = []
      var names: [String: Int]?
      // Each row is converted as it is stepped: the cursor's row is reused.
      while let row = try cursor.next() {
        let shared = names ?? SQLRow.names(Array(row.columnNames))
        names = shared
        rows.append(
          SQLRow(
            names: shared,
            values: row.databaseValues.map { v in
              switch v.storage {
              case .null: return .null
              case .int64(let i): return .int(i)
              case .double(let d): return .double(d)
              case .string(let s): return .text(s)
              case .blob(let b): return .blob(b)
              }
            }))
      }
      return rows
    }
  }

  func wrap<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as StoreError { throw e } catch {
      throw StoreError(.database, "\(error)")
    }
  }

  public func write<T>(_ body: (any SQLExecutor) throws -> T) throws -> T {
    try wrap { try pool.write { db in try body(Executor(db: db)) } }
  }

  public func read<T>(_ body: (any SQLExecutor) throws -> T) throws -> T {
    try wrap { try pool.read { db in try body(Executor(db: db)) } }
  }

  public func migrate(_ migrations: [SQLMigration]) throws {
    var migrator = DatabaseMigrator()
    for m in migrations {
      migrator.registerMigration(m.id) { db in try db.execute(sql: m.sqlite) }
    }
    try wrap {
      if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
        throw StoreError(.newerSchema, "\(path) was written by a newer tailguard")
      }
      try migrator.migrate(pool)
    }
  }

  public func appliedMigrations() throws -> [String] {
    try wrap {
      try pool.read { db in
        try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
      }
    }
  }

  public func close() { try? pool.close() }
}
