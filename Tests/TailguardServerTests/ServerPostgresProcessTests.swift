import Foundation
import Scanner
import TailguardServer
import TailguardTesting
import Testing

/// Several `tailguard serve` processes on one PostgreSQL database, as the Kubernetes deployment
/// runs them: an API server and `--worker` processes share the queue (no job done twice, none
/// lost), and the database going away gives 503 problem documents, then recovery. Each test
/// starts its own throwaway cluster on loopback (scripts/test-postgres.sh), so it can stop it.
@Suite(.serialized)
struct ServerPostgresProcessTests {
  static let script = SharedData.packageRoot + "/scripts/test-postgres.sh"

  static var postgresAvailable: Bool {
    (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.isEmpty == false
  }

  /// A private cluster, stopped and removed at the end.
  final class Cluster: @unchecked Sendable {
    let dir: String
    let port: Int
    let url: String

    init(dir: String, port: Int, url: String) {
      self.dir = dir
      self.port = port
      self.url = url
    }

    static func start(_ tmp: TemporaryDirectory) async throws -> Cluster {
      let dir = tmp.file("pg")
      let port = try RegistryTestEnvironment.freePort()
      let run = try await ProcessRunner.runDetached(
        ServerPostgresProcessTests.script, ["start", dir, "\(port)"])
      guard run.status == 0 else { throw HarnessError("postgres did not start: \(run.output)") }
      return Cluster(
        dir: dir, port: port, url: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func pause() async throws {
      let run = try await ProcessRunner.runDetached(
        ServerPostgresProcessTests.script, ["pause", dir])
      guard run.status == 0 else { throw HarnessError("pause: \(run.output)") }
    }

    func resume() async throws {
      let run = try await ProcessRunner.runDetached(
        ServerPostgresProcessTests.script, ["resume", dir, "\(port)"])
      guard run.status == 0 else { throw HarnessError("resume: \(run.output)") }
    }

    deinit { _ = try? ProcessRunner.run(ServerPostgresProcessTests.script, ["stop", dir]) }
  }

  /// COUNT small images, each with Jinja2 2.10 (PyPA findings) and a file of its own (distinct
  /// digests), tagged img-0… in one OCI layout.
  static func images(_ count: Int, in dir: String) throws -> [String] {
    var descriptors: [[String: Any]] = []
    for i in 0..<count {
      var tar = TarBuilder()
      tar.file(
        "usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n")
      tar.file("etc/fixture-id", "image \(i)\n")
      let written = try ImageBuilder(layers: [.init(tar.finished())]).writeBlobs(into: dir)
      descriptors.append([
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": written.manifestDigest, "size": written.manifestBytes.count,
        "annotations": ["org.opencontainers.image.ref.name": "img-\(i)"],
      ])
    }
    try ImageBuilder.writeIndex(at: dir, manifests: descriptors)
    return (0..<count).map { "oci:\(dir):img-\($0)" }
  }

  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable && postgresAvailable)),
    .timeLimit(.minutes(10)))
  func workersShareOneQueueNoJobTwiceNoneLost() async throws {
    let tmp = try TemporaryDirectory(prefix: "tailguard-pgworkers")
    let cluster = try await Cluster.start(tmp)
    let advisories = tmp.file("adv.db")
    try ServerHarness.importAdvisories(["advisories/pypa-osv-json/jinja2"], into: advisories)
    let store = try SQLServerStore.open(cluster.url)
    let token = try Tokens.create(role: .admin, store: store)
    let references = try Self.images(12, in: tmp.file("layout"))

    let common = ["--database", cluster.url, "--db", advisories, "--allow-local-targets"]
    let api = try ServerProcessTests.ServerProcess(
      args: common + ["--workers", "0"], dir: tmp, name: "api")
    let workers = try (0..<3).map { i in
      try ServerProcessTests.ServerProcess(
        args: common + ["--worker", "--workers", "2"], dir: tmp, name: "worker-\(i)")
    }
    defer {
      api.stop(signal: SIGTERM)
      for w in workers { w.stop(signal: SIGTERM) }
    }
    try await api.waitListening()
    for w in workers { try await w.waitListening() }

    var digests: [String] = []
    for reference in references {
      let (status, body) = try await api.request(
        "POST", "/api/v1/images", token: token, body: #"{"reference": "\#(reference)"}"#)
      #expect(status == 202, "\(body)")
      digests.append(try #require(body["digest"] as? String))
    }
    #expect(Set(digests).count == 12)

    // Every image indexed (none lost) …
    let deadline = Date().addingTimeInterval(300)
    while Date() < deadline {
      if try digests.allSatisfy({ try store.image(digest: $0)?.status == "indexed" }) { break }
      try await Task.sleep(for: .milliseconds(200))
    }
    for digest in digests {
      #expect(try store.image(digest: digest)?.status == "indexed")
    }
    // … each job claimed once and done once (no job done twice) …
    let jobs = try store.jobs(state: nil, limit: 100, after: nil).items
    #expect(jobs.count == 12)
    #expect(jobs.allSatisfy { $0.state == "done" && $0.attempts == 1 }, "\(jobs)")
    // … no finding recorded twice …
    for digest in digests {
      let findings = try store.findings(
        {
          var q = FindingQuery()
          q.digest = digest
          return q
        }(), limit: 500, after: nil
      ).items
      let history = try store.history(digest: digest, limit: 500, after: nil).items
      #expect(!findings.isEmpty)
      #expect(history.count == findings.count)
      #expect(history.allSatisfy { $0.event == "first_seen" })
    }
    // … and the work was shared: the workers' logs name every image once between them, and
    // the API server (no workers) indexed none.
    var indexed: [String] = []
    for w in workers {
      let log = (try? String(contentsOfFile: w.stderrPath, encoding: .utf8)) ?? ""
      indexed += log.split(separator: "\n").filter { $0.contains("indexed sha256:") }.map {
        String($0)
      }
    }
    #expect(indexed.count == 12, "\(indexed)")
    let apiLog = (try? String(contentsOfFile: api.stderrPath, encoding: .utf8)) ?? ""
    #expect(!apiLog.contains("indexed sha256:"))
    let busy = try workers.filter { w in
      try String(contentsOfFile: w.stderrPath, encoding: .utf8).contains("indexed sha256:")
    }
    #expect(busy.count >= 2, "one worker did all the work")
  }

  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable && postgresAvailable)),
    .timeLimit(.minutes(10)))
  func aDatabaseThatGoesAwayGives503AndTheServerRecovers() async throws {
    let tmp = try TemporaryDirectory(prefix: "tailguard-pgoutage")
    let cluster = try await Cluster.start(tmp)
    let advisories = tmp.file("adv.db")
    try ServerHarness.importAdvisories(["advisories/pypa-osv-json/jinja2"], into: advisories)
    let token = try Tokens.create(role: .admin, store: try SQLServerStore.open(cluster.url))
    let server = try ServerProcessTests.ServerProcess(
      args: ["--database", cluster.url, "--db", advisories], dir: tmp, name: "server")
    defer { server.stop(signal: SIGTERM) }
    try await server.waitListening()
    #expect(try await server.request("GET", "/api/v1/images", token: token).0 == 200)

    try await cluster.pause()
    let (status, problem) = try await server.request("GET", "/api/v1/images", token: token)
    #expect(status == 503, "\(problem)")
    #expect(problem["status"] as? Int == 503)
    #expect(problem["detail"] as? String == "the database is unavailable")
    #expect(try await server.request("GET", "/readyz", token: nil).0 == 503)
    #expect(try await server.request("GET", "/healthz", token: nil).0 == 200)  // alive
    #expect(server.process.isRunning)

    try await cluster.resume()
    var recovered = false
    for _ in 0..<100 where !recovered {
      recovered = try await server.request("GET", "/api/v1/images", token: token).0 == 200
      if !recovered { try await Task.sleep(for: .milliseconds(100)) }
    }
    #expect(recovered)
    #expect(try await server.request("GET", "/readyz", token: nil).0 == 200)
  }
}
