import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import TailguardServer
import TailguardTesting
import Testing
import X509

extension ServerHarness {
  /// Runs the application (HTTPS when the configuration says so) on a real loopback socket and
  /// hands BODY the bound port, for clients of the test's own; then shuts it down gracefully.
  func runLive(
    _ configuration: ServerConfiguration, _ body: @Sendable (Int) async throws -> Void
  ) async throws {
    var logger = Logger(label: "tailguard.serve.test")
    logger.logLevel =
      ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
      ?? .critical
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let app = try await ServerRunner.makeApplication(
      configuration: configuration, store: store, logger: logger
    ) { port in continuation.yield(port) }
    let group = ServiceGroup(
      configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
      tasks.addTask {
        defer { continuation.finish() }
        try await group.run()
      }
      var iterator = ports.makeAsyncIterator()
      guard let port = await iterator.next() else {
        try await tasks.waitForAll()
        throw HarnessError("the server stopped before it listened")
      }
      do { try await body(port) } catch {
        await group.triggerGracefulShutdown()
        throw error
      }
      await group.triggerGracefulShutdown()
      try await tasks.waitForAll()
    }
  }
}

/// Throwaway certificates made with the `openssl` command line in a temporary directory.
struct TestPKI {
  let dir: TemporaryDirectory

  static var available: Bool { ProcessRunner.which("openssl") != nil }

  struct Pair {
    var cert: String
    var key: String
  }

  func openssl(_ args: [String]) throws {
    try ProcessRunner.run("openssl", args, directory: dir.path, timeout: 60).checked()
  }

