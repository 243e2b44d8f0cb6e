import Foundation
import ImageSources
import Scanner
import TailguardServer
import TailguardTesting
import Testing

/// `tailguard serve --config FILE`: real YAML files in a temporary directory, every key, the
/// precedence of flags over the file over the defaults, and hostile files (unknown keys, wrong
/// types, negative durations, plain HTTP to a remote registry, an oversize file).
struct ServerConfigFileTests {
  /// A temporary directory with a `tailguard.yaml` (and secret files) in it.
  final class ConfigDir: Sendable {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory(prefix: "tailguard-config") }
    var path: String { dir.file("tailguard.yaml") }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
      let file = dir.file(name)
      try Data(text.utf8).write(to: URL(fileURLWithPath: file))
      return file
    }

    func load(_ yaml: String) throws -> ServerConfigFile {
      try write("tailguard.yaml", yaml)
      return try ServerConfigFile.load(path: path)
    }

    /// The error message loading YAML gives (a failed expectation when it loads).
    func failure(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws
      -> String
    {
      try write("tailguard.yaml", yaml)
      do {
        let config = try ServerConfigFile.load(path: path)
        Issue.record("loaded: \(config)", sourceLocation: sourceLocation)
        return ""
      } catch {
        return error.message
      }
    }
  }

  static let fullExample = """
    # tailguard serve --config tailguard.yaml
    listen: 0.0.0.0:8443
    database: postgres://tailguard@db.internal:5432/tailguard
    db: advisories.db
    workers: 4
    allowLocalTargets: false
    registries:
      - host: registry.internal:5000
        caFile: ca.pem
        username: robot
        passwordFile: registry-password
      - host: localhost:5001
        insecure: true
    webhooks:
      - url: https://hooks.example.com/tailguard
        secretFile: webhook-secret
        events: [finding.new, sla.breached]
      - url: http://alerts.internal:9000/in
        secret: s3cret
    sla:
      kev: 20h
      critical: 3d
      high: 30d
      medium: 90d
      low: 180d
    tls:
      cert: tls/server.crt
      key: tls/server.key
      clientCA: tls/clients-ca.pem
    advisoryUpdateInterval: 6h
    admission:
      mode: warn
      policies: [no-kev, non-root-user]
      unknownImage: allow
      timeoutSeconds: 5
      exclude:
        namespaces: [kube-system, cert-manager]
      rules:
        - namespaces: [payments]
          mode: enforce
    otel:
      endpoint: http://otel-collector:4318
    """

  @Test func fullExampleLoadsEveryKey() throws {
    let dir = try ConfigDir()
    try dir.write("registry-password", "hunter2\n")
    try dir.write("webhook-secret", "whsec-123\n")
    let config = try dir.load(Self.fullExample)
    let base = dir.dir.path
    #expect(config.listen == "0.0.0.0:8443")
    #expect(config.database == "postgres://tailguard@db.internal:5432/tailguard")
    #expect(config.db == base + "/advisories.db")
    #expect(config.workers == 4)
    #expect(config.allowLocalTargets == false)
    #expect(
      config.registries == [
        RegistryEntry(
          host: "registry.internal:5000", caFile: base + "/ca.pem", username: "robot",
          password: "hunter2", passwordFile: base + "/registry-password"),
        RegistryEntry(host: "localhost:5001", insecure: true),
      ])
    #expect(
      config.webhooks == [
        WebhookConfiguration(
          url: "https://hooks.example.com/tailguard", secret: "whsec-123",
          events: [.findingNew, .slaBreached]),
        WebhookConfiguration(
          url: "http://alerts.internal:9000/in", secret: "s3cret", events: WebhookEvent.allCases),
      ])
    #expect(
      config.sla
        == SLAPolicy(
          kev: 20 * 3600, critical: 3 * 86400, high: 30 * 86400, medium: 90 * 86400,
          low: 180 * 86400))
    #expect(
      config.tls
        == TLSFiles(
          cert: base + "/tls/server.crt", key: base + "/tls/server.key",
          clientCA: base + "/tls/clients-ca.pem"))
    #expect(config.advisoryUpdateInterval == .seconds(6 * 3600))
    #expect(
      config.admission
        == AdmissionSettings(
          mode: .warn, policies: ["no-kev", "non-root-user"], unknownImage: .allow,
          timeoutSeconds: 5, excludeNamespaces: ["kube-system", "cert-manager"],
          rules: [.init(namespaces: ["payments"], mode: .enforce)]))
    #expect(config.otel == OTelSettings(endpoint: "http://otel-collector:4318"))
  }

  @Test func emptyFileAndDefaults() throws {
    let dir = try ConfigDir()
    let empty = try dir.load("")
    #expect(empty.listen == nil && empty.registries.isEmpty && empty.sla == nil)
    let comments = try dir.load("# nothing here\n")
    #expect(comments.workers == nil)
    // Sections present but empty take their defaults.
    let sections = try dir.load("sla:\nadmission:\n")
    #expect(sections.sla == SLAPolicy())
    #expect(sections.admission == AdmissionSettings())
    #expect(SLAPolicy().kev == 20.0 * 3600)
    #expect(SLAPolicy().critical == 7.0 * 86400)
    #expect(SLAPolicy().high == 30.0 * 86400)
    #expect(SLAPolicy().medium == 90.0 * 86400)
    #expect(SLAPolicy().low == nil)
    #expect(AdmissionSettings().mode == .enforce)
    #expect(AdmissionSettings().unknownImage == .deny)
    #expect(AdmissionSettings().timeoutSeconds == 10)
    #expect(AdmissionSettings().excludeNamespaces == ["kube-system"])
    // `none` switches one class off; the others keep their defaults.
    let sla = try dir.load("sla:\n  medium: none\n  low: 45m\n")
    #expect(sla.sla == SLAPolicy(medium: nil, low: 45 * 60))
    #expect(sla.sla?.allowed(severity: .high, kev: false) == 30.0 * 86400)
    #expect(sla.sla?.allowed(severity: .low, kev: true) == 20.0 * 3600)
  }

  @Test func unknownKeysNameTheKeyAndTheFile() throws {
    let dir = try ConfigDir()
    let top = try dir.failure("listen: 127.0.0.1:8080\nlisen: 0.0.0.0:80\n")
    #expect(top.contains("unknown key 'lisen' in tailguard.yaml"), "\(top)")
    #expect(top.contains("line 2"), "\(top)")
    #expect(top.contains("did you mean 'listen'"), "\(top)")
    let nested = try dir.failure("tls:\n  cert: a.pem\n  key: b.pem\n  clientCa: c.pem\n")
    #expect(nested.contains("unknown key 'tls.clientCa' in tailguard.yaml"), "\(nested)")
    #expect(nested.contains("did you mean 'tls.clientCA'"), "\(nested)")
    let inList = try dir.failure("registries:\n  - host: r.example\n    pasword: x\n")
    #expect(inList.contains("unknown key 'registries[0].pasword'"), "\(inList)")
    let far = try dir.failure("frobnicate: 1\n")
    #expect(far == "unknown key 'frobnicate' in tailguard.yaml (line 1)", "\(far)")
    let duplicate = try dir.failure("workers: 1\nworkers: 2\n")
    // Yams refuses duplicate keys itself; the check here covers what it lets through.
    #expect(
      duplicate.contains("duplicate") && duplicate.contains("'workers'")
        && duplicate.contains("tailguard.yaml"), "\(duplicate)")
  }

  @Test(arguments: [
    ("workers: four\n", "'workers' must be an integer"),
    ("workers: \"4\"\n", "'workers' must be an integer"),
    ("workers: 65\n", "workers must be 0 to 64"),
    ("workers: -1\n", "workers must be 0 to 64"),
    ("allowLocalTargets: 1\n", "'allowLocalTargets' must be true or false"),
    ("allowLocalTargets: \"true\"\n", "'allowLocalTargets' must be true or false"),
    ("listen: [a, b]\n", "'listen' must be a string"),
    ("listen:\n", "'listen' must be a non-empty string"),
    ("listen: localhost\n", "is not HOST:PORT"),
    ("listen: 127.0.0.1:70000\n", "is not HOST:PORT"),
    ("registries:\n  host: r.example\n", "'registries' must be a list"),
    ("registries: [r.example]\n", "'registries[0]' must be a mapping"),
    ("registries:\n  - insecure: true\n", "registries[0] needs 'host'"),
    ("webhooks: {}\n", "'webhooks' must be a list"),
    ("sla: 7d\n", "'sla' must be a mapping"),
    ("sla:\n  kev: -5d\n", "'sla.kev': '-5d' is negative"),
    ("sla:\n  high: 7\n", "'sla.high': '7' needs a unit"),
    ("sla:\n  high: 7y\n", "'sla.high': '7y' is not a duration"),
    ("sla:\n  critical: 0d\n", "'sla.critical': '0d' is zero"),
    ("sla:\n  low: 99999d\n", "longer than 3650d"),
    ("advisoryUpdateInterval: -6h\n", "'advisoryUpdateInterval': '-6h' is negative"),
    ("advisoryUpdateInterval: [6h]\n", "'advisoryUpdateInterval' must be a duration"),
    ("tls:\n  cert: a.pem\n", "tls needs both 'cert' and 'key'"),
    ("tls: yes-please\n", "'tls' must be a mapping"),
    ("admission:\n  mode: block\n", "'admission.mode' is 'block', not one of enforce, warn, audit"),
    ("admission:\n  unknownImage: maybe\n", "not one of deny, allow"),
    ("admission:\n  timeoutSeconds: 60\n", "'admission.timeoutSeconds' must be 1 to 30"),
    ("admission:\n  timeoutSeconds: ten\n", "'admission.timeoutSeconds' must be an integer"),
    ("admission:\n  policies: no-kev\n", "'admission.policies' must be a list"),
    ("admission:\n  exclude:\n    namespace: [a]\n", "unknown key 'admission.exclude.namespace'"),
    (
      "admission:\n  rules:\n    - mode: warn\n",
      "admission.rules[0] needs a non-empty 'namespaces'"
    ),
    ("admission:\n  rules:\n    - namespaces: [a]\n", "admission.rules[0] needs 'mode'"),
    ("otel:\n  endpoint: collector:4318\n", "'otel.endpoint' is not an http:// or https:// URL"),
    ("otel: {}\n", "otel needs 'endpoint'"),
    ("database: mysql://db/x\n", "neither a file path nor a postgres:// or postgresql:// URL"),
    ("database: postgres:///nohost\n", "not a valid postgres:// URL with a host"),
    ("- listen\n- workers\n", "the top level must be a mapping"),
    ("listen: [unclosed\n", "tailguard.yaml is not valid YAML"),
    ("a: &x [1]\nb: *x\n", "unknown key 'a'"),
  ])
  func wrongValuesAreClearErrors(yaml: String, expected: String) throws {
    let dir = try ConfigDir()
    let message = try dir.failure(yaml)
    #expect(message.contains(expected), "\(yaml) -> \(message)")
    #expect(message.contains("tailguard.yaml"), "\(message)")
  }

  @Test func webhookValidation() throws {
    let dir = try ConfigDir()
    var m = try dir.failure("webhooks:\n  - url: ftp://x.example/h\n    secret: s\n")
    #expect(m.contains("'webhooks[0].url' is not an http:// or https:// URL with a host"), "\(m)")
    m = try dir.failure("webhooks:\n  - url: https:///nohost\n    secret: s\n")
    #expect(m.contains("'webhooks[0].url' is not an http://"), "\(m)")
    m = try dir.failure("webhooks:\n  - url: https://h.example\n")
    #expect(m.contains("webhooks[0] needs 'secret' or 'secretFile'"), "\(m)")
    m = try dir.failure(
      "webhooks:\n  - url: https://h.example\n    secret: a\n    secretFile: b\n")
    #expect(m.contains("both 'secret' and 'secretFile'"), "\(m)")
    m = try dir.failure(
      "webhooks:\n  - url: https://h.example\n    secret: a\n    events: [finding.new, image.deleted]\n"
    )
    #expect(
      m.contains("'webhooks[0].events[1]' is 'image.deleted', not one of finding.new"), "\(m)")
    m = try dir.failure("webhooks:\n  - url: https://h.example\n    secret: a\n    events: []\n")
    #expect(m.contains("'webhooks[0].events' is empty"), "\(m)")
    m = try dir.failure("webhooks:\n  - url: https://h.example\n    secretFile: missing\n")
    #expect(m.contains("'webhooks[0].secretFile'") && m.contains("missing"), "\(m)")
    try dir.write("empty-secret", "\n")
    m = try dir.failure("webhooks:\n  - url: https://h.example\n    secretFile: empty-secret\n")
    #expect(m.contains("is empty"), "\(m)")
  }

  @Test func registryValidation() throws {
    let dir = try ConfigDir()
    var m = try dir.failure("registries:\n  - host: registry.example.com\n    insecure: true\n")
    #expect(
      m.contains("'registries[0].insecure': plain HTTP is allowed only for loopback registries"),
      "\(m)")
    m = try dir.failure("registries:\n  - host: 10.0.0.5:5000\n    insecure: true\n")
    #expect(m.contains("only for loopback"), "\(m)")
    for host in ["localhost:5000", "127.0.0.1:5000", "[::1]:5000"] {
      let ok = try dir.load("registries:\n  - host: \"\(host)\"\n    insecure: true\n")
      #expect(ok.registries.first?.insecure == true)
    }
    m = try dir.failure("registries:\n  - host: r.example\n    username: robot\n")
    #expect(m.contains("registries[0] has 'username' but no 'passwordFile'"), "\(m)")
    try dir.write("pw", "secret\n")
    m = try dir.failure("registries:\n  - host: r.example\n    passwordFile: pw\n")
    #expect(m.contains("registries[0] has 'passwordFile' but no 'username'"), "\(m)")
    m = try dir.failure("registries:\n  - host: r.example\n  - host: R.example\n")
    #expect(m.contains("listed twice"), "\(m)")
    m = try dir.failure("registries:\n  - host: https://r.example/v2\n")
    #expect(m.contains("must be a registry host[:port]"), "\(m)")
    // The password file is read bounded: a huge one is refused, not read.
    try dir.write("huge-pw", String(repeating: "x", count: 70_000))
    m = try dir.failure(
      "registries:\n  - host: r.example\n    username: u\n    passwordFile: huge-pw\n")
    #expect(m.contains("larger than the limit"), "\(m)")
  }

  @Test func hostileFiles() throws {
    let dir = try ConfigDir()
    // Over 1 MiB: refused before parsing, naming the file and the limit.
    let big = "# " + String(repeating: "x", count: 1 << 20) + "\n"
    try dir.write("tailguard.yaml", big)
    let error = #expect(throws: ServerConfigError.self) {
      try ServerConfigFile.load(path: dir.path)
    }
    #expect(error?.message.contains(dir.path) == true, "\(String(describing: error))")
    #expect(error?.message.contains("limit of 1048576 bytes") == true)
    // Not a regular file, missing file, not UTF-8.
    #expect(throws: ServerConfigError.self) { try ServerConfigFile.load(path: "/dev/zero") }
    #expect(throws: ServerConfigError.self) {
      try ServerConfigFile.load(path: dir.dir.file("missing.yaml"))
    }
    #expect(throws: ServerConfigError.self) { try ServerConfigFile.load(path: dir.dir.path) }
    try Data([0x6c, 0x69, 0xff, 0xfe, 0x3a]).write(to: URL(fileURLWithPath: dir.path))
    #expect(throws: ServerConfigError.self) { try ServerConfigFile.load(path: dir.path) }
    // Deep nesting stops at the YAML parser's depth limit instead of the stack.
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    let m = try dir.failure("listen: " + deep + "\n")
    #expect(m.contains("not valid YAML") || m.contains("must be a string"), "\(m.prefix(300))")
    // Aliases cannot smuggle a list of lists into a list of strings.
    let alias = try dir.failure(
      "admission:\n  policies: &p [a, b]\n  exclude:\n    namespaces: [*p]\n")
    #expect(alias.contains("'admission.exclude.namespaces[0]' must be a string"), "\(alias)")
  }

  @Test func durations() {
    func parse(_ s: String) -> Duration? { try? ConfigDuration.parse(s).get() }
    #expect(parse("45m") == .seconds(2700))
    #expect(parse("20h") == .seconds(72000))
    #expect(parse("7d") == .seconds(604_800))
    #expect(parse("1h30m") == .seconds(5400))
    #expect(parse("90s") == .seconds(90))
    #expect(parse("3650d") == .seconds(3650 * 86400))
    for bad in ["", "h", "7", "-1h", "1.5h", "1 h", "7w", "0s", "3651d", "99999999999999999999d"] {
      #expect(parse(bad) == nil, "\(bad)")
    }
    #expect(ConfigDuration.format(.seconds(5400)) == "1h30m")
    #expect(ConfigDuration.format(.seconds(604_800)) == "7d")
  }

  // MARK: - Merge with the flags

  @Test func flagsWinOverTheFileWhichWinsOverDefaults() throws {
    let dir = try ConfigDir()
    try dir.write(
      "tailguard.yaml",
      """
      listen: 0.0.0.0:9000
      database: srv.db
      db: adv.db
      workers: 3
      allowLocalTargets: true
      advisoryUpdateInterval: 6h
      webhooks:
        - url: https://h.example/x
          secret: abc
      """)
    let env = ["XDG_DATA_HOME": dir.dir.file("data")]
    // The file over the defaults.
    var c = try ServerConfiguration.resolve(flags: ServeFlags(config: dir.path), environment: env)
    #expect(c.host == "0.0.0.0" && c.port == 9000)
    #expect(c.databasePath == dir.dir.file("srv.db"))
    #expect(c.advisories == AdvisoryChoice(path: dir.dir.file("adv.db"), named: true))
    #expect(c.workers == 3)
    #expect(c.allowLocalTargets)
    #expect(c.advisoryUpdateInterval == .seconds(6 * 3600))
    #expect(c.webhooks.map(\.url) == ["https://h.example/x"])
    #expect(c.sla == SLAPolicy())
    #expect(c.tls == nil)
    #expect(c.configFile == dir.path)
    // Flags over the file.
    c = try ServerConfiguration.resolve(
      flags: ServeFlags(
        config: dir.path, listen: "127.0.0.1:7000", database: "/tmp/other.db", db: "/tmp/a.db",
        workers: 0, advisoryUpdateInterval: "30m"),
      environment: env)
    #expect(c.host == "127.0.0.1" && c.port == 7000)
    #expect(c.databasePath == "/tmp/other.db")
    #expect(c.advisories == AdvisoryChoice(path: "/tmp/a.db", named: true))
    #expect(c.workers == 0)
    #expect(c.advisoryUpdateInterval == .seconds(1800))
    // TAILGUARD_DB sits between --db and the file.
    c = try ServerConfiguration.resolve(
      flags: ServeFlags(config: dir.path),
      environment: env.merging(["TAILGUARD_DB": "/env/adv.db"]) { $1 })
    #expect(c.advisories == AdvisoryChoice(path: "/env/adv.db", named: true))
    // No file: the defaults.
    c = try ServerConfiguration.resolve(flags: ServeFlags(), environment: env)
    #expect(c.host == "127.0.0.1" && c.port == 8080)
    #expect(c.databasePath == dir.dir.file("data") + "/tailguard/server.db")
    #expect(c.workers == 1 && !c.allowLocalTargets && c.advisoryUpdateInterval == nil)
    #expect(c.advisories.named == false)
  }

  @Test func flagValuesAreCheckedToo() throws {
    func failure(_ flags: ServeFlags) -> String {
      do {
        _ = try ServerConfiguration.resolve(flags: flags, environment: [:])
        return ""
      } catch { return "\(error)" }
    }
    #expect(failure(ServeFlags(advisoryUpdateInterval: "-1h")).contains("is negative"))
    #expect(failure(ServeFlags(advisoryUpdateInterval: "soon")).contains("not a duration"))
    #expect(failure(ServeFlags(database: "mysql://x/y")).contains("--database"))
    let redacted = failure(ServeFlags(database: "postgres://u:hunter2@/x"))
    #expect(redacted.contains("--database") && redacted.contains("***@"), "\(redacted)")
    #expect(!redacted.contains("hunter2"))
    #expect(failure(ServeFlags(tlsCert: "a.pem")).contains("--tls-cert needs --tls-key"))
    #expect(failure(ServeFlags(tlsKey: "a.pem")).contains("--tls-key needs --tls-cert"))
    #expect(failure(ServeFlags(tlsClientCA: "ca.pem")).contains("--tls-client-ca needs"))
    #expect(failure(ServeFlags(workers: 0, worker: true)).contains("--workers must be at least 1"))
    #expect(
      failure(ServeFlags(registry: RegistrySettings(insecureRegistries: ["r.example.com"])))
        .contains("loopback"))
    #expect(failure(ServeFlags(config: "/nonexistent/tailguard.yaml")).contains("/nonexistent"))
    // A postgres URL is a valid database (the store factory opens it).
    let pg = try ServerConfiguration.resolve(
      flags: ServeFlags(database: "postgresql://tailguard@127.0.0.1:5432/tg"), environment: [:])
    #expect(pg.databasePath == "postgresql://tailguard@127.0.0.1:5432/tg")
  }

  @Test func tlsFlagsMergeKeyByKey() throws {
    let dir = try ConfigDir()
    try dir.write("tailguard.yaml", "tls:\n  cert: c.pem\n  key: k.pem\n  clientCA: ca.pem\n")
    var c = try ServerConfiguration.resolve(flags: ServeFlags(config: dir.path), environment: [:])
    #expect(
      c.tls
        == TLSFiles(
          cert: dir.dir.file("c.pem"), key: dir.dir.file("k.pem"), clientCA: dir.dir.file("ca.pem"))
    )
    c = try ServerConfiguration.resolve(
      flags: ServeFlags(config: dir.path, tlsCert: "/x/new.pem", tlsKey: "/x/new.key"),
      environment: [:])
    #expect(
      c.tls == TLSFiles(cert: "/x/new.pem", key: "/x/new.key", clientCA: dir.dir.file("ca.pem")))
  }

  @Test func registryEntriesBecomeScopedCredentials() throws {
    let dir = try ConfigDir()
    try dir.write("pw-a", "alpha-pass\n")
    try dir.write("pw-b", "beta-pass")
    try dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n")
    try dir.write(
      "tailguard.yaml",
      """
      registries:
        - host: a.registry.example
          username: alice
          passwordFile: pw-a
          caFile: ca.pem
        - host: b.registry.example:5000
          username: bob
          passwordFile: pw-b
        - host: localhost:5001
          insecure: true
      """)
    let env: [String: String] = [:]
    let c = try ServerConfiguration.resolve(flags: ServeFlags(config: dir.path), environment: env)
    let registry = c.scanOptions.registry
    #expect(registry.credential == nil)
    #expect(
      try registry.credential(forRegistry: "a.registry.example")
        == .basic(username: "alice", password: "alpha-pass"))
    #expect(
      try registry.credential(forRegistry: "b.registry.example:5000")
        == .basic(username: "bob", password: "beta-pass"))
    // Credentials never go to a registry they were not given for: other hosts get what the
    // user's Docker config alone gives them.
    let plain = try RegistrySettings().configuration()
    for other in ["docker.io", "b.registry.example", "a.registry.example:5000"] {
      #expect(
        try registry.credential(forRegistry: other) == (try plain.credential(forRegistry: other)))
      #expect(
        try registry.credential(forRegistry: other)
          != .basic(username: "bob", password: "beta-pass"))
    }
    #expect(registry.insecureRegistries == ["localhost:5001"])
    #expect(registry.caFile == dir.dir.file("ca.pem"))

    // Two different CA files cannot be honoured (one extra CA file for every registry).
    try dir.write("ca2.pem", "x")
    try dir.write(
      "tailguard.yaml",
      "registries:\n  - host: a.example\n    caFile: ca.pem\n  - host: b.example\n    caFile: ca2.pem\n"
    )
    let two = #expect(throws: ServerConfigError.self) {
      try ServerConfiguration.resolve(flags: ServeFlags(config: dir.path), environment: env)
    }
    #expect(two?.message.contains("2 different caFile values in tailguard.yaml") == true)
    // A CA file that is not there.
    try dir.write("tailguard.yaml", "registries:\n  - host: a.example\n    caFile: nope.pem\n")
    let missing = #expect(throws: ServerConfigError.self) {
      try ServerConfiguration.resolve(flags: ServeFlags(config: dir.path), environment: env)
    }
    #expect(missing?.message.contains("nope.pem is not a readable file") == true)
  }

  @Test func tokenCreateFindsTheDatabaseInTheFile() throws {
    let dir = try ConfigDir()
    try dir.write("tailguard.yaml", "database: state/server.db\n")
    #expect(
      try ServerConfiguration.databasePath(flag: nil, configFile: dir.path, environment: [:])
        == dir.dir.file("state/server.db"))
    #expect(
      try ServerConfiguration.databasePath(flag: "/x.db", configFile: dir.path, environment: [:])
        == "/x.db")
    #expect(
      try ServerConfiguration.databasePath(
        flag: nil, configFile: nil, environment: ["XDG_DATA_HOME": "/d"])
        == "/d/tailguard/server.db")
  }

  /// The built binary: a bad configuration file ends `serve` at once with exit 2 and a message
  /// naming the key and the file.
  @Test(.enabled(if: Oracles.gate(TailguardCLI.binary != nil))) func serveRefusesABadFile() throws {
    let dir = try ConfigDir()
    try dir.write("tailguard.yaml", "listen: 127.0.0.1:0\nlisen: x\n")
    let result = try TailguardCLI.run(
      ["serve", "--config", dir.path, "--database", dir.dir.file("s.db")], seconds: 60)
    #expect(result.status == 2, "\(result.output)")
    #expect(
      result.stderr.contains("tailguard: error: unknown key 'lisen' in tailguard.yaml"),
      "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.dir.file("s.db")))
  }
}
