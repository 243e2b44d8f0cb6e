import Foundation
import Scanner
import TailguardModel
import TailguardTesting
import Testing

/// `db import` / `db status` behind the pipeline API.
@Suite struct AdvisoryDatabaseTests {
  static let osv = """
    {"id": "GHSA-test-0001-0001", "modified": "2024-01-02T03:04:05Z",
     "summary": "test advisory",
     "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
       "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]}]}]}
    """

  @Test func importThenStatus() throws {
    let dir = try TemporaryDirectory(prefix: "advisory-db")
    try Self.osv.write(toFile: dir.file("GHSA-test.json"), atomically: true, encoding: .utf8)
    let db = dir.file("tailguard.db")
    let imported = AdvisoryDatabase.importFiles(
      AdvisoryDatabase.ImportRequest(path: db, paths: [dir.file("GHSA-test.json")]))
    #expect(imported.failure == nil)
    #expect(!imported.empty)
    #expect(imported.advisories == 1)
    #expect(imported.exitStatus == .done)

    let status = try AdvisoryDatabase.status(path: db).get()
    #expect(status.advisories == 1)
    #expect(status.path == db)
  }

  @Test func nothingToImportLeavesNoDatabase() throws {
    let dir = try TemporaryDirectory(prefix: "advisory-db")
    try FileManager.default.createDirectory(
      atPath: dir.file("empty"), withIntermediateDirectories: true)
    let db = dir.file("tailguard.db")
    let outcome = AdvisoryDatabase.importFiles(
      AdvisoryDatabase.ImportRequest(path: db, paths: [dir.file("empty")]))
    #expect(outcome.empty)
    #expect(outcome.exitStatus == .couldNotRun)
    #expect(!FileManager.default.fileExists(atPath: db))
  }

  @Test func aMissingDatabaseIsAFailureValue() throws {
    let dir = try TemporaryDirectory(prefix: "advisory-db")
    let result = AdvisoryDatabase.status(path: dir.file("missing.db"))
    guard case .failure(let failure) = result else {
      Issue.record("expected a failure, got \(result)")
      return
    }
    #expect(failure.exitStatus == .couldNotRun)
    #expect(!failure.description.isEmpty)
  }
}
