import Foundation
import GRDB
import Scanner
import TailguardModel
import TailguardServer
import TailguardTesting
import Testing

/// The store contract, on SQLite and on PostgreSQL (the same suite): the queue's claims and
/// leases, the finding lifecycle, immutable history, hashed tokens, migrations.
struct ServerStoreTests {
  static let digestA = "sha256:" + String(repeating: "a", count: 64)
  static let digestB = "sha256:" + String(repeating: "b", count: 64)

  static func vulnerability(_ id: String, _ severity: Severity = .high) -> MatchedVulnerability {
    MatchedVulnerability(
      vulnerabilityID: id, severity: severity, kev: false, fixable: true, fixedVersion: "2.0",
      packages: ["pkg@1.0"], summary: nil, risk: 5)
  }

  static func bom(_ digest: String) throws -> SoftwareBOM {
    SoftwareBOM(
      image: ImageMetadata(
        target: "oci:/x:y", sourceKind: "oci-layout", manifestDigest: try Digest(parsing: digest)),
      packages: [])
  }

  @Test(arguments: StoreBackend.available)
  func queueClaimsOnceRetakesExpiredLeasesAndKeepsOneJobPerDigest(_ backend: StoreBackend) throws {
    let dir = try TemporaryDirectory()
    let store = try backend.open(in: dir)
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let first = try store.enqueue(digest: Self.digestA, reference: "r1", priority: 0, now: t0)
    let second = try store.enqueue(digest: Self.digestA, reference: "r2", priority: 0, now: t0)
    #expect(first == second)  // one job per digest
    _ = try store.enqueue(digest: Self.digestB, reference: "rb", priority: 5, now: t0)
    #expect(try store.queuedJobCount() == 2)

    // Higher priority first; a leased job is not handed out twice.
    let b = try #require(try store.claimJob(now: t0, lease: 60))
    #expect(b.digest == Self.digestB)
    let a = try #require(try store.claimJob(now: t0, lease: 60))
    #expect(a.digest == Self.digestA)
    #expect(try store.claimJob(now: t0.addingTimeInterval(30), lease: 60) == nil)
    // A renewed lease holds; an expired one is taken again, attempts counted.
    try store.renewLease(jobID: b.id, until: t0.addingTimeInterval(200))
    let again = try #require(try store.claimJob(now: t0.addingTimeInterval(61), lease: 60))
    #expect(again.id == a.id)
    #expect(again.attempts == 2)
    #expect(try store.claimJob(now: t0.addingTimeInterval(100), lease: 60) == nil)

    // Failure: back to the queue until the attempts run out.
    try store.failJob(jobID: again.id, error: "boom", maxAttempts: 3, now: t0)
    #expect(try store.image(digest: Self.digestA)?.status == "queued")
    // Backoff: after its second attempt the job waits 60 s before it can be claimed again.
    #expect(try store.claimJob(now: t0.addingTimeInterval(59), lease: 60) == nil)
    let third = try #require(try store.claimJob(now: t0.addingTimeInterval(101), lease: 60))
    try store.failJob(jobID: third.id, error: "boom", maxAttempts: 3, now: t0)
    #expect(try store.image(digest: Self.digestA)?.status == "failed")
    #expect(try store.jobs(state: "failed", limit: 10, after: nil).items.map(\.id) == [a.id])
    // A failed digest can be submitted again.
    guard
      case .queued = try store.enqueue(digest: Self.digestA, reference: "r1", priority: 0, now: t0)
    else {
      Issue.record("a failed digest was not queued again")
      return
    }

    // Completing stores the SBOM and findings; the digest is then indexed and never re-queued.
    let key = AdvisoryLookupKey(ecosystem: "PyPI", name: "pkg")
    try store.completeIndex(
      jobID: b.id, digest: Self.digestB, sbom: try Self.bom(Self.digestB), keys: [key],
      fingerprints: [key: "f1"], matched: [Self.vulnerability("CVE-1")], now: t0)
    #expect(
      try store.enqueue(digest: Self.digestB, reference: "rb", priority: 0, now: t0)
        == .alreadyIndexed)
    #expect(try store.sbom(digest: Self.digestB) == (try Self.bom(Self.digestB)))
    #expect(try store.digests(holding: [key]) == [Self.digestB])
    #expect(try store.fingerprints() == [key: "f1"])
  }

  @Test(arguments: StoreBackend.available)
  func findingLifecycleIsIdempotentAndHistoryImmutable(_ backend: StoreBackend) throws {
    let dir = try TemporaryDirectory()
    let store = try backend.open(in: dir)
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    _ = try store.enqueue(digest: Self.digestA, reference: "r", priority: 0, now: t0)
    let v1 = Self.vulnerability("CVE-1")
    let v2 = Self.vulnerability("CVE-2", .critical)
    #expect(
      try store.applyFindings(
        digest: Self.digestA, matched: [v1, v2], cause: "index", withdrawn: [], now: t0) == 2
    )
    // The same data again: nothing written.
    #expect(
      try store.applyFindings(
        digest: Self.digestA, matched: [v1, v2], cause: "index", withdrawn: [], now: t0) == 0
    )
    // CVE-1 gone: fixed; then back: reopened.
    #expect(
      try store.applyFindings(
        digest: Self.digestA, matched: [v2], cause: "advisory-update", withdrawn: [], now: t0) == 1)
    var query = FindingQuery()
    query.state = "fixed"
    let fixed = try store.findings(query, limit: 10, after: nil).items
    #expect(fixed.map(\.vulnerabilityID) == ["CVE-1"])
    #expect(fixed.first?.fixedAt != nil)
    #expect(
      try store.applyFindings(
        digest: Self.digestA, matched: [v1, v2], cause: "advisory-update", withdrawn: [], now: t0)
        == 1)
    let events = try store.history(digest: Self.digestA, limit: 10, after: nil).items
    #expect(events.map(\.event) == ["first_seen", "first_seen", "fixed", "reopened"])
    // Filters.
    var critical = FindingQuery()
    critical.severities = [.critical]
    #expect(
      try store.findings(critical, limit: 10, after: nil).items.map(\.vulnerabilityID) == ["CVE-2"])

    // History rows cannot be changed or removed, even with SQL.
    #expect(throws: StoreError.self) {
      try store.driver.write { try $0.execute("UPDATE finding_history SET event = 'x'") }
    }
    #expect(throws: StoreError.self) {
      try store.driver.write { try $0.execute("DELETE FROM finding_history") }
    }
    #expect(try store.history(digest: Self.digestA, limit: 10, after: nil).items.count == 4)
    if backend == .sqlite {
      let journal = try DatabaseQueue(path: store.location).read {
        try String.fetchOne($0, sql: "PRAGMA journal_mode")
      }
      #expect(journal == "wal")
    }
  }

  @Test(arguments: StoreBackend.available)
  func tokensAreStoredHashedWithTheirRole(_ backend: StoreBackend) throws {
    let dir = try TemporaryDirectory()
    let store = try backend.open(in: dir)
    let token = try Tokens.create(role: .write, store: store)
    #expect(token.hasPrefix("tgk_") && token.count == 68)
    #expect(try store.role(forTokenHash: Tokens.hash(token)) == .write)
    #expect(try store.role(forTokenHash: token) == nil)
    let stored = try store.driver.read { db in
      try db.query("SELECT hash FROM api_token").map { try $0.string("hash") }
    }
    #expect(stored == [Tokens.hash(token)])
    #expect(!stored.contains(token))
  }

  @Test(arguments: StoreBackend.available)
  func reopeningMigratesNothingTwiceAndRefusesNewerSchemas(_ backend: StoreBackend) throws {
    let dir = try TemporaryDirectory()
    let location = try backend.location(in: dir)
    _ = try SQLServerStore.open(location)
    let store = try SQLServerStore.open(location)
    #expect(try store.driver.appliedMigrations() == SQLServerStore.migrationIdentifiers)
    let table = backend == .sqlite ? "grdb_migrations" : "tailguard_migrations"
    let columns = backend == .sqlite ? "(identifier)" : "(identifier, applied_at)"
    let values = backend == .sqlite ? "('v99-future')" : "('v99-future', 'now')"
    try store.driver.write { try $0.execute("INSERT INTO \(table) \(columns) VALUES \(values)") }
    store.driver.close()
    #expect(throws: StoreError.self) { _ = try SQLServerStore.open(location) }
  }
}
