import ByteFormats
import Foundation
import ImageSources
import Scanner
import TailguardModel
import Yams

/// A configuration problem: a file that does not parse, an unknown key, a value of the wrong
/// type or out of range, a flag that contradicts the rules. The message names the file and the
/// key (and the line when the YAML parser knows it); the tool exits non-zero with it.
public struct ServerConfigError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
  public var exitStatus: ExitStatus { .couldNotRun }
}

// MARK: - Value types the configuration holds

/// A duration as written in the configuration: one or more `<integer><unit>` parts with units
/// `s`, `m`, `h`, `d` (`45m`, `20h`, `7d`, `1h30m`). Never negative or zero; at most 3650 days.
public enum ConfigDuration {
  public static let maximumSeconds: Int64 = 3650 * 86_400

  /// The duration of TEXT, or an error message saying what is wrong (without the key name).
  public static func parse(_ text: String) -> Result<Duration, ServerConfigError> {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.hasPrefix("-") {
      return .failure(ServerConfigError("'\(trimmed.prefix(40))' is negative"))
    }
    guard !trimmed.isEmpty, trimmed.utf8.count <= 40 else {
      return .failure(ServerConfigError("'\(trimmed.prefix(40))' is not a duration"))
    }
    var total: Int64 = 0
    var digits = ""
    var sawPart = false
    for character in trimmed {
      if character.isASCII, character.isNumber {
        digits.append(character)
        continue
      }
      let unit: Int64
      switch character {
      case "s": unit = 1
      case "m": unit = 60
      case "h": unit = 3600
      case "d": unit = 86_400
      default:
        return .failure(
          ServerConfigError(
            "'\(trimmed)' is not a duration (use a number and a unit s, m, h or d, like 45m, 20h, 7d)"
          ))
      }
      guard let n = Int64(digits), n <= maximumSeconds else {
        return .failure(ServerConfigError("'\(trimmed)' is not a duration"))
      }
      total += n * unit
      guard total <= maximumSeconds else {
        return .failure(ServerConfigError("'\(trimmed)' is longer than 3650d"))
      }
      digits = ""
      sawPart = true
    }
    guard digits.isEmpty, sawPart else {
      return .failure(
        ServerConfigError(
          "'\(trimmed)' needs a unit (s, m, h or d, like 45m, 20h, 7d)"))
    }
    guard total > 0 else { return .failure(ServerConfigError("'\(trimmed)' is zero")) }
    return .success(.seconds(total))
  }

  /// `7d`, `20h`, `1h30m`: the shortest text that parses back to DURATION (whole seconds).
  public static func format(_ duration: Duration) -> String {
    var seconds = duration.components.seconds
    if seconds <= 0 { return "0s" }
    var out = ""
    for (unit, name) in [(Int64(86_400), "d"), (3600, "h"), (60, "m"), (1, "s")]
    where seconds >= unit {
      out += "\(seconds / unit)\(name)"
      seconds %= unit
    }
    return out
  }
}

/// One registry entry of the configuration file.
public struct RegistryEntry: Sendable, Hashable {
  public var host: String
  public var insecure: Bool
  public var caFile: String?
  public var username: String?
  /// Read from `passwordFile` when the file is loaded; never written back or logged.
  public var password: String?
  public var passwordFile: String?

  public init(
    host: String, insecure: Bool = false, caFile: String? = nil, username: String? = nil,
    password: String? = nil, passwordFile: String? = nil
  ) {
    self.host = host
    self.insecure = insecure
    self.caFile = caFile
    self.username = username
    self.password = password
    self.passwordFile = passwordFile
  }
}

/// A webhook destination from the configuration file (delivery is the dispatcher's job).
public struct WebhookConfiguration: Sendable, Hashable {
  public var url: String
  /// The signing secret (from `secret`, or read from `secretFile`).
  public var secret: String
  public var events: [WebhookEvent]
  public init(url: String, secret: String, events: [WebhookEvent] = WebhookEvent.allCases) {
    self.url = url
    self.secret = secret
    self.events = events
  }
}

/// Certificate and key files for HTTPS, and optionally the CA that client certificates must
/// chain to (mutual TLS).
public struct TLSFiles: Sendable, Hashable {
  public var cert: String
  public var key: String
  public var clientCA: String?
  public init(cert: String, key: String, clientCA: String? = nil) {
    self.cert = cert
    self.key = key
    self.clientCA = clientCA
  }
}

