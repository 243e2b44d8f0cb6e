import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Real processes for registry tests, on 127.0.0.1 only: Debian's `docker-registry` (configured
/// here, storage in a temp dir), the harness's token server and fault-injecting proxy
/// (`Tests/RegistryHarness/`), and `skopeo` to push the planted image. Every process is started
/// under `timeout(1)` so it dies on its own even if the test crashes, and `stop()` (or deinit)
/// terminates them all.
public final class RegistryTestEnvironment: @unchecked Sendable {
  public let dir: TemporaryDirectory
  private var processes: [Process] = []
  private let lock = NSLock()

  public static let plantedLayout = SharedData.path("images/built/oci-layout")
  public static let harness = SharedData.packageRoot + "/Tests/RegistryHarness"

  public static func which(_ tool: String) -> String? { ProcessRunner.which(tool) }

  /// docker-registry, skopeo, openssl and python3 present, and the shared planted image.
  public static var toolsAvailable: Bool {
    ["docker-registry", "skopeo", "openssl", "python3", "timeout"].allSatisfy { which($0) != nil }
      && FileManager.default.fileExists(atPath: plantedLayout + "/index.json")
  }

  public init() throws { dir = try TemporaryDirectory(prefix: "tailguard-registry") }

  deinit { stop() }

  public func stop() {
    lock.lock()
    let all = processes
    processes = []
    lock.unlock()
    for p in all where p.isRunning { p.terminate() }
    for p in all {
      // Bounded: a process that ignores SIGTERM gets SIGKILL after 10 s.
      var waited = 0
      while p.isRunning, waited < 100 {
        usleep(100_000)
        waited += 1
      }
      if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    }
  }

  /// A port nobody listens on right now (bound to 0 and released).
  public static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket() failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else { throw HarnessError("bind() failed") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  public static func isListening(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    } == 0
  }

  /// Processes started from a Swift test inherit a signal mask with SIGTERM blocked (the
  /// runtime's threads block signals), so `timeout` would never see our SIGTERM: this prefix
  /// clears the mask, then execs `timeout SECONDS command…`.
  public static let unblockAndExec = [
    "-c",
    "import os,signal,sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])",
  ]

