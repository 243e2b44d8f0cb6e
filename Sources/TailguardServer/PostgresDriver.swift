import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// PostgreSQL through PostgresNIO, for several server and worker processes on one database. The
/// store's interface is synchronous (as GRDB's is), so statements wait on PostgresNIO's futures,
/// which run on NIO's own event loop threads, never on the caller's; connections come from a small
/// pool of at most `maxConnections`.
public final class PostgresDriver: SQLDriver, @unchecked Sendable {
  public var dialect: SQLDialect { .postgres }
  public let location: String
  let configuration: PostgresConnection.Configuration
  let group: any EventLoopGroup
  let logger: Logger
  let maxConnections: Int
  private let condition = NSCondition()
  private var idle: [PostgresConnection] = []
  private var open = 0
  private var nextID = 0
  private var closed = false

  /// A `postgres://` or `postgresql://` URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`
  /// with optional `?sslmode=disable|prefer|require` (default prefer) or `?host=/socket/dir` for a
  /// Unix socket.
  public struct Location: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: String
    public var socketPath: String?

    public static func isURL(_ text: String) -> Bool {
      text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String) throws {
      guard Self.isURL(text), let url = URLComponents(string: text) else {
        throw StoreError(.database, "not a postgres:// URL")
      }
      guard let user = url.user, !user.isEmpty else {
        throw StoreError(.database, "postgres URL names no user (postgres://USER@HOST/DB)")
      }
      let database = String(url.path.drop(while: { $0 == "/" }))
      guard !database.isEmpty, !database.contains("/") else {
        throw StoreError(.database, "postgres URL names no database (postgres://USER@HOST/DB)")
      }
      var sslMode = "prefer"
      var socketDir: String?
      for item in url.queryItems ?? [] {
        switch item.name {
        case "sslmode":
          guard let v = item.value, ["disable", "prefer", "require"].contains(v) else {
            throw StoreError(.database, "sslmode must be disable, prefer or require")
          }
          sslMode = v
        case "host": socketDir = item.value
        default:
          throw StoreError(.database, "unknown postgres URL parameter '\(item.name)'")
        }
      }
      self.user = user
      self.password = url.password
      self.database = database
      self.sslMode = sslMode
      self.port = url.port ?? 5432
      guard (1...65535).contains(self.port) else {
        throw StoreError(.database, "postgres URL port out of range")
      }
      if let socketDir, socketDir.hasPrefix("/") {
        self.socketPath = socketDir + "/.s.PGSQL.\(self.port)"
        self.host = url.host ?? "localhost"
      } else {
        guard let host = url.host, !host.isEmpty else {
          throw StoreError(.database, "postgres URL names no host")
        }
        self.host = host
        self.socketPath = nil
      }
    }

    /// The URL with the password masked, for messages and logs.
    public var redacted: String {
      "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }
  }

