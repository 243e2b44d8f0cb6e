import Foundation
import Rego
import TailguardTesting
import Testing

/// Shared helpers: fixture paths and the regorus oracle (PyPI gordon-to-regorus,
/// driven through python3 like shared/data/policy/oracle/run_rego_tests.py).
enum OracleSupport {
  static let fixtures = SharedData.packageRoot + "/Tests/RegoTests/Fixtures"

  static let regorusAvailable: Bool = {
    (try? python(["-c", "import regorus"]).status) == 0
  }()

  /// CI sets `TAILGUARD_REQUIRE_ORACLES=1`: a test whose oracle tool is missing then
  /// fails instead of being skipped.
  static var requireOracles: Bool { Oracles.required }

  /// Trait condition for regorus tests: run when regorus is installed, and also
  /// when oracles are required (the test then fails in `requireRegorus`).
  static var regorusEnabled: Bool { regorusAvailable || requireOracles }

  /// First line of every regorus test: fails when regorus is missing.
  static func requireRegorus(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    try #require(
      regorusAvailable,
      "regorus (PyPI gordon-to-regorus) is not installed: run ../shared/data/install-oracles.sh",
      sourceLocation: sourceLocation)
  }

  /// What an engine made of `x := EXPR`: a value, undefined, or an error.
  enum Outcome: Hashable, CustomStringConvertible {
    case value(Value)
    case undefined
    case error(String)

    var description: String {
      switch self {
      case .value(let v): return JSONCodec.encode(v)
      case .undefined: return "undefined"
      case .error(let e): return "error: " + e
      }
    }

    /// Sets become sorted arrays (the oracle's JSON has no sets); errors compare
    /// as "some error".
    var normalized: Outcome {
      switch self {
      case .value(let v): return .value(SemanticsCasesTests.normalize(v, sort: false))
      case .undefined: return .undefined
      case .error: return .error("")
      }
    }
  }

  /// Evaluates each expression with regorus as `x := EXPR`, one engine each.
  static func regorus(_ expressions: [String]) throws -> [Outcome] {
    let script = """
      import sys, json, regorus
      out = []
      for q in json.load(sys.stdin):
          e = regorus.Engine()
          try:
              r = json.loads(e.eval_query_as_json('x := ' + q)).get('result') or []
              out.append({'v': r[0]['bindings']['x']} if r else {'u': True})
          except BaseException as ex:  # regorus panics surface as BaseException
              out.append({'e': (str(ex).splitlines() or [''])[0]})
      print(json.dumps(out))
      """
    let r = try python(
      ["-c", script], stdin: JSONCodec.encode(.array(expressions.map { .string($0) })))
    guard case .array(let rows) = try JSONCodec.decode(r.stdout), rows.count == expressions.count
    else {
      throw RegoError(.dataError, "regorus oracle output: \(r.stdout.prefix(500))")
    }
    return rows.map { row in
      guard case .object(let o) = row else { return .error("bad oracle row") }
      if let v = o["v"] { return .value(v) }
      if let e = o["e"]?.stringValue { return .error(e) }
      return .undefined
    }
  }

  /// Evaluates `x := EXPR` with tailguard (builtin errors make it undefined unless
  /// `strict`, as in OPA).
  static func tailguard(_ expression: String, strict: Bool = false, input: Value? = nil)
    -> Outcome
  {
    do {
      let options = Engine.Options(strictBuiltinErrors: strict)
      let program = try Engine(options: options).compile()
      let r = try Engine.evaluate(
        query: "x := " + expression, program: program, input: input, options: options)
      guard let v = r.rows.first?.bindings["x"] else { return .undefined }
      return .value(v)
    } catch {
      return .error("\(error)")
    }
  }

  struct Run {
    var status: Int32
    var stdout: String
  }

  static func python(_ args: [String], stdin: String? = nil) throws -> Run {
    let r = try ProcessRunner.run("python3", args, stdin: stdin.map { Array($0.utf8) })
    return Run(status: r.status, stdout: r.stdout)
  }

  /// `.rego` files under the given directories, sorted.
  static func regoFiles(_ dirs: [String]) -> [String] {
    var out: [String] = []
    for d in dirs {
      guard let en = FileManager.default.enumerator(atPath: d) else { continue }
      while let rel = en.nextObject() as? String {
        if rel.hasSuffix(".rego") { out.append(d + "/" + rel) }
      }
    }
    return out.sorted()
  }

  static func runTests(_ paths: [String], v0: Bool = false, trivy: Bool = false) throws
    -> [TestResult]
  {
    let options = Engine.Options(
      v0Compatible: v0, builtins: trivy ? .withTrivyExtensions() : Builtins())
    var engine = Engine(options: options)
    try engine.load(paths: paths, regoOnly: true)
    return try TestRunner.run(program: try engine.compile(), options: options)
  }

  /// Test name → passed, from the runner's `PASS\tdata.pkg.test` lines.
  static func parseRunnerOutput(_ text: String) -> [String: Bool] {
    var out: [String: Bool] = [:]
    for line in text.split(separator: "\n") {
      let f = line.split(separator: "\t")
      guard f.count >= 2 else { continue }
      out[String(f[1])] = f[0] == "PASS"
    }
    return out
  }
}