/// The admission controller's settings (parsed and kept here; the admission endpoint uses them).
public struct AdmissionSettings: Sendable, Hashable {
  public enum Mode: String, Sendable, Hashable, CaseIterable {
    case enforce, warn, audit
  }
  public enum UnknownImage: String, Sendable, Hashable, CaseIterable {
    case deny, allow
  }
  /// A per-namespace mode.
  public struct Rule: Sendable, Hashable {
    public var namespaces: [String]
    public var mode: Mode
    public init(namespaces: [String], mode: Mode) {
      self.namespaces = namespaces
      self.mode = mode
    }
  }

  public var mode: Mode
  public var policies: [String]
  public var unknownImage: UnknownImage
  public var timeoutSeconds: Int
  public var excludeNamespaces: [String]
  public var rules: [Rule]
  /// What a review that cannot be understood gets (no request, an unknown kind with a pod
  /// spec): `deny`, or `allow` with a warning.
  public var onError: UnknownImage
  /// How long a tag's resolved digest is reused before the registry is asked again.
  public var tagCacheTTL: Duration

  public init(
    mode: Mode = .enforce, policies: [String] = [], unknownImage: UnknownImage = .deny,
    timeoutSeconds: Int = 10, excludeNamespaces: [String] = ["kube-system"], rules: [Rule] = [],
    onError: UnknownImage = .deny, tagCacheTTL: Duration = .seconds(30)
  ) {
    self.mode = mode
    self.policies = policies
    self.unknownImage = unknownImage
    self.timeoutSeconds = timeoutSeconds
    self.excludeNamespaces = excludeNamespaces
    self.rules = rules
    self.onError = onError
    self.tagCacheTTL = tagCacheTTL
  }

  /// The mode for NAMESPACE: the first rule naming it (a name ending in `*` is a prefix), else
  /// `mode`.
  public func mode(for namespace: String?) -> Mode {
    let ns = namespace ?? ""
    for rule in rules {
      for name in rule.namespaces {
        if name == ns || (name.hasSuffix("*") && ns.hasPrefix(name.dropLast())) { return rule.mode }
      }
    }
    return mode
  }

  /// The answer is due this long after the request arrived: `timeoutSeconds` less a margin
  /// (a quarter of it, at most two seconds) for the network and the API server.
  public var deadline: Duration {
    let total = Double(timeoutSeconds)
    return .milliseconds(Int((total - min(2, total / 4)) * 1000))
  }
}

/// OpenTelemetry export settings (kept for the tracing setup).
public struct OTelSettings: Sendable, Hashable {
  public var endpoint: String
  public init(endpoint: String) { self.endpoint = endpoint }
}

// MARK: - The file

/// What a `tailguard serve --config FILE` YAML file says. Every key is optional; relative paths
/// in it are relative to the file's directory. Unknown keys, wrong types and out-of-range values
/// are errors naming the key and the file.
public struct ServerConfigFile: Sendable, Hashable {
  public var path: String
  public var listen: String?
  public var database: String?
  public var db: String?
  public var workers: Int?
  public var allowLocalTargets: Bool?
  public var registries: [RegistryEntry] = []
  public var webhooks: [WebhookConfiguration] = []
  public var sla: SLAPolicy?
  public var tls: TLSFiles?
  public var advisoryUpdateInterval: Duration?
  public var admission: AdmissionSettings?
  public var otel: OTelSettings?

  public init(path: String) { self.path = path }

  /// The largest configuration file read (1 MiB).
  public static let maxFileBytes = 1 << 20
  /// The largest secret or password file read (64 KiB).
  public static let maxSecretBytes = 64 << 10

  static let topKeys = [
    "listen", "database", "db", "workers", "allowLocalTargets", "registries", "webhooks", "sla",
    "tls", "advisoryUpdateInterval", "admission", "otel",
  ]

  /// Reads and parses the file at PATH (at most 1 MiB; secret files it names are read too).
  public static func load(path: String) throws(ServerConfigError) -> ServerConfigFile {
    let bytes: [UInt8]
    do throws(ByteFormatError) {
      bytes = try BoundedFile.read(path: path, limit: maxFileBytes)
    } catch {
      throw ServerConfigError("cannot read configuration file: \(error.message)")
    }
    guard let text = String(bytes: bytes, encoding: .utf8) else {
      throw ServerConfigError("configuration file \(path) is not UTF-8 text")
    }
    return try parse(text, path: path)
  }