  public init(url: String, maxConnections: Int = 8, logger: Logger? = nil) throws {
    let location = try Location(url: url)
    self.location = location.redacted
    self.maxConnections = max(1, maxConnections)
    self.logger = logger ?? Logger(label: "tailguard.postgres")
    self.group = MultiThreadedEventLoopGroup.singleton
    if let socket = location.socketPath {
      configuration = PostgresConnection.Configuration(
        unixSocketPath: socket, username: location.user, password: location.password,
        database: location.database)
    } else {
      let tls: PostgresConnection.Configuration.TLS
      switch location.sslMode {
      case "disable": tls = .disable
      default:
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: .makeClientConfiguration()) } catch {
          throw StoreError(.database, "TLS for PostgreSQL: \(error)")
        }
        tls = location.sslMode == "require" ? .require(context) : .prefer(context)
      }
      configuration = PostgresConnection.Configuration(
        host: location.host, port: location.port, username: location.user,
        password: location.password, database: location.database, tls: tls)
    }
    // Fail at start, with the reason, rather than at the first request.
    let connection = try checkout()
    checkin(connection, healthy: true)
  }

  // MARK: - Pool

  private func checkout() throws -> PostgresConnection {
    condition.lock()
    while true {
      if closed {
        condition.unlock()
        throw StoreError(.database, "\(location): the store is closed")
      }
      if let c = idle.popLast() {
        condition.unlock()
        if c.isClosed {
          condition.lock()
          open -= 1
          continue
        }
        return c
      }
      if open < maxConnections { break }
      condition.wait()
    }
    open += 1
    nextID += 1
    let id = nextID
    condition.unlock()
    do {
      return try PostgresConnection.connect(
        on: group.next(), configuration: configuration, id: id, logger: logger
      ).wait()
    } catch {
      condition.lock()
      open -= 1
      condition.signal()
      condition.unlock()
      throw StoreError(.database, "cannot connect to \(location): \(Self.describe(error))")
    }
  }

  private func checkin(_ connection: PostgresConnection, healthy: Bool) {
    condition.lock()
    if healthy && !closed && !connection.isClosed {
      idle.append(connection)
    } else {
      open -= 1
      let closing: EventLoopFuture<Void> = connection.close()
      closing.whenComplete { _ in }
    }
    condition.signal()
    condition.unlock()
  }

  /// PostgresNIO requires every connection closed before it is released.
  deinit { close() }

  public func close() {
    condition.lock()
    closed = true
    let all = idle
    idle = []
    open -= all.count
    condition.broadcast()
    condition.unlock()
    for c in all {
      let closing: EventLoopFuture<Void> = c.close()
      try? closing.wait()
    }
  }

  static func describe(_ error: any Error) -> String {
    if let e = error as? PSQLError {
      if let info = e.serverInfo {
        let state = info[.sqlState] ?? "?"
        return "\(info[.message] ?? "server error") (SQLSTATE \(state))"
      }
      return "\(e.code)"
    }
    return "\(error)"
  }

  static func sqlState(_ error: any Error) -> String? {
    (error as? PSQLError)?.serverInfo?[.sqlState]
  }

  // MARK: - Statements

  struct Executor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger

    /// `?` placeholders numbered `$1…`, outside quoted text.
    static func numbered(_ sql: String) -> String {
      var out = ""
      out.reserveCapacity(sql.utf8.count + 16)
      var n = 0
      var quoted = false
      for ch in sql {
        if ch == "'" { quoted.toggle() }
        if ch == "?" && !quoted {
          n += 1
          out += "$\(n)"
        } else {
          out.append(ch)
        }
      }
      return out
    }

    static func bindings(_ values: [SQLValue]) -> PostgresBindings {
      var b = PostgresBindings(capacity: values.count)
      for v in values {
        switch v {
        case .null: b.appendNull()
        case .int(let i): b.append(i)
        case .double(let d): b.append(d)
        case .text(let s): b.append(s)
        case .blob(let d): b.append(ByteBuffer(bytes: d))
        }
      }
      return b
    }

    /// The longest a statement may take before its connection is closed (which fails it): a
    /// server that vanishes mid-statement, or a connection left half-open, cannot hold a
    /// thread forever.
    static let statementDeadline: TimeAmount = .seconds(120)

    func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
      let connection = self.connection
      let deadline = connection.eventLoop.scheduleTask(in: Self.statementDeadline) {
        let closing: EventLoopFuture<Void> = connection.close()
        _ = closing
      }
      defer { deadline.cancel() }
      do {
        return try connection.query(
          PostgresQuery(unsafeSQL: Self.numbered(sql), binds: Self.bindings(arguments)),
          logger: logger
        ).wait()
      } catch {
        throw PostgresStatementError(error: error)
      }
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
      try run(sql, arguments).metadata.rows ?? 0
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
      let result = try run(sql, arguments)
      var names: [String: Int]?
      return try result.rows.map { row in
        var values: [SQLValue] = []
        for cell in row { values.append(try Self.value(cell)) }
        let shared = names ?? SQLRow.names(row.map(\.columnName))
        names = shared
        return SQLRow(names: shared, values: values)
      }
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
      guard cell.bytes != nil else { return .null }
      do {
        switch cell.dataType {
        case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .bool: return .int(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .blob(try cell.decode(Data.self))
        case .numeric: return .double(Double("\(try cell.decode(Decimal.self))") ?? .nan)
        default: return .text(try cell.decode(String.self))
        }
      } catch {
        throw StoreError(.corrupt, "column \(cell.columnName): \(error)")
      }
    }
  }

  /// A statement's failure, kept whole so a transaction can tell a lost race from a real error.
  struct PostgresStatementError: Error {
    let error: any Error
  }

  /// SQLSTATEs of a transaction that lost a race and may simply run again: unique violation,
  /// serialization failure, deadlock.
  static let retryable: Set<String> = ["23505", "40001", "40P01"]

  func failure(_ error: any Error) -> StoreError {
    if let e = error as? StoreError { return e }
    let inner = (error as? PostgresStatementError)?.error ?? error
    return StoreError(.database, "\(location): \(Self.describe(inner))")
  }

  public func write<T>(_ body: (any SQLExecutor) throws -> T) throws -> T {
    var attempt = 0
    while true {
      attempt += 1
      let connection = try checkout()
      let executor = Executor(connection: connection, logger: logger)
      do {
        _ = try executor.execute("BEGIN", [])
        let value = try body(executor)
        _ = try executor.execute("COMMIT", [])
        checkin(connection, healthy: true)
        return value
      } catch {
        let rolledBack = (try? executor.execute("ROLLBACK", [])) != nil
        checkin(connection, healthy: rolledBack)
        let inner = (error as? PostgresStatementError)?.error ?? error
        if attempt < 3, let state = Self.sqlState(inner), Self.retryable.contains(state) {
          continue
        }
        throw failure(error)
      }
    }
  }

  public func read<T>(_ body: (any SQLExecutor) throws -> T) throws -> T {
    let connection = try checkout()
    do {
      let value = try body(Executor(connection: connection, logger: logger))
      checkin(connection, healthy: true)
      return value
    } catch {
      checkin(connection, healthy: !connection.isClosed)
      throw failure(error)
    }
  }

  public func migrate(_ migrations: [SQLMigration]) throws {
    let connection = try checkout()
    defer { checkin(connection, healthy: !connection.isClosed) }
    func simple(_ sql: String) throws {
      do { _ = try connection.simpleQuery(sql).wait() } catch {
        throw StoreError(.database, "\(location): \(Self.describe(error))")
      }
    }
    let executor = Executor(connection: connection, logger: logger)
    // One migrating process at a time: the others wait on the advisory lock, then find the
    // steps done.
    try simple("BEGIN")
    do {
      try simple("SELECT pg_advisory_xact_lock(7418245)")
      try simple(
        "CREATE TABLE IF NOT EXISTS tailguard_migrations (identifier TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
      )
      let applied = try executor.query(
        "SELECT identifier FROM tailguard_migrations ORDER BY identifier", []
      ).map { try $0.string("identifier") }
      let known = Set(migrations.map(\.id))
      if let unknown = applied.first(where: { !known.contains($0) }) {
        throw StoreError(
          .newerSchema,
          "\(location) was written by a newer tailguard (migration \(unknown))")
      }
      for m in migrations where !applied.contains(m.id) {
        for statement in Self.statements(m.postgres) { try simple(statement) }
        try executor.execute(
          "INSERT INTO tailguard_migrations (identifier, applied_at) VALUES (?, ?)",
          [.text(m.id), .text(ISO8601DateFormatter().string(from: Date()))])
      }
      try simple("COMMIT")
    } catch {
      try? simple("ROLLBACK")
      throw failure(error)
    }
  }

  public func appliedMigrations() throws -> [String] {
    try read { db in
      try db.query("SELECT identifier FROM tailguard_migrations", []).map {
        try $0.string("identifier")
      }
    }.sorted { a, b in
      // Applied in list order; identifiers are `vN-…`, compare by N.
      Self.ordinal(a) < Self.ordinal(b)
    }
  }

  /// A script's statements: split at `;` outside quotes and `$$` bodies (the extended protocol
  /// PostgresNIO speaks takes one statement at a time).
  static func statements(_ script: String) -> [String] {
    var out: [String] = []
    var current = ""
    var quoted = false
    var dollar = false
    var previous: Character = " "
    for ch in script {
      if ch == "'" && !dollar { quoted.toggle() }
      if ch == "$" && previous == "$" && !quoted { dollar.toggle() }
      if ch == ";" && !quoted && !dollar {
        let s = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !s.isEmpty { out.append(s) }
        current = ""
      } else {
        current.append(ch)
      }
      previous = ch
    }
    let s = current.trimmingCharacters(in: .whitespacesAndNewlines)
    if !s.isEmpty { out.append(s) }
    return out
  }

  static func ordinal(_ id: String) -> Int {
    Int(id.dropFirst().prefix(while: \.isNumber)) ?? Int.max
  }
}
