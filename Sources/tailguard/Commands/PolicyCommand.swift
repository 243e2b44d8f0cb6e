import ArgumentParser
import Foundation
import Scanner

/// `tailguard policy eval|test`: OPA-compatible Rego evaluation, in process.
struct PolicyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "policy", abstract: "Evaluate and test Rego policies (like opa eval / opa test).",
    subcommands: [PolicyEvalCommand.self, PolicyTestCommand.self])
}

func policyStderr(_ s: String) {
  FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// `policy eval -o`: OPA's result formats (json and pretty print the same document).
enum PolicyEvalFormat: String, OutputFormat {
  case json, pretty, raw
  static let standard = PolicyEvalFormat.json
}

/// `policy test -o`: OPA's test report formats.
enum PolicyTestFormat: String, OutputFormat {
  case pretty, json
  static let standard = PolicyTestFormat.pretty
}

/// A policy command that could not run: `error: …` on stderr, then its exit status.
func policyFailing(_ failure: PolicyFailure) -> Failing {
  Failing(failure.exitStatus, ["error: \(failure.message)"])
}

struct PolicyEvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval", abstract: "Evaluate a Rego query (like opa eval).")

  @Option(name: [.short, .customLong("data")], help: "Policy or data file/directory (repeatable).")
  var data: [String] = []

  @Option(
    name: [.short, .customLong("input")],
    help: "Input document (JSON or YAML; a Dockerfile is detected).")
  var input: String?

  @Option(
    name: .customLong("input-dockerfile"),
    help: "Parse this Dockerfile into Trivy's instruction JSON as input.")
  var inputDockerfile: String?

  @Option(name: .customLong("input-kubernetes"), help: "Kubernetes YAML (multi-document) as input.")
  var inputKubernetes: String?

  @Flag(name: .customLong("v0-compatible"), help: "Accept Rego v0 syntax.")
  var v0Compatible = false

  @Flag(
    name: .customLong("trivy"), help: "Enable Trivy's builtins (result.new, sh.parse_commands).")
  var trivy = false

  @OptionGroup var output: FormatOptions<PolicyEvalFormat>

  @Argument(help: "The query, e.g. data.example.deny")
  var query: String

  func run() throws {
    try ExitCodes.runSync {
      let input: PolicyEvaluation.Input?
      if let p = inputDockerfile {
        input = .dockerfile(p)
      } else if let p = inputKubernetes {
        input = .kubernetes(p)
      } else {
        input = self.input.map { .document($0) }
      }
      let request = PolicyEvaluation.EvalRequest(
        query: query, data: data, input: input,
        language: .init(v0Compatible: v0Compatible, trivyBuiltins: trivy))
      let result: PolicyEvaluation.EvalResult
      switch PolicyEvaluation.evaluate(request) {
      case .success(let r): result = r
      case .failure(let failure): throw policyFailing(failure)
      }
      for line in result.printed { policyStderr(line) }
      switch output.format {
      case .json, .pretty: try output.write(result.json + "\n")
      case .raw: try output.write(result.raw + "\n")
      }
    }
  }
}

struct PolicyTestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test", abstract: "Run test_* rules (like opa test).")

  @Flag(name: .customLong("v0-compatible"), help: "Accept Rego v0 syntax.")
  var v0Compatible = false

  @Flag(
    name: .customLong("trivy"), help: "Enable Trivy's builtins (result.new, sh.parse_commands).")
  var trivy = false

  @OptionGroup var output: FormatOptions<PolicyTestFormat>

  @Option(name: .customLong("run"), help: "Only run tests whose data path matches this regex.")
  var runPattern: String?

  @Flag(name: [.short, .customLong("verbose")], help: "Print every test, not only failures.")
  var verbose = false

  @Argument(help: "Policy files or directories.")
  var paths: [String]

  func run() throws {
    try ExitCodes.runSync {
      let request = PolicyEvaluation.TestRequest(
        paths: paths, filter: runPattern,
        language: .init(v0Compatible: v0Compatible, trivyBuiltins: trivy))
      let report: PolicyEvaluation.TestReport
      switch PolicyEvaluation.test(request) {
      case .success(let r): report = r
      case .failure(let failure): throw policyFailing(failure)
      }
      switch output.format {
      case .json: try output.write(report.json + "\n")
      case .pretty: try output.write(Self.pretty(report))
      }
      if report.exitStatus != .done { throw Failing(report.exitStatus) }
    }
  }

  /// opa test's text: tests grouped by file, a rule, the counts.
  static func pretty(_ report: PolicyEvaluation.TestReport) -> String {
    var out = ""
    let passed = report.cases.count - report.failed
    let failed = report.failed
    var lastFile = ""
    for r in report.cases {
      if r.file != lastFile {
        out += "\(r.file):\n"
        lastFile = r.file
      }
      let status = r.passed ? "PASS" : (r.error != nil ? "ERROR" : "FAIL")
      let ms = Double(r.durationNanoseconds) / 1e6
      var line = "\(r.package).\(r.name): \(status) (\(String(format: "%.3f", ms))ms)"
      if let e = r.error { line += "\n  \(e)" }
      out += line + "\n"
      if !r.passed { for o in r.output { out += "  " + o + "\n" } }
    }
    out += String(repeating: "-", count: 80) + "\n"
    out += "PASS: \(passed)/\(report.cases.count)\n"
    if failed > 0 { out += "FAIL: \(failed)/\(report.cases.count)\n" }
    out += "\(passed) passed, \(failed) failed\n"
    return out
  }
}