  /// Parses TEXT as the configuration file at PATH (PATH names it in errors and anchors relative
  /// paths).
  public static func parse(_ text: String, path: String) throws(ServerConfigError)
    -> ServerConfigFile
  {
    let name = (path as NSString).lastPathComponent
    let base = (path as NSString).deletingLastPathComponent
    let reader = ConfigReader(file: name, baseDirectory: base)
    let root: Node?
    do { root = try Yams.compose(yaml: text) } catch {
      throw ServerConfigError("\(name) is not valid YAML: \(error)")
    }
    var config = ServerConfigFile(path: path)
    guard let root else { return config }  // empty file: every default
    if case .scalar = root, ConfigReader.tag(root, .null) { return config }
    let top = try reader.mapping(root, "", allowed: topKeys)
    for (key, value) in top {
      switch key {
      case "listen":
        let listen = try reader.string(value, key)
        guard ServerConfiguration.parseListen(listen) != nil else {
          throw reader.error(value, "listen '\(listen.prefix(100))' is not HOST:PORT")
        }
        config.listen = listen
      case "database":
        let database = try reader.string(value, key)
        if let problem = ServerConfiguration.databaseProblem(database) {
          throw reader.error(value, "database: \(problem)")
        }
        config.database = DatabaseURL.isURL(database) ? database : reader.resolve(database)
      case "db": config.db = reader.resolve(try reader.string(value, key))
      case "workers":
        let workers = try reader.int(value, key)
        guard (0...64).contains(workers) else {
          throw reader.error(value, "workers must be 0 to 64, not \(workers)")
        }
        config.workers = workers
      case "allowLocalTargets": config.allowLocalTargets = try reader.bool(value, key)
      case "registries": config.registries = try reader.registries(value)
      case "webhooks": config.webhooks = try reader.webhooks(value)
      case "sla": config.sla = try reader.sla(value)
      case "tls": config.tls = try reader.tls(value)
      case "advisoryUpdateInterval":
        config.advisoryUpdateInterval = try reader.duration(value, key)
      case "admission": config.admission = try reader.admission(value)
      case "otel":
        let map = try reader.mapping(value, "otel", allowed: ["endpoint"])
        for (k, v) in map where k == "endpoint" {
          config.otel = OTelSettings(endpoint: try reader.url(v, "otel.endpoint"))
        }
        if config.otel == nil { throw reader.error(value, "otel needs 'endpoint'") }
      default: break  // unreachable: mapping() refused unknown keys
      }
    }
    return config
  }
}

/// `postgres://` / `postgresql://` database URLs (the rest of `database` is a file path).
enum DatabaseURL {
  static func isURL(_ text: String) -> Bool { text.contains("://") }

  static func isPostgres(_ text: String) -> Bool {
    let lower = text.lowercased()
    return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
  }

  /// TEXT with any `user:password@` replaced by `***@`, for messages.
  static func redacted(_ text: String) -> String {
    guard let scheme = text.range(of: "://") else { return text }
    let rest = text[scheme.upperBound...]
    guard let at = rest.firstIndex(of: "@") else { return String(text.prefix(200)) }
    return String((text[..<scheme.upperBound] + "***" + rest[at...]).prefix(200))
  }
}

extension ServerConfiguration {
  /// Why DATABASE cannot name the server database (nil when it can): a file path, or a
  /// `postgres://` / `postgresql://` URL with a host.
  static func databaseProblem(_ database: String) -> String? {
    if database.isEmpty { return "the database is empty" }
    if database.utf8.count > 4096 { return "the database is longer than 4096 bytes" }
    if database.contains("\0") { return "the database contains a NUL byte" }
    guard DatabaseURL.isURL(database) else { return nil }
    guard DatabaseURL.isPostgres(database) else {
      return
        "'\(DatabaseURL.redacted(database))' is neither a file path nor a postgres:// or postgresql:// URL"
    }
    guard let url = URLComponents(string: database), let host = url.host, !host.isEmpty else {
      return "'\(DatabaseURL.redacted(database))' is not a valid postgres:// URL with a host"
    }
    return nil
  }
}

// MARK: - Reading YAML nodes strictly

/// Typed access to YAML nodes with errors naming the key path, the file and the line.
struct ConfigReader {
  let file: String
  let baseDirectory: String

  /// MESSAGE in FILE (line N)[; HINT].
  func error(_ node: Node?, _ message: String, hint: String? = nil) -> ServerConfigError {
    var text = "\(message) in \(file)"
    if let line = node?.mark?.line { text += " (line \(line))" }
    if let hint { text += "; \(hint)" }
    return ServerConfigError(text)
  }

  /// A path from the file, anchored at the file's directory when relative.
  func resolve(_ path: String) -> String {
    if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
    if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
    return (baseDirectory as NSString).appendingPathComponent(path)
  }

  static func join(_ prefix: String, _ key: String) -> String {
    prefix.isEmpty ? key : prefix + "." + key
  }

