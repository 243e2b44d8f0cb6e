import Foundation
import GRDB
import Scanner
import TailguardServer
import TailguardTesting
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The built `tailguard serve` binary as a process: token creation from the command line, a
/// `kill -9` in the middle of an index job (nothing half-written, the job redone after restart),
/// and a graceful SIGTERM.
@Suite(.serialized)
struct ServerProcessTests {
  /// A running `tailguard serve` with the port it bound.
  final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let stderrPath: String
    var port = 0

    init(args: [String], dir: TemporaryDirectory, name: String) throws {
      guard let binary = TailguardCLI.binary else {
        throw HarnessError("the tailguard executable is not built")
      }
      stderrPath = dir.file("\(name).stderr")
      FileManager.default.createFile(atPath: stderrPath, contents: nil)
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = ["serve", "--listen", "127.0.0.1:0"] + args
      // Its own blob cache: a layer cached by another test would make the job too quick to catch.
      process.environment = ProcessInfo.processInfo.environment.merging([
        "XDG_CACHE_HOME": dir.file("cache")
      ]) { $1 }
      process.standardOutput = FileHandle.nullDevice
      process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
      try process.run()
    }

    /// Waits for the "listening on HOST:PORT" line.
    func waitListening(seconds: Double = 60) async throws {
      let deadline = Date().addingTimeInterval(seconds)
      while Date() < deadline {
        let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        if let range = text.range(of: "listening on 127.0.0.1:") {
          let digits = text[range.upperBound...].prefix { $0.isNumber }
          if let p = Int(digits), p > 0 {
            port = p
            return
          }
        }
        guard process.isRunning else { throw HarnessError("server exited: \(text.suffix(2000))") }
        try await Task.sleep(for: .milliseconds(50))
      }
      throw HarnessError("server did not start listening")
    }

    func request(_ method: String, _ path: String, token: String?, body: String? = nil)
      async throws -> (Int, [String: Any])
    {
      var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
      request.httpMethod = method
      if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
      if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
      }
      let (data, response) = try await URLSession.shared.data(for: request)
      let status = (response as? HTTPURLResponse)?.statusCode ?? 0
      return (status, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    /// SIGNAL, then SIGKILL if the server is still there after a minute.
    @discardableResult
    func stop(signal: Int32) -> (status: Int32, killed: Bool) {
      ProcessRunner.stop(process, signal: signal)
    }
  }

  /// The digest of the planted image's first layer, read by the pipeline's own layout reader.
  static func plantedLayer() async throws -> String {
    let image = try await Scanner().resolveImage(target: "oci:\(ServerHarness.layout):planted")
    return try #require(image.layers.first).digest.description
  }

  @Test(
    .enabled(
      if: Oracles.gate(
        SharedData.isAvailable && TailguardCLI.binary != nil
          && RegistryTestEnvironment.toolsAvailable)),
    .timeLimit(.minutes(10)))
  func killNineMidJobLosesNothingAndTheJobIsRedone() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2", "advisories/pypa-osv-json/urllib3"],
      prefix: "tailguard-serve-kill")
    let database = harness.dir.file("server.db")
    // The token comes from the command line, printed once as JSON.
    let created = try TailguardCLI.run(
      ["serve", "token", "create", "--role", "write", "--database", database, "-o", "json"])
    #expect(created.status == 0, "\(created.stderr)")
    let tokenDoc =
      try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
    let token = try #require(tokenDoc?["token"] as? String)
    #expect(tokenDoc?["role"] as? String == "write")

    // The image comes from a loopback registry behind the fault proxy, whose layer responses
    // stall: the index job is then running for as long as the test needs to catch it.
    let registry = try RegistryTestEnvironment()
    defer { registry.stop() }
    let registryPort = try registry.startRegistry()
    let proxyPort = try registry.startFaultProxy(upstreamPort: registryPort)
    try registry.push(to: "127.0.0.1:\(registryPort)/planted:v1")
    _ = try RegistryTestEnvironment.proxyControl(
      proxyPort,
      "/__fault?mode=slow&count=50&delay=20&match=/blobs/\(try await Self.plantedLayer())")
    let args = [
      "--database", database, "--db", harness.advisoryDB, "--lease-seconds", "2",
      "--insecure-registry", "127.0.0.1:\(proxyPort)",
    ]
    let first = try ServerProcess(args: args, dir: harness.dir, name: "first")
    try await first.waitListening()
    let (status, answer) = try await first.request(
      "POST", "/api/v1/images", token: token,
      body: #"{"reference": "127.0.0.1:\#(proxyPort)/planted:v1"}"#)
    #expect(status == 202, "\(answer)")
    let digest = try #require(answer["digest"] as? String)

    // Kill the server the moment the job is running.
    var running = false
    for _ in 0..<2000 {
      let (_, jobs) = try await first.request("GET", "/api/v1/jobs?state=running", token: token)
      if let items = jobs["items"] as? [Any], !items.isEmpty {
        running = true
        break
      }
      try await Task.sleep(for: .milliseconds(10))
    }
    #expect(running)
    first.stop(signal: SIGKILL)

    // Nothing half-written: the job is still leased and running, no finding or history exists.
    let queue = try DatabaseQueue(path: database)
    let (jobState, findings, history, imageStatus) = try await queue.read { db in
      (
        try String.fetchOne(db, sql: "SELECT state FROM job"),
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM finding") ?? -1,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM finding_history") ?? -1,
        try String.fetchOne(db, sql: "SELECT status FROM image")
      )
    }
    #expect(jobState == "running")
    #expect(findings == 0)
    #expect(history == 0)
    #expect(imageStatus == "indexing")

    // After a restart the expired lease is claimed again and the job done exactly once more,
    // the registry answering normally now.
    _ = try RegistryTestEnvironment.proxyControl(proxyPort, "/__reset")
    let second = try ServerProcess(args: args, dir: harness.dir, name: "second")
    try await second.waitListening()
    var indexed: [String: Any] = [:]
    for _ in 0..<3000 {
      (_, indexed) = try await second.request("GET", "/api/v1/images/\(digest)", token: token)
      if indexed["status"] as? String == "indexed" { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(indexed["status"] as? String == "indexed", "\(indexed)")
    let (_, jobs) = try await second.request("GET", "/api/v1/jobs", token: token)
    let items = jobs["items"] as? [[String: Any]] ?? []
    #expect(items.count == 1)
    #expect(items.first?["state"] as? String == "done")
    #expect(items.first?["attempts"] as? Int == 2)
    let (_, page) = try await second.request(
      "GET", "/api/v1/images/\(digest)/findings?limit=500", token: token)
    let open = page["items"] as? [[String: Any]] ?? []
    #expect(open.contains { ($0["packages"] as? [String])?.contains("urllib3@1.24.1") == true })
    let (_, events) = try await second.request(
      "GET", "/api/v1/images/\(digest)/history?limit=500", token: token)
    #expect((events["items"] as? [Any])?.count == open.count)

    // SIGTERM: a graceful stop, exit 0.
    let stopped = second.stop(signal: SIGTERM)
    #expect(stopped.status == 0 && !stopped.killed)
  }
}
