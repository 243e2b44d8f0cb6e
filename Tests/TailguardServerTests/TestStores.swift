import Foundation
import TailguardServer
import TailguardTesting
import Testing

/// The databases the store suite runs against: SQLite always; PostgreSQL when
/// `TAILGUARD_TEST_POSTGRES` names a server (`.ci/run` starts a throwaway cluster on loopback with
/// scripts/test-postgres.sh), and also when oracles are required, so CI without one fails.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case sqlite, postgres

  var testDescription: String { rawValue }

  static let postgresURL: String? = ProcessInfo.processInfo.environment["TAILGUARD_TEST_POSTGRES"]
    .flatMap { $0.isEmpty ? nil : $0 }

  static var available: [StoreBackend] {
    postgresURL != nil || Oracles.required ? [.sqlite, .postgres] : [.sqlite]
  }

  /// A fresh, empty database of this kind: a file in DIR, or a new PostgreSQL database.
  func location(in dir: TemporaryDirectory, name: String = "server") throws -> String {
    switch self {
    case .sqlite: return dir.file("\(name).db")
    case .postgres:
      let admin = try #require(
        Self.postgresURL,
        "TAILGUARD_TEST_POSTGRES is not set: start a cluster with scripts/test-postgres.sh")
      let database = "tg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
      let driver = try PostgresDriver(url: admin, maxConnections: 1)
      defer { driver.close() }
      try driver.read { db in try db.execute("CREATE DATABASE \(database)") }
      var url = try #require(URLComponents(string: admin))
      url.path = "/" + database
      return try #require(url.string)
    }
  }

  func open(in dir: TemporaryDirectory, name: String = "server") throws -> SQLServerStore {
    try SQLServerStore.open(location(in: dir, name: name))
  }
}
