import Foundation
import Scanner
import TailguardModel
import TailguardServer
import TailguardTesting
import Testing

/// Watching, on SQLite and PostgreSQL: ignore rules, retraction, SLA clocks and their events,
/// the outbox, usage and segments, MTTR.
struct ServerWatchStoreTests {
  static let a = "sha256:" + String(repeating: "a", count: 64)
  static let b = "sha256:" + String(repeating: "b", count: 64)
  static let c = "sha256:" + String(repeating: "c", count: 64)
  static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

  static func v(
    _ id: String, _ severity: Severity = .high, kev: Bool = false, kevDate: String? = nil,
    fixable: Bool = true
  ) -> MatchedVulnerability {
    MatchedVulnerability(
      vulnerabilityID: id, severity: severity, kev: kev, fixable: fixable, fixedVersion: "2.0",
      packages: ["pkg@1.0"], summary: nil, risk: 5, kevDate: kevDate)
  }

  static func outbox(_ store: SQLServerStore) throws -> [(event: String, body: [String: Any])] {
    try store.driver.read { db in
      try db.query("SELECT event, body FROM outbox ORDER BY id").map { row in
        let body = row.data("body") ?? Data()
        // The test reads the JSON back as a tree to check what a receiver gets.
        let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        return (try row.string("event"), object)
      }
    }
  }

  static func events(_ store: SQLServerStore, _ digest: String) throws -> [String] {
    try store.history(digest: digest, limit: 100, after: nil).items.map {
      "\($0.vulnerabilityID):\($0.event)"
    }
  }

  @Test(arguments: StoreBackend.available)
  func suppressionRetractionAndTheirHistory(_ backend: StoreBackend) throws {
    let dir = try TemporaryDirectory()
    let store = try backend.open(in: dir)
    _ = try store.enqueue(digest: Self.a, reference: "r", priority: 0, now: Self.t0)
    _ = try store.enqueue(digest: Self.b, reference: "rb", priority: 0, now: Self.t0)
    try store.applyFindings(
      digest: Self.a, matched: [Self.v("CVE-1"), Self.v("CVE-2")], cause: "index", withdrawn: [],
      now: Self.t0)
    try store.applyFindings(
      digest: Self.b, matched: [Self.v("CVE-1")], cause: "index", withdrawn: [], now: Self.t0)

    // A global rule suppresses CVE-1 in both images, with who and why in the history.
    let rule = try store.addSuppression(
      vulnerabilityID: "CVE-1", digest: nil, reason: "not reachable", author: "alice", now: Self.t0)
    var open = FindingQuery()
    #expect(
      try store.findings(open, limit: 10, after: nil).items.map(\.vulnerabilityID) == ["CVE-2"])
    var suppressed = FindingQuery()
    suppressed.state = "suppressed"
    let hidden = try store.findings(suppressed, limit: 10, after: nil).items
    #expect(hidden.map(\.digest) == [Self.a, Self.b])
    #expect(hidden.first?.suppression?.author == "alice")
    #expect(hidden.first?.suppression?.reason == "not reachable")
    let history = try store.history(digest: Self.a, limit: 10, after: nil).items
    #expect(history.last?.event == "suppressed")
    #expect(history.last?.cause.contains("by alice: not reachable") == true)
    #expect(try store.suppressions(limit: 10, after: nil).items == [rule])

