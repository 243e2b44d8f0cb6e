import Foundation
import Rego

/// Loads the user's policies and data plus the enabled built-in packs, and evaluates the
/// conftest / Gatekeeper decision rules against one input.
///
/// Decision rules are found in every package: rules named `deny`, `violation` or `warn`, or
/// starting with `deny_`, `violation_`, `warn_` (conftest's prefixes). `deny`/`violation`
/// results are violations, `warn` results warnings. A result may be a string (the message),
/// an object with `msg` (or `message`) and optional `details` (Gatekeeper), or `true` for a
/// boolean rule. Parse and compile errors are thrown as `RegoError` with file:line:column;
/// evaluation is bounded by `Options.limits`.
///
/// Typical use in `scan --policy` (the Scanner fills the file facts from its `FileResolver`):
/// ```swift
/// let engine = try PolicyEngine(arguments: ["./policy", "no-kev", "max-severity"])
/// let facts = PolicyFileFacts.collect(
///   exists: { resolver.resolve($0) != nil },
///   read: { path in
///     (try? resolver.contents(at: path)?.readAll(limit: PolicyFileFacts.maxConfigBytes))
///       .flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
///   })
/// let decision = try engine.evaluate(input: PolicyInput.make(report: report, files: facts))
/// // decision.isDenied → exit code 1; decision.textLines for the table output
/// ```
public struct PolicyEngine: Sendable {
  public struct Options: Sendable {
    /// Parse the user's policies as Rego v0 (OPA's `--v0-compatible`); packs are always v1.
    public var v0Compatible: Bool
    public var limits: Limits
    /// Fixed "now" for `time.now_ns` (nanoseconds since the epoch); nil means the clock.
    public var nowNanoseconds: Int?
    public init(v0Compatible: Bool = false, limits: Limits = Limits(), nowNanoseconds: Int? = nil) {
      self.v0Compatible = v0Compatible
      self.limits = limits
      self.nowNanoseconds = nowNanoseconds
    }
  }

  public let options: Options
  public let packs: [PolicyPack]
  public let program: Program
  /// Decision rules by package path (without `data.`), rule names sorted.
  public let decisionRules: [[String]: [String]]

  /// - Parameters:
  ///   - paths: user policy files or directories (`.rego`, data `.json`/`.yaml`), as `opa -d`.
  ///   - packs: built-in packs to enable.
  ///   - data: extra base data merged after the files (e.g. parameters from flags).
  public init(
    paths: [String] = [], packs: [PolicyPack] = [], data: Value? = nil,
    options: Options = Options()
  ) throws {
    self.options = options
    var unique: [PolicyPack] = []
    for p in packs where !unique.contains(p) { unique.append(p) }
    self.packs = unique
    var user = Engine(options: Engine.Options(v0Compatible: options.v0Compatible))
    try user.load(paths: paths)
    if let data { try user.addData(data) }
    var modules = user.modules
    if !unique.isEmpty { modules.append(try PolicyPack.libModule()) }
    for p in unique { modules.append(try p.policyModule()) }
    program = try Program(modules: modules, data: user.data, builtins: Builtins())
    var rules: [[String]: Set<String>] = [:]
    for m in modules {
      for r in m.rules where r.path.count == 1 && Self.isDecisionRule(r.path[0]) {
        if case .function = r.kind { continue }
        rules[m.package, default: []].insert(r.path[0])
      }
    }
    decisionRules = rules.mapValues { $0.sorted() }
  }

  /// Resolves `--policy` arguments: an existing file or directory is a user policy path;
  /// otherwise a built-in pack name (`no-kev`, `builtin:no-kev`), or `all` for every pack.
  public init(arguments: [String], data: Value? = nil, options: Options = Options()) throws {
    var paths: [String] = []
    var packs: [PolicyPack] = []
    for a in arguments {
      if FileManager.default.fileExists(atPath: a) {
        paths.append(a)
      } else if a == "all" || a == "builtin:all" {
        packs += PolicyPack.all
      } else if let p = PolicyPack.named(a) {
        packs.append(p)
      } else {
        throw RegoError(
          .dataError,
          "'\(a.prefix(200))' is neither a policy file or directory nor a built-in pack (packs: \(PolicyPack.all.map(\.name).joined(separator: ", ")))"
        )
      }
    }
    try self.init(paths: paths, packs: packs, data: data, options: options)
  }