  /// A self-signed server certificate for localhost and 127.0.0.1, CN=CN.
  func selfSigned(_ name: String, cn: String) throws -> Pair {
    let pair = Pair(cert: dir.file("\(name).crt"), key: dir.file("\(name).key"))
    try openssl([
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", pair.key, "-out", pair.cert, "-days", "2", "-subj", "/CN=\(cn)",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ])
    return pair
  }

  /// A CA that signs client certificates.
  func ca(_ name: String) throws -> Pair {
    let pair = Pair(cert: dir.file("\(name).crt"), key: dir.file("\(name).key"))
    try openssl([
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", pair.key, "-out", pair.cert, "-days", "2", "-subj", "/CN=\(name)",
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ])
    return pair
  }

  /// A client certificate CN=CN signed by CA.
  func client(_ name: String, cn: String, ca: Pair) throws -> Pair {
    let pair = Pair(cert: dir.file("\(name).crt"), key: dir.file("\(name).key"))
    let csr = dir.file("\(name).csr")
    let ext = dir.file("\(name).ext")
    try Data("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n".utf8).write(
      to: URL(fileURLWithPath: ext))
    try openssl([
      "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", pair.key, "-out", csr, "-subj", "/CN=\(cn)",
    ])
    try openssl([
      "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
      "-out", pair.cert, "-days", "2", "-extfile", ext,
    ])
    return pair
  }
}

/// HTTPS on a real loopback socket: `/healthz` with a client that trusts only the throwaway
/// certificate, a certificate replaced on disk served to the next connection without a restart,
/// mutual TLS with a client CA, and clear start-up errors for bad certificate and key files.
@Suite(.serialized)
struct ServerTLSTests {
  static let enabled = TestPKI.available && SharedData.isAvailable

  /// An HTTPS client trusting only TRUST (and presenting IDENTITY when given).
  static func get(
    _ port: Int, _ path: String, trusting trust: String, identity: TestPKI.Pair? = nil,
    seconds: Int64 = 60
  ) async throws -> (Int, String) {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(trust))
    if let identity {
      tls.certificateChain = try NIOSSLCertificate.fromPEMFile(identity.cert).map {
        .certificate($0)
      }
      tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: identity.key, format: .pem))
    }
    let client = HTTPClient(
      eventLoopGroupProvider: .singleton,
      configuration: HTTPClient.Configuration(tlsConfiguration: tls))
    do {
      let response = try await client.execute(
        HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)"), timeout: .seconds(seconds))
      let body = try await response.body.collect(upTo: 1 << 20)
      try await client.shutdown()
      return (Int(response.status.code), String(buffer: body))
    } catch {
      try? await client.shutdown()
      throw error
    }
  }

  /// The leaf certificate the server presents on a new connection, as `openssl s_client`
  /// sees it (no verification: only looked at).
  static func peerCertificate(_ port: Int) async throws -> Certificate {
    // On a thread of its own: a blocking wait on the test's cooperative threads would starve
    // the server's connection handling on a 2-core machine.
    let result = try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(
          with: Result {
            try ProcessRunner.run(
              "openssl",
              ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"],
              timeout: 30)
          })
      }
    }
    let text = result.stdout
    guard let start = text.range(of: "-----BEGIN CERTIFICATE-----"),
      let end = text.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<text.endIndex)
    else { throw HarnessError("no certificate from s_client: \(result.output.prefix(2000))") }
    return try Certificate(pemEncoded: String(text[start.lowerBound..<end.upperBound]))
  }

  static func replace(_ path: String, with source: String) throws {
    // As cert-manager and certbot do: write aside, then rename over the file.
    let temporary = path + ".new"
    try? FileManager.default.removeItem(atPath: temporary)
    try FileManager.default.copyItem(atPath: source, toPath: temporary)
    guard rename(temporary, path) == 0 else { throw HarnessError("rename \(path) failed") }
  }

  @Test(.enabled(if: Oracles.gate(enabled)), .timeLimit(.minutes(5)))
  func httpsHealthzAndReloadOnChange() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-tls")
    let pki = TestPKI(dir: harness.dir)
    let one = try pki.selfSigned("one", cn: "tailguard-one")
    let two = try pki.selfSigned("two", cn: "tailguard-two")
    // The files the server is told about; their content is replaced underneath it.
    let live = TestPKI.Pair(cert: harness.dir.file("live.crt"), key: harness.dir.file("live.key"))
    try FileManager.default.copyItem(atPath: one.cert, toPath: live.cert)
    try FileManager.default.copyItem(atPath: one.key, toPath: live.key)

    var configuration = harness.configuration()
    configuration.host = "127.0.0.1"
    configuration.tls = TLSFiles(cert: live.cert, key: live.key)
    try await harness.runLive(configuration) { port in
      let (status, body) = try await Self.get(port, "/healthz", trusting: one.cert)
      #expect(status == 200)
      #expect(body.contains("\"ok\""))
      #expect(try await Self.get(port, "/readyz", trusting: one.cert).0 == 200)
      // The API is behind TLS too (401 without a token, not a TLS failure).
      #expect(try await Self.get(port, "/api/v1/images", trusting: one.cert).0 == 401)
      // A client that does not trust the certificate is refused by its own verification.
      await #expect(throws: (any Error).self) {
        _ = try await Self.get(port, "/healthz", trusting: two.cert, seconds: 2)
      }
      let first = try await Self.peerCertificate(port)
      #expect(first.subject.description.contains("tailguard-one"), "\(first.subject)")

      // Renewal: the key first, then the certificate (a handshake in between keeps the old
      // pair: the new key does not match the old certificate).
      try Self.replace(live.key, with: two.key)
      #expect(try await Self.peerCertificate(port).serialNumber == first.serialNumber)
      try Self.replace(live.cert, with: two.cert)
      let second = try await Self.peerCertificate(port)
      #expect(second.subject.description.contains("tailguard-two"), "\(second.subject)")
      #expect(second.serialNumber != first.serialNumber)
      #expect(try await Self.get(port, "/healthz", trusting: two.cert).0 == 200)
      await #expect(throws: (any Error).self) {
        _ = try await Self.get(port, "/healthz", trusting: one.cert, seconds: 2)
      }

      // A broken file (a renewal gone wrong) keeps the last good pair in service.
      try Data("-----BEGIN CERTIFICATE-----\ngarbage\n".utf8).write(
        to: URL(fileURLWithPath: live.cert))
      #expect(try await Self.peerCertificate(port).serialNumber == second.serialNumber)
      #expect(try await Self.get(port, "/healthz", trusting: two.cert).0 == 200)
      // Fixed in place: served again, now the first pair.
      try Self.replace(live.key, with: one.key)
      try Self.replace(live.cert, with: one.cert)
      #expect(try await Self.peerCertificate(port).serialNumber == first.serialNumber)
    }
  }

  @Test(.enabled(if: Oracles.gate(enabled)), .timeLimit(.minutes(5)))
  func clientCertificatesAgainstTheClientCA() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-mtls")
    let pki = TestPKI(dir: harness.dir)
    let server = try pki.selfSigned("server", cn: "tailguard-server")
    let ca = try pki.ca("clients-ca")
    let good = try pki.client("alice", cn: "alice", ca: ca)
    let rogueCA = try pki.ca("rogue-ca")
    let rogue = try pki.client("mallory", cn: "mallory", ca: rogueCA)

    var configuration = harness.configuration()
    configuration.tls = TLSFiles(cert: server.cert, key: server.key, clientCA: ca.cert)
    try await harness.runLive(configuration) { port in
      // No client certificate: the handshake fails.
      await #expect(throws: (any Error).self) {
        _ = try await Self.get(port, "/healthz", trusting: server.cert)
      }
      // A certificate from another CA: refused.
      await #expect(throws: (any Error).self) {
        _ = try await Self.get(port, "/healthz", trusting: server.cert, identity: rogue)
      }
      // A certificate the client CA signed: served.
      let (status, body) = try await Self.get(
        port, "/healthz", trusting: server.cert, identity: good)
      #expect(status == 200, "\(body)")
    }
  }

  /// Every bad file stops the start with a message naming it.
  @Test(.enabled(if: Oracles.gate(enabled)), .timeLimit(.minutes(5)))
  func badCertificateAndKeyFiles() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-tlsbad")
    let pki = TestPKI(dir: harness.dir)
    let one = try pki.selfSigned("one", cn: "one")
    let two = try pki.selfSigned("two", cn: "two")
    let garbage = harness.dir.file("garbage.pem")
    try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n".utf8)
      .write(to: URL(fileURLWithPath: garbage))
    let text = harness.dir.file("text.pem")
    try Data("hello\n".utf8).write(to: URL(fileURLWithPath: text))
    let empty = harness.dir.file("empty.pem")
    #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
    let huge = harness.dir.file("huge.pem")
    try Data(repeating: 0x41, count: (1 << 20) + 1).write(to: URL(fileURLWithPath: huge))
    let missing = harness.dir.file("missing.pem")

    let cases: [(TLSFiles, [String])] = [
      (TLSFiles(cert: missing, key: one.key), ["cannot read TLS certificate file", missing]),
      (TLSFiles(cert: garbage, key: one.key), ["TLS certificate file \(garbage)"]),
      (TLSFiles(cert: text, key: one.key), ["TLS certificate file \(text)"]),
      (TLSFiles(cert: empty, key: one.key), ["TLS certificate file \(empty)"]),
      (TLSFiles(cert: huge, key: one.key), [huge, "limit of 1048576 bytes"]),
      (TLSFiles(cert: harness.dir.path, key: one.key), ["is not a regular file"]),
      (TLSFiles(cert: one.cert, key: missing), ["cannot read TLS key file", missing]),
      (TLSFiles(cert: one.cert, key: garbage), ["TLS key file \(garbage) is not"]),
      (TLSFiles(cert: one.cert, key: one.cert), ["TLS key file \(one.cert) is not"]),
      (
        TLSFiles(cert: one.cert, key: two.key),
        ["does not belong to the certificate in \(one.cert)"]
      ),
      (
        TLSFiles(cert: one.cert, key: one.key, clientCA: garbage), ["TLS client CA file \(garbage)"]
      ),
      (TLSFiles(cert: one.cert, key: one.key, clientCA: missing), ["client CA file", missing]),
    ]
    for (files, expected) in cases {
      var configuration = harness.configuration()
      configuration.tls = files
      var logger = Logger(label: "test")
      logger.logLevel = .critical
      do {
        _ = try await ServerRunner.makeApplication(
          configuration: configuration, store: harness.store, logger: logger)
        Issue.record("started with \(files)")
      } catch let error as ServerConfigError {
        for part in expected {
          #expect(error.message.contains(part), "\(files): \(error.message)")
        }
      }
    }
  }

  /// The built binary: a missing certificate ends `serve` with exit 2, naming the file, before
  /// the database is created.
  @Test(.enabled(if: Oracles.gate(TailguardCLI.binary != nil)))
  func serveExitsOnAMissingCertificate() throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-tlscli")
    let result = try TailguardCLI.run(
      [
        "serve", "--listen", "127.0.0.1:0", "--database", dir.file("s.db"),
        "--tls-cert", dir.file("nope.crt"), "--tls-key", dir.file("nope.key"),
      ], seconds: 60)
    #expect(result.status == 2, "\(result.output)")
    #expect(result.stderr.contains("cannot read TLS certificate file"), "\(result.stderr)")
    #expect(result.stderr.contains(dir.file("nope.crt")), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.file("s.db")))
  }
}