  /// The pairs of a mapping, in file order; refuses unknown and duplicate keys.
  func mapping(_ node: Node, _ path: String, allowed: [String]) throws(ServerConfigError)
    -> [(String, Node)]
  {
    guard case .mapping(let mapping) = node else {
      throw error(node, "\(path.isEmpty ? "the top level" : "'\(path)'") must be a mapping of keys")
    }
    var seen: Set<String> = []
    var out: [(String, Node)] = []
    for (keyNode, value) in mapping {
      guard case .scalar(let scalar) = keyNode else {
        throw error(keyNode, "a key of '\(path.isEmpty ? "the top level" : path)' is not a string")
      }
      let key = scalar.string
      let full = Self.join(path, key)
      guard allowed.contains(key) else {
        let hint = Self.closest(key, in: allowed).map { "did you mean '\(Self.join(path, $0))'?" }
        throw error(keyNode, "unknown key '\(full.prefix(100))'", hint: hint)
      }
      guard seen.insert(key).inserted else {
        throw error(keyNode, "duplicate key '\(full)'")
      }
      out.append((key, value))
    }
    return out
  }

  /// The allowed key closest to KEY by edit distance, when it is close (a likely typo).
  static func closest(_ key: String, in allowed: [String]) -> String? {
    let a = Array(key.lowercased().prefix(64))
    var best: (String, Int)?
    for candidate in allowed {
      let b = Array(candidate.lowercased())
      var row = Array(0...b.count)
      for i in 1...max(1, a.count) where !a.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in 1...max(1, b.count) where !b.isEmpty {
          let saved = row[j]
          row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
          previous = saved
        }
      }
      let distance = a.isEmpty ? b.count : row[b.count]
      if distance <= max(1, b.count / 3), best == nil || distance < best!.1 {
        best = (candidate, distance)
      }
    }
    return best?.0
  }

  /// Whether NODE's resolved tag is NAME (`!!null`, `!!int`, …).
  static func tag(_ node: Node, _ name: Tag.Name) -> Bool { node.tag.rawValue == name.rawValue }

  func isNull(_ node: Node) -> Bool {
    if case .scalar = node, ConfigReader.tag(node, .null) { return true }
    return false
  }

  /// A non-empty string scalar (numbers are taken as written; null, lists and maps are not).
  func string(_ node: Node, _ path: String) throws(ServerConfigError) -> String {
    guard case .scalar(let scalar) = node else {
      throw error(node, "'\(path)' must be a string")
    }
    guard !isNull(node), !scalar.string.isEmpty else {
      throw error(node, "'\(path)' must be a non-empty string")
    }
    guard scalar.string.utf8.count <= 4096 else {
      throw error(node, "'\(path)' is longer than 4096 bytes")
    }
    return scalar.string
  }

  func int(_ node: Node, _ path: String) throws(ServerConfigError) -> Int {
    guard case .scalar = node, ConfigReader.tag(node, .int), let value = node.int else {
      throw error(node, "'\(path)' must be an integer")
    }
    return value
  }

  func bool(_ node: Node, _ path: String) throws(ServerConfigError) -> Bool {
    guard case .scalar = node, ConfigReader.tag(node, .bool), let value = node.bool else {
      throw error(node, "'\(path)' must be true or false")
    }
    return value
  }

  func duration(_ node: Node, _ path: String) throws(ServerConfigError) -> Duration {
    guard case .scalar(let scalar) = node, !isNull(node) else {
      throw error(node, "'\(path)' must be a duration like 45m, 20h or 7d")
    }
    switch ConfigDuration.parse(scalar.string) {
    case .success(let duration): return duration
    case .failure(let problem): throw error(node, "'\(path)': \(problem.message)")
    }
  }

  /// A list (null: empty); at most LIMIT items.
  func list(_ node: Node, _ path: String, limit: Int = 1000) throws(ServerConfigError) -> [Node] {
    if isNull(node) { return [] }
    guard case .sequence(let sequence) = node else {
      throw error(node, "'\(path)' must be a list")
    }
    guard sequence.count <= limit else {
      throw error(node, "'\(path)' has more than \(limit) items")
    }
    return Array(sequence)
  }

  func strings(_ node: Node, _ path: String) throws(ServerConfigError) -> [String] {
    var out: [String] = []
    for (i, item) in try list(node, path).enumerated() {
      out.append(try string(item, "\(path)[\(i)]"))
    }
    return out
  }

  func enumValue<T: RawRepresentable & CaseIterable>(_ node: Node, _ path: String, _: T.Type)
    throws(ServerConfigError) -> T where T.RawValue == String
  {
    let text = try string(node, path)
    guard let value = T(rawValue: text) else {
      let names = T.allCases.map(\.rawValue).joined(separator: ", ")
      throw error(node, "'\(path)' is '\(text.prefix(40))', not one of \(names)")
    }
    return value
  }

  /// An `http://` or `https://` URL with a host.
  func url(_ node: Node, _ path: String) throws(ServerConfigError) -> String {
    let text = try string(node, path)
    guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
    else {
      throw error(node, "'\(path)' is not an http:// or https:// URL with a host")
    }
    return text
  }

  /// The contents of a secret file (at most 64 KiB, one trailing newline dropped).
  func secretFile(_ node: Node, _ path: String) throws(ServerConfigError) -> (String, String) {
    let file = resolve(try string(node, path))
    let bytes: [UInt8]
    do throws(ByteFormatError) {
      bytes = try BoundedFile.read(path: file, limit: ServerConfigFile.maxSecretBytes)
    } catch {
      throw self.error(node, "'\(path)': \(error.message)")
    }
    guard var text = String(bytes: bytes, encoding: .utf8) else {
      throw self.error(node, "'\(path)': \(file) is not UTF-8 text")
    }
    if text.hasSuffix("\r\n") {
      text.removeLast(2)
    } else if text.hasSuffix("\n") {
      text.removeLast()
    }
    guard !text.isEmpty else { throw self.error(node, "'\(path)': \(file) is empty") }
    return (file, text)
  }

  // MARK: Sections

  func registries(_ node: Node) throws(ServerConfigError) -> [RegistryEntry] {
    var out: [RegistryEntry] = []
    for (i, item) in try list(node, "registries", limit: 100).enumerated() {
      let path = "registries[\(i)]"
      let map = try mapping(
        item, path, allowed: ["host", "insecure", "caFile", "username", "passwordFile"])
      var entry = RegistryEntry(host: "")
      var passwordNode: Node?
      for (key, value) in map {
        let keyPath = "\(path).\(key)"
        switch key {
        case "host": entry.host = try string(value, keyPath)
        case "insecure": entry.insecure = try bool(value, keyPath)
        case "caFile": entry.caFile = resolve(try string(value, keyPath))
        case "username": entry.username = try string(value, keyPath)
        case "passwordFile":
          passwordNode = value
          let (file, password) = try secretFile(value, keyPath)
          entry.passwordFile = file
          entry.password = password
        default: break
        }
      }
      guard !entry.host.isEmpty else { throw error(item, "\(path) needs 'host'") }
      guard !entry.host.contains("/"), !entry.host.contains(" ") else {
        throw error(
          item, "'\(path).host' must be a registry host[:port], not '\(entry.host.prefix(100))'")
      }
      if entry.username != nil, entry.password == nil {
        throw error(item, "\(path) has 'username' but no 'passwordFile'")
      }
      if entry.password != nil, entry.username == nil {
        throw error(passwordNode, "\(path) has 'passwordFile' but no 'username'")
      }
      if entry.insecure, !ServerConfiguration.isLoopbackRegistry(entry.host) {
        throw error(
          item,
          "'\(path).insecure': plain HTTP is allowed only for loopback registries (localhost, 127.0.0.0/8, [::1]), not \(entry.host.prefix(100))"
        )
      }
      if let other = out.first(where: { $0.host.lowercased() == entry.host.lowercased() }) {
        throw error(item, "'\(path).host' \(other.host) is listed twice")
      }
      out.append(entry)
    }
    return out
  }

  func webhooks(_ node: Node) throws(ServerConfigError) -> [WebhookConfiguration] {
    var out: [WebhookConfiguration] = []
    for (i, item) in try list(node, "webhooks", limit: 100).enumerated() {
      let path = "webhooks[\(i)]"
      let map = try mapping(item, path, allowed: ["url", "secret", "secretFile", "events"])
      var url: String?
      var secret: String?
      var events: [WebhookEvent]?
      for (key, value) in map {
        let keyPath = "\(path).\(key)"
        switch key {
        case "url": url = try self.url(value, keyPath)
        case "secret", "secretFile":
          if secret != nil { throw error(value, "\(path) has both 'secret' and 'secretFile'") }
          if key == "secret" {
            secret = try string(value, keyPath)
          } else {
            secret = try secretFile(value, keyPath).1
          }
        case "events":
          var list: [WebhookEvent] = []
          for (j, e) in try self.list(value, keyPath, limit: 64).enumerated() {
            let event = try enumValue(e, "\(keyPath)[\(j)]", WebhookEvent.self)
            if !list.contains(event) { list.append(event) }
          }
          guard !list.isEmpty else {
            throw error(value, "'\(keyPath)' is empty (leave it out for every event)")
          }
          events = list
        default: break
        }
      }
      guard let url else { throw error(item, "\(path) needs 'url'") }
      guard let secret else { throw error(item, "\(path) needs 'secret' or 'secretFile'") }
      out.append(
        WebhookConfiguration(url: url, secret: secret, events: events ?? WebhookEvent.allCases))
    }
    return out
  }

  func sla(_ node: Node) throws(ServerConfigError) -> SLAPolicy {
    var policy = SLAPolicy()
    if isNull(node) { return policy }
    for (key, value) in try mapping(
      node, "sla", allowed: ["kev", "critical", "high", "medium", "low"])
    {
      // `none` (or null) turns the SLA of that class off.
      let window: TimeInterval?
      if isNull(value) || value.scalar?.string.lowercased() == "none" {
        window = nil
      } else {
        let d = try duration(value, "sla.\(key)")
        window = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
      }
      switch key {
      case "kev": policy.kev = window
      case "critical": policy.critical = window
      case "high": policy.high = window
      case "medium": policy.medium = window
      case "low": policy.low = window
      default: break
      }
    }
    return policy
  }

  func tls(_ node: Node) throws(ServerConfigError) -> TLSFiles? {
    if isNull(node) { return nil }
    var cert: String?
    var key: String?
    var clientCA: String?
    for (k, value) in try mapping(node, "tls", allowed: ["cert", "key", "clientCA"]) {
      let path = resolve(try string(value, "tls.\(k)"))
      switch k {
      case "cert": cert = path
      case "key": key = path
      case "clientCA": clientCA = path
      default: break
      }
    }
    guard let cert, let key else { throw error(node, "tls needs both 'cert' and 'key'") }
    return TLSFiles(cert: cert, key: key, clientCA: clientCA)
  }

  func admission(_ node: Node) throws(ServerConfigError) -> AdmissionSettings {
    var settings = AdmissionSettings()
    if isNull(node) { return settings }
    let keys = [
      "mode", "policies", "unknownImage", "timeoutSeconds", "exclude", "rules", "onError",
      "tagCacheTTL",
    ]
    for (key, value) in try mapping(node, "admission", allowed: keys) {
      let path = "admission.\(key)"
      switch key {
      case "mode": settings.mode = try enumValue(value, path, AdmissionSettings.Mode.self)
      case "policies": settings.policies = try strings(value, path)
      case "unknownImage":
        settings.unknownImage = try enumValue(value, path, AdmissionSettings.UnknownImage.self)
      case "onError":
        settings.onError = try enumValue(value, path, AdmissionSettings.UnknownImage.self)
      case "tagCacheTTL":
        switch ConfigDuration.parse(try string(value, path)) {
        case .success(let d): settings.tagCacheTTL = d
        case .failure(let problem): throw error(value, "'\(path)': \(problem.message)")
        }
      case "timeoutSeconds":
        let seconds = try int(value, path)
        // The Kubernetes API server allows 1 to 30 seconds for a webhook.
        guard (1...30).contains(seconds) else {
          throw error(value, "'\(path)' must be 1 to 30, not \(seconds)")
        }
        settings.timeoutSeconds = seconds
      case "exclude":
        settings.excludeNamespaces = []
        for (k, v) in try mapping(value, path, allowed: ["namespaces"]) where k == "namespaces" {
          settings.excludeNamespaces = try strings(v, "\(path).namespaces")
        }
      case "rules":
        settings.rules = []
        for (i, item) in try list(value, path, limit: 1000).enumerated() {
          let rulePath = "\(path)[\(i)]"
          var namespaces: [String]?
          var mode: AdmissionSettings.Mode?
          for (k, v) in try mapping(item, rulePath, allowed: ["namespaces", "mode"]) {
            if k == "namespaces" { namespaces = try strings(v, "\(rulePath).namespaces") }
            if k == "mode" {
              mode = try enumValue(v, "\(rulePath).mode", AdmissionSettings.Mode.self)
            }
          }
          guard let namespaces, !namespaces.isEmpty else {
            throw error(item, "\(rulePath) needs a non-empty 'namespaces' list")
          }
          guard let mode else { throw error(item, "\(rulePath) needs 'mode'") }
          settings.rules.append(.init(namespaces: namespaces, mode: mode))
        }
      default: break
      }
    }
    return settings
  }
}