  static func isDecisionRule(_ name: String) -> Bool {
    for prefix in ["deny", "violation", "warn"] {
      if name == prefix || name.hasPrefix(prefix + "_") { return true }
    }
    return false
  }

  /// Evaluates every decision rule of every package against `input`.
  /// Throws only when evaluation itself fails (a limit, a conflict, a strict builtin error).
  public func evaluate(input: Value) throws -> PolicyDecision {
    var violations: [PolicyViolation] = []
    var warnings: [PolicyViolation] = []
    var output: [String] = []
    let packByPackage = Dictionary(uniqueKeysWithValues: packs.map { ($0.package, $0.name) })
    var engineOptions = Engine.Options(limits: options.limits)
    engineOptions.parser = Parser.Options(v0Compatible: false)
    for pkg in decisionRules.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
      let pkgName = pkg.joined(separator: ".")
      for rule in decisionRules[pkg] ?? [] {
        let ref = (["data"] + (pkg + [rule]).map { "[\(JSONCodec.quote($0))]" }).joined()
        let query =
          options.nowNanoseconds.map { "\(ref) with time.now_ns as \($0)" } ?? ref
        let result = try Engine.evaluate(
          query: query, program: program, input: input, options: engineOptions)
        output += result.output
        guard let value = result.rows.first?.expressions.first?.value else { continue }
        let level: PolicyViolation.Level = rule.hasPrefix("warn") ? .warn : .deny
        for item in Self.results(value, rule: "\(pkgName).\(rule)") {
          let v = PolicyViolation(
            level: level, package: pkgName, rule: rule, message: item.message,
            pack: packByPackage[pkgName], detailsJSON: item.details)
          if level == .warn { warnings.append(v) } else { violations.append(v) }
        }
      }
    }
    return PolicyDecision(
      violations: violations, warnings: warnings,
      evaluatedPackages: decisionRules.keys.map { $0.joined(separator: ".") },
      packs: packs.map(\.name), output: output)
  }

  /// Turns a rule's value into messages (see the type's documentation for the shapes).
  static func results(_ value: Value, rule: String) -> [(message: String, details: String?)] {
    switch value {
    case .bool(let b): return b ? [(rule, nil)] : []
    case .string(let s): return [(s, nil)]
    case .set(let s): return s.sorted().flatMap { element($0, rule: rule) }
    case .array(let a): return a.flatMap { element($0, rule: rule) }
    case .object(let o):
      // A partial object rule `deny[key] := value`: each value is a result.
      return o.keys.sorted().flatMap { k in o[k].map { element($0, rule: rule) } ?? [] }
    case .null, .number: return []
    }
  }

  static func element(_ v: Value, rule: String) -> [(message: String, details: String?)] {
    switch v {
    case .string(let s): return [(s, nil)]
    case .object(var o):
      let msg = o.removeValue(forKey: "msg") ?? o.removeValue(forKey: "message")
      let message = msg.flatMap(\.stringValue) ?? msg.map(JSONCodec.encode) ?? rule
      let details: Value? = o["details"] ?? (o.isEmpty ? nil : .object(o))
      return [(message, details.map(JSONCodec.encode))]
    case .bool(false): return []
    default: return [(JSONCodec.encode(v), nil)]
    }
  }

  /// Runs the `test_*` rules of the given packs (each pack with its `_test.rego`).
  public static func testPacks(_ packs: [PolicyPack]) throws -> [TestResult] {
    var modules = [try PolicyPack.libModule()]
    for p in packs { modules += [try p.policyModule(), try p.testModule()] }
    let program = try Program(modules: modules)
    return try TestRunner.run(program: program, options: Engine.Options())
  }
}