  /// Starts `args` under `timeout SECONDS`, output to `log`.
  @discardableResult
  public func spawn(_ args: [String], log: String, seconds: Int = 600) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.which("python3") ?? "/usr/bin/python3")
    p.arguments = Self.unblockAndExec + ["timeout", String(seconds)] + args
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    let handle = FileHandle(forWritingAtPath: log)
    p.standardOutput = handle
    p.standardError = handle
    try p.run()
    lock.lock()
    processes.append(p)
    lock.unlock()
    return p
  }

  /// Runs a command to completion (at most `seconds`), returning stdout; throws on failure.
  @discardableResult
  public func run(_ args: [String], seconds: Int = 120) throws -> String {
    guard let tool = args.first else { throw HarnessError("no command") }
    return try ProcessRunner.run(tool, Array(args.dropFirst()), timeout: Double(seconds))
      .checked().stdout
  }

  public func waitForPort(_ port: Int, process: Process, log: String) throws {
    for _ in 0..<150 {
      if Self.isListening(port) { return }
      guard process.isRunning else {
        throw HarnessError(
          "process exited early: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
      }
      usleep(100_000)
    }
    throw HarnessError("nothing listening on 127.0.0.1:\(port) after 15 s")
  }

  public func waitForPortFile(_ path: String, process: Process, log: String) throws -> Int {
    for _ in 0..<300 {
      if let text = try? String(contentsOfFile: path, encoding: .utf8),
        let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
      {
        return port
      }
      guard process.isRunning else {
        throw HarnessError(
          "process exited early: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
      }
      usleep(100_000)
    }
    throw HarnessError("no port file \(path) after 30 s")
  }

  public enum Auth {
    case none
    case htpasswd(user: String, password: String)
    case token(realm: String, service: String, issuer: String, rootCert: String)
  }

  /// Starts a registry on a free loopback port (never 5000, which Debian's service may hold).
  public func startRegistry(
    name: String = "registry", auth: Auth = .none, tls: (cert: String, key: String)? = nil,
    storage: String? = nil
  ) throws -> Int {
    var port = try Self.freePort()
    while port == 5000 { port = try Self.freePort() }
    let storage = storage ?? dir.file("\(name)-storage")
    try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
    var config = """
      version: 0.1
      log:
        level: info
        accesslog:
          disabled: false
      storage:
        filesystem:
          rootdirectory: \(storage)
        delete:
          enabled: true
      http:
        addr: 127.0.0.1:\(port)
        secret: tailguard-test-secret

      """
    if let tls {
      config += "  tls:\n    certificate: \(tls.cert)\n    key: \(tls.key)\n"
    }
    switch auth {
    case .none: break
    case .htpasswd(let user, let password):
      let file = dir.file("\(name).htpasswd")
      let hash = try run([
        "python3", "-W", "ignore", "-c",
        "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))",
        password,
      ]).trimmingCharacters(in: .whitespacesAndNewlines)
      try "\(user):\(hash)\n".write(toFile: file, atomically: false, encoding: .utf8)
      config += "auth:\n  htpasswd:\n    realm: tailguard-test\n    path: \(file)\n"
    case .token(let realm, let service, let issuer, let rootCert):
      config +=
        "auth:\n  token:\n    realm: \(realm)\n    service: \(service)\n    issuer: \(issuer)\n    rootcertbundle: \(rootCert)\n"
    }
    let configPath = dir.file("\(name).yml")
    try config.write(toFile: configPath, atomically: false, encoding: .utf8)
    let log = dir.file("\(name).log")
    let p = try spawn(["docker-registry", "serve", configPath], log: log)
    try waitForPort(port, process: p, log: log)
    return port
  }

  /// A self-signed CA and a server certificate for 127.0.0.1 signed by it.
  public func makeTLS() throws -> (ca: String, cert: String, key: String) {
    let ca = dir.file("ca.pem")
    let caKey = dir.file("ca.key")
    let key = dir.file("server.key")
    let csr = dir.file("server.csr")
    let cert = dir.file("server.pem")
    let ext = dir.file("server.ext")
    try run([
      "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout", caKey, "-out", ca, "-days", "2", "-subj", "/CN=tailguard test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ])
    try run([
      "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key,
      "-out", csr, "-subj", "/CN=127.0.0.1",
    ])
    try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".write(
      toFile: ext, atomically: false, encoding: .utf8)
    try run([
      "openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out",
      cert, "-days",
      "2", "-extfile", ext,
    ])
    return (ca, cert, key)
  }

  /// Starts the harness token server with a fresh ES256 key; returns its port and certificate.
  public func startTokenServer(
    service: String, issuer: String, users: [String], refreshToken: String? = nil,
    anonymousPull: Bool = false,
    ttl: Int = 300, claimedExpiresIn: Int? = nil, name: String = "token"
  ) throws -> (port: Int, cert: String) {
    // One signing key per test directory, shared by every token server of the test.
    let key = dir.file("token.key")
    let cert = dir.file("token.pem")
    if !FileManager.default.fileExists(atPath: cert) {
      try run([
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=tailguard token signer",
      ])
    }
    var args = [
      "python3", Self.harness + "/token_server.py", "--key", key, "--cert", cert, "--issuer",
      issuer, "--service",
      service, "--ttl=\(ttl)", "--port-file", dir.file("\(name).port"), "--timeout", "590",
    ]
    for u in users { args += ["--user", u] }
    if let refreshToken { args += ["--refresh-token", refreshToken] }
    if anonymousPull { args.append("--anonymous-pull") }
    if let claimedExpiresIn { args += ["--claimed-expires-in", String(claimedExpiresIn)] }
    let log = dir.file("\(name).log")
    let p = try spawn(args, log: log)
    let port = try waitForPortFile(dir.file("\(name).port"), process: p, log: log)
    try waitForPort(port, process: p, log: log)
    return (port, cert)
  }

  /// Starts the fault-injecting proxy in front of `upstreamPort`.
  public func startFaultProxy(upstreamPort: Int) throws -> Int {
    let portFile = dir.file("proxy.port")
    let log = dir.file("proxy.log")
    let p = try spawn(
      [
        "python3", Self.harness + "/fault_proxy.py", "--upstream",
        "http://127.0.0.1:\(upstreamPort)", "--port-file",
        portFile, "--timeout", "590",
      ], log: log)
    let port = try waitForPortFile(portFile, process: p, log: log)
    try waitForPort(port, process: p, log: log)
    return port
  }

  /// `skopeo copy` of a tag of the shared OCI layout into the registry.
  public func push(
    tag: String = "planted", to destination: String, v2s2: Bool = false, credentials: String? = nil,
    caDir: String? = nil
  ) throws {
    var args = ["skopeo", "copy", "-q"]
    if let caDir {
      args += ["--dest-cert-dir", caDir]
    } else {
      args.append("--dest-tls-verify=false")
    }
    if let credentials { args += ["--dest-creds", credentials] }
    if v2s2 { args += ["--format", "v2s2"] }
    args += ["oci:\(Self.plantedLayout):\(tag)", "docker://\(destination)"]
    try run(args)
  }

  /// Sends a control request to the fault proxy (`/__fault?…`, `/__reset`, `/__stats`).
  public static func proxyControl(_ port: Int, _ pathAndQuery: String, method: String = "POST")
    throws
    -> Data
  {
    let r = try ProcessRunner.run(
      "python3",
      [
        "-c",
        "import sys,urllib.request; r=urllib.request.Request(sys.argv[1], method=sys.argv[2], data=b'' if sys.argv[2]=='POST' else None); sys.stdout.buffer.write(urllib.request.urlopen(r, timeout=10).read())",
        "http://127.0.0.1:\(port)\(pathAndQuery)", method,
      ], timeout: 30)
    guard r.status == 0 else { throw HarnessError("proxy control \(pathAndQuery) failed") }
    return Data(r.stdoutBytes)
  }

  public struct ProxyRequest: Decodable {
    public var method: String
    public var path: String
    public var status: Int
    public var range: String?
    public var fault: String?
    public var host: String?
    public var auth: Bool
  }

  public static func proxyStats(_ port: Int) throws -> [ProxyRequest] {
    struct Stats: Decodable { var requests: [ProxyRequest] }
    return try JSONDecoder().decode(Stats.self, from: proxyControl(port, "/__stats", method: "GET"))
      .requests
  }
}

public struct HarnessError: Error, CustomStringConvertible {
  public var description: String
  public init(_ d: String) { description = d }
}