// MARK: - Flags and the merge

/// What `tailguard serve` was given on its command line (nil: not given). The executable only
/// fills this in; `ServerConfiguration.resolve` merges it over the file over the defaults.
public struct ServeFlags: Sendable {
  public var config: String?
  public var listen: String?
  public var database: String?
  public var db: String?
  public var workers: Int?
  /// `--allow-local-targets` (the flag can only turn it on).
  public var allowLocalTargets: Bool
  public var lease: TimeInterval
  /// `--insecure-registry`, `--ca-file`, `--username`/`--password-stdin`, `--platform`.
  public var registry: RegistrySettings
  public var tlsCert: String?
  public var tlsKey: String?
  public var tlsClientCA: String?
  public var advisoryUpdateInterval: String?
  /// Re-match when the advisory database file changes (`--no-advisory-watch` turns it off).
  public var advisoryWatch: Bool
  public var worker: Bool
  /// `--otel-endpoint`: the OTLP/HTTP collector traces go to (wins over the file's `otel`).
  public var otelEndpoint: String?
  /// `--policy PACK|PATH` (repeatable): admission policies, after the file's
  /// `admission.policies`; any turns the admission endpoints on.
  public var policies: [String]

  public init(
    config: String? = nil, listen: String? = nil, database: String? = nil, db: String? = nil,
    workers: Int? = nil, allowLocalTargets: Bool = false, lease: TimeInterval = 60,
    registry: RegistrySettings = RegistrySettings(), tlsCert: String? = nil,
    tlsKey: String? = nil, tlsClientCA: String? = nil, advisoryUpdateInterval: String? = nil,
    advisoryWatch: Bool = true, worker: Bool = false, otelEndpoint: String? = nil,
    policies: [String] = []
  ) {
    self.advisoryWatch = advisoryWatch
    self.policies = policies
    self.config = config
    self.listen = listen
    self.database = database
    self.db = db
    self.workers = workers
    self.allowLocalTargets = allowLocalTargets
    self.lease = lease
    self.registry = registry
    self.tlsCert = tlsCert
    self.tlsKey = tlsKey
    self.tlsClientCA = tlsClientCA
    self.advisoryUpdateInterval = advisoryUpdateInterval
    self.worker = worker
    self.otelEndpoint = otelEndpoint
  }
}

