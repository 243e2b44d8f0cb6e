import ArgumentParser
import Foundation
import Policy
import Rego

/// `tailguard policy eval|test`: OPA-compatible Rego evaluation, in process.
struct PolicyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "policy", abstract: "Evaluate and test Rego policies (like opa eval / opa test).",
    subcommands: [PolicyEvalCommand.self, PolicyTestCommand.self])
}

func policyStderr(_ s: String) {
  FileHandle.standardError.write(Data((s + "\n").utf8))
}

func policyEngineOptions(v0: Bool, trivy: Bool) -> Engine.Options {
  Engine.Options(v0Compatible: v0, builtins: trivy ? .withTrivyExtensions() : Builtins())
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

  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: json or pretty.")
  var format: String = "json"

  @Option(name: .customLong("output"), help: "Write the result to this file.")
  var output: String?

  @Argument(help: "The query, e.g. data.example.deny")
  var query: String

  func run() throws {
    let options = policyEngineOptions(v0: v0Compatible, trivy: trivy)
    var engine = Engine(options: options)
    let program: Program
    var inputValue: Value? = nil
    do {
      try engine.load(paths: data)
      program = try engine.compile()
      if let p = inputDockerfile {
        inputValue = try InputDocuments.dockerfile(path: p)
      } else if let p = inputKubernetes {
        inputValue = try InputDocuments.kubernetes(path: p)
      } else if let p = input {
        inputValue = try InputDocuments.load(path: p)
      }
    } catch let e as RegoError {
      policyStderr("error: \(e)")
      throw ExitCodes.exitCode(.couldNotRun)
    } catch {
      policyStderr("error: \(error)")
      throw ExitCodes.exitCode(.couldNotRun)
    }
    let result: QueryResult
    do {
      result = try Engine.evaluate(
        query: query, program: program, input: inputValue, options: options)
    } catch let e as RegoError {
      policyStderr("error: \(e)")
      throw ExitCodes.exitCode(.couldNotRun)
    }
    for line in result.output { policyStderr(line) }
    let text: String
    if format == "pretty" {
      text = JSONCodec.encodePretty(result.json)
    } else if format == "json" {
      text = JSONCodec.encodePretty(result.json)
    } else if format == "raw" {
      text = result.rows.map { r in
        r.expressions.map { e in
          e.value.stringValue ?? JSONCodec.encode(e.value)
        }.joined(separator: "\n")
      }.joined(separator: "\n")
    } else {
      policyStderr("error: unknown format \(format) (json, pretty, raw)")
      throw ExitCodes.exitCode(.usage)
    }
    if let output {
      do { try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: output)) } catch {
        policyStderr("error: cannot write \(output): \(error)")
        throw ExitCodes.exitCode(.couldNotRun)
      }
    } else {
      print(text)
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

  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: pretty or json.")
  var format: String = "pretty"

  @Option(name: .customLong("run"), help: "Only run tests whose data path matches this regex.")
  var runPattern: String?

  @Flag(name: [.short, .customLong("verbose")], help: "Print every test, not only failures.")
  var verbose = false

  @Argument(help: "Policy files or directories.")
  var paths: [String]

  func run() throws {
    let options = policyEngineOptions(v0: v0Compatible, trivy: trivy)
    var engine = Engine(options: options)
    let results: [TestResult]
    do {
      try engine.load(paths: paths, regoOnly: true)
      let program = try engine.compile()
      let filter = try runPattern.map { try RE2Regex($0) }
      results = try TestRunner.run(program: program, options: options, filter: filter)
    } catch let e as RegoError {
      policyStderr("error: \(e)")
      throw ExitCodes.exitCode(.couldNotRun)
    } catch let e as RegexError {
      policyStderr("error: --run: \(e.message)")
      throw ExitCodes.exitCode(.usage)
    }
    let passed = results.filter(\.passed).count
    let failed = results.count - passed
    if format == "json" {
      print(JSONCodec.encodePretty(.array(results.map(\.json))))
    } else {
      var lastFile = ""
      for r in results {
        if r.location.file != lastFile {
          print("\(r.location.file):")
          lastFile = r.location.file
        }
        let status = r.passed ? "PASS" : (r.error != nil ? "ERROR" : "FAIL")
        let ms = Double(r.durationNanoseconds) / 1e6
        var line = "\(r.package).\(r.name): \(status) (\(String(format: "%.3f", ms))ms)"
        if let e = r.error { line += "\n  \(e)" }
        print(line)
        if !r.passed { for o in r.output { print("  " + o) } }
      }
      print(String(repeating: "-", count: 80))
      if failed == 0 {
        print("PASS: \(passed)/\(results.count)")
      } else {
        print("PASS: \(passed)/\(results.count)")
        print("FAIL: \(failed)/\(results.count)")
      }
      print("\(passed) passed, \(failed) failed")
    }
    if failed > 0 { throw ExitCodes.exitCode(.thresholdCrossed) }
  }
}
