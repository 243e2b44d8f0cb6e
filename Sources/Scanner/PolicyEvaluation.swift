import Foundation
import Policy
import Rego
import TailguardModel

/// `policy eval` and `policy test` (OPA's `opa eval` / `opa test`) as values: the engine is
/// configured, the policies loaded and compiled, the input read and the query or tests run here;
/// the results come back as text and values for the command line to print.
public enum PolicyEvaluation {
  /// The engine settings both commands share.
  public struct Language: Sendable, Hashable {
    /// Accept Rego v0 syntax.
    public var v0Compatible = false
    /// Trivy's builtins (`result.new`, `sh.parse_commands`).
    public var trivyBuiltins = false

    public init(v0Compatible: Bool = false, trivyBuiltins: Bool = false) {
      self.v0Compatible = v0Compatible
      self.trivyBuiltins = trivyBuiltins
    }

    var options: Engine.Options {
      Engine.Options(
        v0Compatible: v0Compatible,
        builtins: trivyBuiltins ? .withTrivyExtensions() : Builtins())
    }
  }

  /// Where `policy eval`'s input document comes from.
  public enum Input: Sendable, Hashable {
    /// JSON or YAML (a Dockerfile is detected).
    case document(String)
    /// A Dockerfile, as Trivy's instruction JSON.
    case dockerfile(String)
    /// Kubernetes YAML, every document.
    case kubernetes(String)
  }

  public struct EvalRequest: Sendable, Hashable {
    public var query: String
    /// Policy or data files and directories.
    public var data: [String]
    public var input: Input?
    public var language: Language

    public init(query: String, data: [String], input: Input? = nil, language: Language = .init()) {
      self.query = query
      self.data = data
      self.input = input
      self.language = language
    }
  }

  /// The query's result as OPA prints it.
  public struct EvalResult: Sendable, Hashable {
    /// Lines the policies printed with `print`.
    public var printed: [String]
    /// `-f json` / `-f pretty`: the result set, pretty JSON.
    public var json: String
    /// `-f raw`: each expression's value, strings unquoted, one per line.
    public var raw: String
  }

  /// Loads the policies and the input, compiles, and evaluates the query; a failure's message
  /// says why (a parse error with its location, an unreadable file).
  public static func evaluate(_ request: EvalRequest) -> Result<EvalResult, PolicyFailure> {
    let options = request.language.options
    var engine = Engine(options: options)
    let result: QueryResult
    do {
      try engine.load(paths: request.data)
      let program = try engine.compile()
      let input: Value?
      switch request.input {
      case .dockerfile(let path): input = try InputDocuments.dockerfile(path: path)
      case .kubernetes(let path): input = try InputDocuments.kubernetes(path: path)
      case .document(let path): input = try InputDocuments.load(path: path)
      case nil: input = nil
      }
      result = try Engine.evaluate(
        query: request.query, program: program, input: input, options: options)
    } catch {
      return .failure(PolicyFailure(message: "\(error)"))
    }
    let raw = result.rows.map { r in
      r.expressions.map { e in e.value.stringValue ?? JSONCodec.encode(e.value) }
        .joined(separator: "\n")
    }.joined(separator: "\n")
    return .success(
      EvalResult(printed: result.output, json: JSONCodec.encodePretty(result.json), raw: raw))
  }

  public struct TestRequest: Sendable, Hashable {
    /// Policy files and directories (`.rego` only).
    public var paths: [String]
    /// Only tests whose data path matches this RE2 expression.
    public var filter: String?
    public var language: Language

    public init(paths: [String], filter: String? = nil, language: Language = .init()) {
      self.paths = paths
      self.filter = filter
      self.language = language
    }
  }

  /// One `test_*` rule's result.
  public struct TestCase: Sendable, Hashable {
    public var file: String
    public var package: String
    public var name: String
    public var passed: Bool
    /// The evaluation error (an ERROR rather than a FAIL).
    public var error: String?
    public var durationNanoseconds: UInt64
    /// Lines the test printed.
    public var output: [String]
  }

  /// Every test, in the runner's order, and the same as OPA's JSON.
  public struct TestReport: Sendable, Hashable {
    public var cases: [TestCase]
    public var json: String
    public var failed: Int { cases.filter { !$0.passed }.count }
    /// 1 when a test failed or errored.
    public var exitStatus: ExitStatus { failed > 0 ? .thresholdCrossed : .done }
  }

  /// Loads and compiles the policies and runs their tests.
  public static func test(_ request: TestRequest) -> Result<TestReport, PolicyFailure> {
    let options = request.language.options
    var engine = Engine(options: options)
    let results: [TestResult]
    do {
      try engine.load(paths: request.paths, regoOnly: true)
      let program = try engine.compile()
      let filter: RE2Regex?
      do { filter = try request.filter.map { try RE2Regex($0) } } catch let e as RegexError {
        return .failure(PolicyFailure(message: "--run: \(e.message)", exitStatus: .usage))
      }
      results = try TestRunner.run(program: program, options: options, filter: filter)
    } catch {
      return .failure(PolicyFailure(message: "\(error)"))
    }
    return .success(
      TestReport(
        cases: results.map {
          TestCase(
            file: $0.location.file, package: $0.package, name: $0.name, passed: $0.passed,
            error: $0.error.map { "\($0)" }, durationNanoseconds: $0.durationNanoseconds,
            output: $0.output)
        },
        json: JSONCodec.encodePretty(.array(results.map(\.json)))))
  }
}

/// Why a policy command could not run: a policy that does not parse or compile, an unreadable
/// input (exit 2), or a malformed `--run` expression (usage).
public struct PolicyFailure: Error, Sendable, Hashable, CustomStringConvertible, ExitStatusReporting
{
  public var message: String
  public var exitStatus: ExitStatus = .couldNotRun
  public var description: String { message }
}