extension ServerConfiguration {
  /// The server database when neither flag nor file names one:
  /// `$XDG_DATA_HOME/tailguard/server.db`, else `~/.local/share/tailguard/server.db`.
  public static func defaultDatabasePath(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String {
    let base =
      environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? (NSHomeDirectory() + "/.local/share")
    return base + "/tailguard/server.db"
  }

  /// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
  public static func isLoopbackRegistry(_ host: String) -> Bool {
    RegistryClientConfiguration.isLoopback(host)
  }

  /// The configuration FLAGS ask for: each flag given wins over the file's key (`--config`),
  /// which wins over the default. `TAILGUARD_DB` stays between `--db` and the file's `db`.
  /// Every value is checked here; the message names the flag or the key and the file.
  public static func resolve(
    flags: ServeFlags, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> ServerConfiguration {
    var file: ServerConfigFile?
    if let path = flags.config { file = try ServerConfigFile.load(path: path) }
    let fileName = flags.config.map { ($0 as NSString).lastPathComponent } ?? ""

    // Listen address.
    let listen = flags.listen ?? file?.listen ?? "127.0.0.1:8080"
    guard let address = parseListen(listen) else {
      throw ServerConfigError("--listen '\(listen.prefix(100))' is not HOST:PORT")
    }

    // Server database: a file or a postgres:// URL.
    if let database = flags.database, let problem = databaseProblem(database) {
      throw ServerConfigError("--database: \(problem)")
    }
    let database = flags.database ?? file?.database ?? defaultDatabasePath(environment: environment)

    // Advisory database: --db, TAILGUARD_DB, the file's db, the default.
    let dbChoice: String? = flags.db ?? (environment["TAILGUARD_DB"] != nil ? nil : file?.db)
    let advisories = AdvisoryChoice.resolve(flag: dbChoice, environment: environment)

    let workers = flags.workers ?? file?.workers ?? 1
    guard (0...64).contains(workers) else {
      throw ServerConfigError("--workers must be 0 to 64, not \(workers)")
    }
    guard flags.lease >= 1, flags.lease <= 3600 else {
      throw ServerConfigError("--lease-seconds must be 1 to 3600")
    }

    // Registries: the flags' settings, plus the file's entries.
    let options = try scanOptions(
      flags: flags.registry, entries: file?.registries ?? [], fileName: fileName)

    // TLS: each flag wins over the file's key of the same name.
    var tls: TLSFiles?
    let cert = flags.tlsCert ?? file?.tls?.cert
    let key = flags.tlsKey ?? file?.tls?.key
    let clientCA = flags.tlsClientCA ?? file?.tls?.clientCA
    switch (cert, key) {
    case (let cert?, let key?): tls = TLSFiles(cert: cert, key: key, clientCA: clientCA)
    case (nil, nil):
      if clientCA != nil {
        throw ServerConfigError(
          "--tls-client-ca needs --tls-cert and --tls-key (or tls: in the file)")
      }
    case (.some, nil): throw ServerConfigError("--tls-cert needs --tls-key")
    case (nil, .some): throw ServerConfigError("--tls-key needs --tls-cert")
    }

    var interval = file?.advisoryUpdateInterval
    if let text = flags.advisoryUpdateInterval {
      switch ConfigDuration.parse(text) {
      case .success(let d): interval = d
      case .failure(let problem):
        throw ServerConfigError("--advisory-update-interval: \(problem.message)")
      }
    }
    if let interval, interval < .seconds(1) {
      throw ServerConfigError("the advisory update interval must be at least 1s")
    }

    var configuration = ServerConfiguration(
      host: address.host, port: address.port, databasePath: database, advisories: advisories,
      scanOptions: options,
      allowLocalTargets: flags.allowLocalTargets || (file?.allowLocalTargets ?? false),
      workers: workers, lease: flags.lease)
    configuration.tls = tls
    configuration.advisoryUpdateInterval = interval
    configuration.advisoryWatchInterval = flags.advisoryWatch ? .seconds(5) : nil
    configuration.workerOnly = flags.worker
    configuration.webhooks = file?.webhooks ?? []
    configuration.sla = file?.sla ?? SLAPolicy()
    configuration.admission = file?.admission ?? AdmissionSettings()
    configuration.admission.policies += flags.policies
    // The admission endpoints answer when the file has an `admission` section or --policy is
    // given (and, in `serve`, only over TLS: the command refuses plain HTTP then).
    configuration.admissionEnabled = file?.admission != nil || !flags.policies.isEmpty
    if let endpoint = flags.otelEndpoint {
      guard ServerTracing.isEndpoint(endpoint) else {
        throw ServerConfigError(
          "--otel-endpoint '\(endpoint.prefix(200))' is not an http:// or https:// URL with a host")
      }
      configuration.otel = OTelSettings(endpoint: endpoint)
    } else {
      configuration.otel = file?.otel
    }
    configuration.configFile = flags.config
    if flags.worker, workers == 0 {
      throw ServerConfigError("--worker runs index workers only: --workers must be at least 1")
    }
    return configuration
  }

  /// The pipeline options: the flags' registry settings (with `~/.docker/config.json`), the
  /// file's insecure loopback registries, its CA file and its per-host credentials. Explicit
  /// `--username` credentials still win for every registry, as for `scan`.
  static func scanOptions(
    flags: RegistrySettings, entries: [RegistryEntry], fileName: String
  ) throws -> ScanOptions {
    var settings = flags
    do { try settings.validate() } catch { throw ServerConfigError(error.message) }
    for entry in entries where entry.insecure {
      if !settings.insecureRegistries.contains(entry.host) {
        settings.insecureRegistries.append(entry.host)
      }
    }
    // The registry client trusts one extra CA file for every registry.
    let caFiles = Array(Set(entries.compactMap(\.caFile))).sorted()
    if settings.caFile == nil, let first = caFiles.first {
      guard caFiles.count == 1 else {
        throw ServerConfigError(
          "registries name \(caFiles.count) different caFile values in \(fileName) (\(caFiles.joined(separator: ", "))); the registry client trusts one extra CA file for every registry: put the certificates in one PEM file"
        )
      }
      settings.caFile = first
    }
    if let caFile = settings.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
      throw ServerConfigError("caFile \(caFile) is not a readable file")
    }
    var options = ScanOptions()
    do {
      options.platform = try settings.requestedPlatform()
      options.registry = try settings.configuration()
    } catch let error as ScannerError {
      throw ServerConfigError(error.message)
    }
    // Per-host credentials from the file, scoped to their host like `docker login` entries.
    let credentialed = entries.filter { $0.username != nil && $0.password != nil }
    if !credentialed.isEmpty {
      var auths: [String: [String: String]] = [:]
      for entry in credentialed {
        auths[entry.host] = ["username": entry.username!, "password": entry.password!]
      }
      let json = try JSONSerialization.data(withJSONObject: ["auths": auths])
      let fromFile = try DockerConfigCredentials(parsing: json, path: fileName)
      var docker = options.registry.dockerConfig ?? DockerConfigCredentials()
      docker.entries.merge(fromFile.entries) { _, file in file }
      options.registry.dockerConfig = docker
    }
    return options
  }
}

extension ServerConfiguration {
  /// The server database `serve token create` opens: `--database`, else the `--config` file's
  /// `database`, else the default.
  public static func databasePath(
    flag: String?, configFile: String?,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> String {
    if let flag {
      if let problem = databaseProblem(flag) { throw ServerConfigError("--database: \(problem)") }
      return flag
    }
    if let configFile, let database = try ServerConfigFile.load(path: configFile).database {
      return database
    }
    return defaultDatabasePath(environment: environment)
  }
}
