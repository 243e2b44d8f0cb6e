import Foundation

/// A value bound to or read from SQL: the common ground of SQLite and PostgreSQL. Booleans are
/// integers 0/1 on both, so one statement text serves both databases.
public enum SQLValue: Sendable, Hashable {
  case null
  case int(Int64)
  case double(Double)
  case text(String)
  case blob(Data)
}

/// What may be bound as a statement argument.
public protocol SQLBindable {
  var sqlValue: SQLValue { get }
}
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .int(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .double(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .int(self ? 1 : 0) } }
extension Data: SQLBindable { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
  public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One result row, read by column name. A value of the wrong type is a corrupt database, reported
/// as such (never a crash).
public struct SQLRow: Sendable {
  let names: [String: Int]
  let values: [SQLValue]

  init(columns: [String], values: [SQLValue]) {
    self.init(names: Self.names(columns), values: values)
  }

  /// NAMES from `names(_:)`, built once per result and shared by its rows.
  init(names: [String: Int], values: [SQLValue]) {
    self.names = names
    self.values = values
  }

  /// Column positions by name (the first of equal names).
  static func names(_ columns: [String]) -> [String: Int] {
    var names: [String: Int] = [:]
    for (i, c) in columns.enumerated() where names[c] == nil { names[c] = i }
    return names
  }

  public subscript(_ column: String) -> SQLValue {
    names[column].map { values[$0] } ?? .null
  }

  func mismatch(_ column: String, _ type: String) -> StoreError {
    StoreError(.corrupt, "column \(column) holds \(self[column]), not \(type)")
  }

  public func string(_ column: String) throws -> String {
    guard let v = optionalString(column) else { throw mismatch(column, "text") }
    return v
  }
  public func optionalString(_ column: String) -> String? {
    if case .text(let s) = self[column] { return s }
    return nil
  }
  public func int(_ column: String) throws -> Int {
    guard let v = optionalInt(column) else { throw mismatch(column, "an integer") }
    return v
  }
  public func optionalInt(_ column: String) -> Int? {
    switch self[column] {
    case .int(let i): return Int(i)
    case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
    case .text(let s): return Int(s)
    default: return nil
    }
  }
  public func int64(_ column: String) throws -> Int64 { Int64(try int(column)) }
  public func double(_ column: String) throws -> Double {
    guard let v = optionalDouble(column) else { throw mismatch(column, "a number") }
    return v
  }
  public func optionalDouble(_ column: String) -> Double? {
    switch self[column] {
    case .double(let d): return d
    case .int(let i): return Double(i)
    case .text(let s): return Double(s)
    default: return nil
    }
  }
  public func bool(_ column: String) throws -> Bool { try int(column) != 0 }
  public func data(_ column: String) -> Data? {
    if case .blob(let d) = self[column] { return d }
    return nil
  }
}

/// Statements inside one connection (and, for writes, one transaction). Statement text uses `?`
/// placeholders on both databases; the PostgreSQL driver numbers them.
public protocol SQLExecutor {
  /// Runs a statement; returns the number of rows it changed.
  @discardableResult
  func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int
  func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
}

extension SQLExecutor {
  @discardableResult
  public func execute(_ sql: String, _ arguments: any SQLBindable...) throws -> Int {
    try execute(sql, arguments.map(\.sqlValue))
  }
  public func query(_ sql: String, _ arguments: any SQLBindable...) throws -> [SQLRow] {
    try query(sql, arguments.map(\.sqlValue))
  }
  public func one(_ sql: String, _ arguments: any SQLBindable...) throws -> SQLRow? {
    try query(sql, arguments.map(\.sqlValue)).first
  }
}

/// The two databases the server runs on.
public enum SQLDialect: String, Sendable {
  case sqlite, postgres
}

/// One schema step, written once per dialect. Identifiers never change once released: a database
/// is at version N when the first N ran, and every later step runs on open.
public struct SQLMigration: Sendable {
  public var id: String
  public var sqlite: String
  public var postgres: String
}

/// A database the store runs on: transactions for writes, plain connections for reads, and the
/// migrations. Errors leave as `StoreError`.
public protocol SQLDriver: Sendable {
  var dialect: SQLDialect { get }
  /// Where the data lives, for messages (a path, or a URL without its password).
  var location: String { get }
  /// Runs BODY in one transaction: all of it commits or none. A transaction that lost a race
  /// (a unique key taken by a concurrent writer, a deadlock) is run again, up to three times.
  func write<T>(_ body: (any SQLExecutor) throws -> T) throws -> T
  func read<T>(_ body: (any SQLExecutor) throws -> T) throws -> T
  /// Brings the schema up to date; refuses a database written by a newer tailguard.
  func migrate(_ migrations: [SQLMigration]) throws
  /// Identifiers of the migrations applied.
  func appliedMigrations() throws -> [String]
  func close()
}