    // Re-matching the same data keeps it suppressed and writes nothing.
    #expect(
      try store.applyFindings(
        digest: Self.a, matched: [Self.v("CVE-1"), Self.v("CVE-2")], cause: "advisory-update",
        withdrawn: [], now: Self.t0) == 0)
    // Removing the rule reopens it.
    #expect(try store.removeSuppression(id: rule.id, now: Self.t0))
    #expect(try !store.removeSuppression(id: rule.id, now: Self.t0))
    open.digest = Self.a
    #expect(
      try store.findings(open, limit: 10, after: nil).items.map(\.vulnerabilityID) == [
        "CVE-1", "CVE-2",
      ])
    #expect(try Self.events(store, Self.a).suffix(1) == ["CVE-1:unsuppressed"])

    // CVE-2 vanishes because its advisory was withdrawn: retracted, not fixed.
    try store.applyFindings(
      digest: Self.a, matched: [Self.v("CVE-1")], cause: "advisory-update", withdrawn: ["CVE-2"],
      now: Self.t0)
    #expect(try Self.events(store, Self.a).suffix(1) == ["CVE-2:retracted"])
    var retracted = FindingQuery()
    retracted.state = "retracted"
    #expect(
      try store.findings(retracted, limit: 10, after: nil).items.map(\.vulnerabilityID) == ["CVE-2"]
    )
  }

  @Test(arguments: StoreBackend.available)
  func slaClocksStatesSweepAndMTTR(_ backend: StoreBackend) throws {
    let dir = try TemporaryDirectory()
    let store = try backend.open(in: dir)
    let hook = try store.addWebhook(
      url: "http://127.0.0.1:9/h", secret: "s", events: [.slaAtRisk, .slaBreached], origin: "api",
      now: Self.t0)
    _ = try store.enqueue(digest: Self.a, reference: "r", priority: 0, now: Self.t0)
    // KEV (20 h, clock from the KEV date when later than first seen), critical (7 d), low (none).
    let kevDay = "2027-01-20"  // after t0 (2027-01-15)
    try store.applyFindings(
      digest: Self.a,
      matched: [
        Self.v("CVE-K", .medium, kev: true, kevDate: kevDay), Self.v("CVE-C", .critical),
        Self.v("CVE-L", .low),
      ], cause: "index", withdrawn: [], now: Self.t0)
    var all = FindingQuery()
    all.digest = Self.a
    let findings = Dictionary(
      uniqueKeysWithValues: try store.findings(all, limit: 10, after: nil).items.map {
        ($0.vulnerabilityID, $0)
      })
    #expect(findings["CVE-K"]?.slaDue?.hasPrefix("2027-01-20T20:00:00") == true)
    #expect(findings["CVE-C"]?.slaDue?.hasPrefix("2027-01-22") == true)
    #expect(findings["CVE-L"]?.slaDue == nil && findings["CVE-L"]?.slaState == nil)

    // Six days in: the critical one is at risk (past 75% of 7 d), the KEV one (due 20 h after
    // its KEV date, day 5.5) breached; after eight days both are.
    let day6 = Self.t0.addingTimeInterval(6 * 86400)
    #expect(try store.slaSweep(now: day6) == 2)
    #expect(try store.slaSweep(now: day6) == 0)  // noted once
    var report = try store.slaReport(now: day6, limit: 10)
    #expect(report.atRisk.map(\.vulnerabilityID) == ["CVE-C"])
    #expect(report.breached.map(\.vulnerabilityID) == ["CVE-K"])
    let day8 = Self.t0.addingTimeInterval(8 * 86400)
    #expect(try store.slaSweep(now: day8) == 1)
    report = try store.slaReport(now: day8, limit: 10)
    #expect(Set(report.breached.map(\.vulnerabilityID)) == ["CVE-C", "CVE-K"])
    #expect(report.counts["breached"] == 2)
    // One event per image per state crossed, not one per finding.
    let events = try Self.outbox(store).map(\.event)
    #expect(events == ["sla.at_risk", "sla.breached", "sla.breached"])
    #expect(
      try store.dueDeliveries(now: day8, limit: 10, lease: 60).map(\.webhookID) == [
        hook.id, hook.id, hook.id,
      ])

    // Fixing after 8 days: MTTR by severity from first seen to fixed.
    try store.applyFindings(
      digest: Self.a, matched: [Self.v("CVE-L", .low)], cause: "advisory-update", withdrawn: [],
      now: day8)
    let mttr = try store.slaReport(now: day8, limit: 10).mttr
    #expect(mttr["severity"]?["critical"]?.seconds.rounded() == Double(8 * 86400))
    #expect(mttr["severity"]?["critical"]?.fixed == 1)
  }

  @Test(arguments: StoreBackend.available)
  func outboxEventsAreWrittenWithTheChangeLeasedRetriedAndDeadLettered(_ backend: StoreBackend)
    throws
  {
    let dir = try TemporaryDirectory()
    let store = try backend.open(in: dir)
    let all = try store.addWebhook(
      url: "http://127.0.0.1:9/all", secret: "s1", events: WebhookEvent.allCases, origin: "api",
      now: Self.t0)
    _ = try store.addWebhook(
      url: "http://127.0.0.1:9/fixed", secret: "s2", events: [.findingFixed], origin: "api",
      now: Self.t0)
    #expect(try store.webhooks().count == 2)
    _ = try store.enqueue(digest: Self.a, reference: "r", priority: 0, now: Self.t0)
    // 300 new findings in one image: one finding.new event, not 300.
    let many = (0..<300).map { Self.v("CVE-\($0)") }
    try store.applyFindings(
      digest: Self.a, matched: many, cause: "advisory-update", withdrawn: [], now: Self.t0)
    var out = try Self.outbox(store)
    #expect(out.map(\.event) == ["finding.new"])
    let data = out.first?.body["data"] as? [String: Any]
    #expect((data?["findings"] as? [Any])?.count == 300)
    #expect(data?["digest"] as? String == Self.a)
    // Fixing some: one finding.fixed per subscribed destination, same event id.
    try store.applyFindings(
      digest: Self.a, matched: Array(many.prefix(10)), cause: "advisory-update", withdrawn: [],
      now: Self.t0)
    out = try Self.outbox(store)
    #expect(out.map(\.event) == ["finding.new", "finding.fixed", "finding.fixed"])
    #expect(out[1].body["id"] as? String == out[2].body["id"] as? String)

    // Leases: a delivery taken is not handed out again until its lease ends.
    let first = try store.dueDeliveries(now: Self.t0, limit: 10, lease: 60)
    #expect(first.count == 3)
    #expect(
      try store.dueDeliveries(now: Self.t0.addingTimeInterval(30), limit: 10, lease: 60).isEmpty)
    let d = try #require(first.first { $0.webhookID == all.id && $0.event == "finding.new" })
    try store.markRetry(
      id: d.id, error: "HTTP 500", nextAttempt: Self.t0.addingTimeInterval(120), now: Self.t0)
    try store.markDelivered(id: first[1].id, status: 200, now: Self.t0)
    try store.markDead(id: first[2].id, error: "HTTP 410", now: Self.t0)
    let again = try store.dueDeliveries(now: Self.t0.addingTimeInterval(121), limit: 10, lease: 60)
    #expect(again.map(\.id) == [d.id])
    #expect(again.first?.attempts == 1)
    #expect(again.first?.body == d.body)
    let failed = try store.failedDeliveries(limit: 10, after: nil).items
    #expect(failed.map(\.id) == [first[2].id])
    #expect(failed.first?.lastError == "HTTP 410")
    #expect(try store.notificationCounts() == ["pending": 1, "delivered": 1, "dead": 1])

    // Configured webhooks are synced, API ones kept.
    try store.syncConfiguredWebhooks(
      [(url: "http://127.0.0.1:9/cfg", secret: "x", events: [.imageIndexed])], now: Self.t0)
    try store.syncConfiguredWebhooks(
      [(url: "http://127.0.0.1:9/cfg", secret: "x", events: [.imageIndexed])], now: Self.t0)
    #expect(
      try store.webhooks().map(\.url).sorted() == [
        "http://127.0.0.1:9/all", "http://127.0.0.1:9/cfg", "http://127.0.0.1:9/fixed",
      ])
    try store.syncConfiguredWebhooks([], now: Self.t0)
    #expect(try store.webhooks().count == 2)
    #expect(try store.removeWebhook(id: all.id))
    #expect(try store.webhooks().count == 1)
  }

  @Test(arguments: StoreBackend.available)
  func usageSegmentsRetirementAndFleetSummary(_ backend: StoreBackend) throws {
    let dir = try TemporaryDirectory()
    let store = try backend.open(in: dir)
    for d in [Self.a, Self.b, Self.c] {
      _ = try store.enqueue(digest: d, reference: "r-\(d.suffix(1))", priority: 0, now: Self.t0)
      let job = try #require(try store.claimJob(now: Self.t0, lease: 60))
      try store.completeIndex(
        jobID: job.id, digest: job.digest, sbom: try ServerStoreTests.bom(job.digest), keys: [],
        fingerprints: [:], matched: [], now: Self.t0)
    }
    try store.applyFindings(
      digest: Self.c, matched: [Self.v("CVE-9", .critical), Self.v("CVE-K", .low, kev: true)],
      cause: "index", withdrawn: [], now: Self.t0)
    let entries = [
      UsageEntry(
        digest: Self.a, reference: "ra", namespace: "web", workload: "front", kind: "Deployment",
        replicas: 30, team: "web"),
      UsageEntry(
        digest: Self.b, reference: "rb", namespace: "web", workload: "api", kind: "Deployment",
        replicas: 10, team: "web"),
      UsageEntry(
        digest: Self.c, reference: "rc", namespace: "batch", workload: "cron", kind: "CronJob",
        replicas: 1, exposure: ["privileged"], team: "data"),
    ]
    let update = try store.replaceUsage(source: "prod", entries: entries, head: 2, now: Self.t0)
    #expect(update.images == 3 && update.retired.isEmpty)
    let summary = try store.fleetSummary(now: Self.t0)
    #expect(summary.segments["head"]?.images == 2)
    #expect(summary.segments["tail"]?.images == 1)
    #expect(summary.segments["tail"]?.openFindings == 2)
    #expect(summary.segments["tail"]?.findingShare == 1)
    // The floor: a tail image with a KEV and a fixable critical is alerted.
    #expect(summary.alerts.map(\.digest) == [Self.c])
    #expect(summary.alerts.first?.kev == ["CVE-K"])
    #expect(summary.alerts.first?.criticalFixable == ["CVE-9"])
    var tail = FindingQuery()
    tail.segment = "tail"
    #expect(try store.findings(tail, limit: 10, after: nil).items.count == 2)
    var team = FindingQuery()
    team.team = "web"
    #expect(try store.findings(team, limit: 10, after: nil).items.isEmpty)
    team.team = "data"
    #expect(try store.findings(team, limit: 10, after: nil).items.count == 2)

    // The cron job is gone from the fleet: its image is retired and its findings fixed.
    let next = try store.replaceUsage(
      source: "prod", entries: Array(entries.prefix(2)), head: 2, now: Self.t0)
    #expect(next.retired == [Self.c])
    #expect(try Self.events(store, Self.c).suffix(2).sorted() == ["CVE-9:fixed", "CVE-K:fixed"])
    #expect(
      try store.history(digest: Self.c, limit: 10, after: nil).items.last?.cause == "image-retired")
    #expect(try store.fleetSummary(now: Self.t0).alerts.isEmpty)
    // Back in the fleet: reported as revived, for the engine to re-match.
    #expect(
      try store.replaceUsage(source: "prod", entries: entries, head: 2, now: Self.t0).revived == [
        Self.c
      ])
  }
}
