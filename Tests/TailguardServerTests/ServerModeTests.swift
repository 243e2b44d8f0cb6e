import Foundation
import Scanner
import TailguardServer
import TailguardTesting
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `--worker` processes (index workers with health and metrics only) and the periodic advisory
/// update (`advisoryUpdateInterval`), on real loopback sockets.
@Suite(.serialized)
struct ServerModeTests {
  /// The value of the first sample of METRIC in Prometheus TEXT.
  static func sample(_ metric: String, in text: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(metric + " ") {
      return Double(line.dropFirst(metric.count + 1))
    }
    return nil
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)))
  func workerServesHealthAndMetricsOnlyAndIndexes() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-worker")
    let layout = harness.dir.file("layout")
    try FileManager.default.copyItem(atPath: ServerHarness.layout, toPath: layout)
    // The job is queued the way an API process would queue it: in the shared store.
    var options = ScanOptions()
    options.cache = nil
    let reference = "oci:\(layout):planted"
    let image = try await Scanner().resolveImage(target: reference, options: options)
    let digest = try #require(image.manifestDigest?.description)
    _ = try harness.store.enqueue(digest: digest, reference: reference, priority: 0, now: Date())

    var configuration = harness.configuration()
    configuration.workerOnly = true
    try await harness.run(configuration) { client in
      let health = try await client.get("/healthz", role: nil)
      #expect(health.status == 200)
      #expect(try health.json()["mode"] as? String == "worker")
      #expect(try await client.get("/readyz", role: nil).status == 200)
      // No API routes, whatever the token.
      for path in ["/api/v1/images", "/api/v1/jobs", "/api/v1/findings"] {
        let answer = try await client.get(path, role: .admin)
        #expect(answer.status == 404, "\(path): \(answer.text)")
        #expect(answer.headers[.contentType] == "application/problem+json")
      }
      let submit = try await client.post(
        "/api/v1/images", json: #"{"reference": "\#(reference)"}"#, role: .admin)
      #expect(submit.status == 404)
      #expect(
        try await client.post("/api/v1/advisories/update", json: "", role: .admin).status == 404)

      // The worker takes the queued job and indexes the image.
      let deadline = Date().addingTimeInterval(300)
      var status = ""
      while Date() < deadline {
        status = try harness.store.image(digest: digest)?.status ?? ""
        if status == "indexed" || status == "failed" { break }
        try await Task.sleep(for: .milliseconds(100))
      }
      #expect(status == "indexed")
      let metrics = try await client.get("/metrics", role: nil)
      #expect(metrics.status == 200)
      #expect(metrics.text.contains("tailguard_build_info{version="))
      #expect(Self.sample("tailguard_job_duration_seconds_count", in: metrics.text) == 1)
      #expect(Self.sample("tailguard_jobs_queued", in: metrics.text) == 0)
      #expect(metrics.text.contains("tailguard_findings{severity=\"high\",sla_state=\"ok\"}"))
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)))
  func periodicAdvisoryUpdateRematchesWithoutARequest() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-interval")
    let layout = harness.dir.file("layout")
    try FileManager.default.copyItem(atPath: ServerHarness.layout, toPath: layout)
    var configuration = harness.configuration()
    configuration.advisoryUpdateInterval = .milliseconds(300)
    try await harness.run(configuration) { client in
      let (_, digest) = try await client.submit("oci:\(layout):planted")
      #expect(try await client.waitIndexed(digest)["status"] as? String == "indexed")
      let before = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
      #expect(!before.isEmpty)
      // Re-matches happen on their own, every interval.
      let count1 =
        Self.sample(
          "tailguard_rematch_duration_seconds_count",
          in: try await client.get("/metrics", role: nil).text) ?? 0
      try await Task.sleep(for: .seconds(2))
      let count2 =
        Self.sample(
          "tailguard_rematch_duration_seconds_count",
          in: try await client.get("/metrics", role: nil).text) ?? 0
      #expect(count2 >= count1 + 2, "\(count1) -> \(count2)")

      // New advisories for urllib3 (planted has 1.24.1) reach the findings without
      // POST /api/v1/advisories/update.
      try ServerHarness.importAdvisories(
        ["advisories/pypa-osv-json/urllib3"], into: harness.advisoryDB)
      let deadline = Date().addingTimeInterval(60)
      var after = before
      while Date() < deadline {
        after = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
        if after.count > before.count { break }
        try await Task.sleep(for: .milliseconds(200))
      }
      #expect(after.count > before.count)
      #expect(
        after.contains { ($0["packages"] as? [String])?.contains("urllib3@1.24.1") == true })
      let history = try await client.all("/api/v1/images/\(digest)/history", limit: 500)
      #expect(history.contains { $0["cause"] as? String == "advisory-update" })
    }
    // Reaching here means the update service ended with the graceful shutdown.
  }

  /// `tailguard db import` into the file the server opened re-matches without a request (the
  /// file watch); advisories that arrive while the server is stopped are re-matched at start.
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)))
  func advisoryFileChangesAndChangesWhileStoppedAreRematched() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-watch")
    let layout = harness.dir.file("layout")
    try FileManager.default.copyItem(atPath: ServerHarness.layout, toPath: layout)
    var configuration = harness.configuration()
    configuration.advisoryWatchInterval = .milliseconds(200)
    let digest = try await harness.run(configuration) { client -> String in
      let (_, digest) = try await client.submit("oci:\(layout):planted")
      #expect(try await client.waitIndexed(digest)["status"] as? String == "indexed")
      let before = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
      #expect(Self.packages(before) == ["jinja2@2.10"], "\(Self.packages(before))")
      // Nothing changed: no re-match happens (the watch compares the file, not a timer).
      try await Task.sleep(for: .seconds(1))
      #expect(
        Self.sample(
          "tailguard_rematch_duration_seconds_count",
          in: try await client.get("/metrics", role: nil).text) == 1.0,
        "only the start-up check")
      try ServerHarness.importAdvisories(
        ["advisories/pypa-osv-json/urllib3"], into: harness.advisoryDB)
      let deadline = ContinuousClock.now + .seconds(60)
      var after = before
      while ContinuousClock.now < deadline {
        after = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
        if Self.packages(after).contains("urllib3@1.24.1") { break }
        try await Task.sleep(for: .milliseconds(100))
      }
      #expect(Self.packages(after) == ["jinja2@2.10", "urllib3@1.24.1"], "\(Self.packages(after))")
      return digest
    }
    // Stopped: PyYAML's advisories arrive; the next start re-matches before it serves.
    try ServerHarness.importAdvisories(
      ["advisories/pypa-osv-json/pyyaml"], into: harness.advisoryDB)
    configuration.advisoryWatchInterval = nil
    try await harness.run(configuration) { client in
      let findings = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
      #expect(
        Self.packages(findings) == ["jinja2@2.10", "urllib3@1.24.1", "pyyaml@5.3"],
        "\(Self.packages(findings))")
      let history = try await client.all("/api/v1/images/\(digest)/history", limit: 500)
      #expect(history.filter { $0["cause"] as? String == "advisory-update" }.count >= 2)
    }
  }

  /// The packages the findings name, lowercased.
  static func packages(_ findings: [[String: Any]]) -> Set<String> {
    Set(findings.flatMap { ($0["packages"] as? [String]) ?? [] }.map { $0.lowercased() })
  }

  /// The built binary in worker mode: health answered, API 404, SIGTERM ends it with status 0.
  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable && TailguardCLI.binary != nil)),
    .timeLimit(.minutes(5)))
  func workerProcess() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-workerproc")
    let server = try ServerProcessTests.ServerProcess(
      args: [
        "--worker", "--database", harness.store.location, "--db", harness.advisoryDB,
        "--advisory-update-interval", "1h",
      ], dir: harness.dir, name: "worker")
    try await server.waitListening()
    #expect(try await server.request("GET", "/healthz", token: nil).0 == 200)
    #expect(try await server.request("GET", "/metrics", token: nil).0 == 200)
    let token = try #require(harness.tokens[.admin])
    #expect(try await server.request("GET", "/api/v1/images", token: token).0 == 404)
    let stopped = server.stop(signal: SIGTERM)
    #expect(stopped.status == 0 && !stopped.killed)
    let log = (try? String(contentsOfFile: server.stderrPath, encoding: .utf8)) ?? ""
    #expect(log.contains("worker: health and metrics only"), "\(log.suffix(2000))")
  }
}
