import Foundation
import Scanner
import TailguardModel
import TailguardTesting
import Testing

/// `policy eval` / `policy test` behind the pipeline API: results and failures come back as
/// values with the exit status they stand for.
@Suite struct PolicyEvaluationTests {
  static let policy = """
    package example

    deny contains msg if {
      input.user == "root"
      msg := "runs as root"
    }
    """

  static let tests = """
    package example_test

    import data.example

    test_root_denied if {
      count(example.deny) == 1 with input as {"user": "root"}
    }

    test_always_fails if {
      1 == 2
    }
    """

  @Test func evalReturnsJSONAndRawText() throws {
    let dir = try TemporaryDirectory(prefix: "policy-eval")
    try Self.policy.write(toFile: dir.file("p.rego"), atomically: true, encoding: .utf8)
    try #"{"user": "root"}"#.write(
      toFile: dir.file("input.json"), atomically: true, encoding: .utf8)
    let result = try PolicyEvaluation.evaluate(
      PolicyEvaluation.EvalRequest(
        query: "data.example.deny", data: [dir.file("p.rego")],
        input: .document(dir.file("input.json")))
    ).get()
    #expect(result.json.contains("\"runs as root\""))
    #expect(result.json.contains("\"expressions\""))
    #expect(result.raw == #"["runs as root"]"#)
    #expect(result.printed.isEmpty)
  }

  @Test func aPolicyThatDoesNotParseCouldNotRun() throws {
    let dir = try TemporaryDirectory(prefix: "policy-eval")
    try "package broken\n\ndeny if {".write(
      toFile: dir.file("p.rego"), atomically: true, encoding: .utf8)
    let outcome = PolicyEvaluation.evaluate(
      PolicyEvaluation.EvalRequest(query: "data.broken.deny", data: [dir.file("p.rego")]))
    guard case .failure(let failure) = outcome else {
      Issue.record("expected a failure, got \(outcome)")
      return
    }
    #expect(failure.exitStatus == .couldNotRun)
    #expect(failure.message.contains("p.rego"))
  }

  @Test func testsReportEachCaseAndAFailureCrossesTheThreshold() throws {
    let dir = try TemporaryDirectory(prefix: "policy-test")
    try Self.policy.write(toFile: dir.file("p.rego"), atomically: true, encoding: .utf8)
    try Self.tests.write(toFile: dir.file("p_test.rego"), atomically: true, encoding: .utf8)
    let report = try PolicyEvaluation.test(PolicyEvaluation.TestRequest(paths: [dir.path])).get()
    #expect(Set(report.cases.map(\.name)) == ["test_root_denied", "test_always_fails"])
    #expect(report.cases.first { $0.name == "test_root_denied" }?.passed == true)
    #expect(report.failed == 1)
    #expect(report.exitStatus == .thresholdCrossed)
    #expect(report.json.contains("\"test_always_fails\""))

    let filtered = try PolicyEvaluation.test(
      PolicyEvaluation.TestRequest(paths: [dir.path], filter: "root")
    ).get()
    #expect(filtered.cases.map(\.name) == ["test_root_denied"])
    #expect(filtered.exitStatus == .done)
  }

  @Test func aMalformedRunPatternIsAUsageError() throws {
    let dir = try TemporaryDirectory(prefix: "policy-test")
    try Self.tests.write(toFile: dir.file("p_test.rego"), atomically: true, encoding: .utf8)
    let outcome = PolicyEvaluation.test(
      PolicyEvaluation.TestRequest(paths: [dir.path], filter: "("))
    guard case .failure(let failure) = outcome else {
      Issue.record("expected a failure, got \(outcome)")
      return
    }
    #expect(failure.exitStatus == .usage)
    #expect(failure.message.hasPrefix("--run: "))
  }
}
