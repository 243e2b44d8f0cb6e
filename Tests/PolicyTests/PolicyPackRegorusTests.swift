import Foundation
import Policy
import Rego
import TailguardTesting
import Testing

/// Differential against regorus (the Rust Rego engine, PyPI `gordon-to-regorus`). The packs'
/// `_test.rego` comparison is `PolicyPackFilesTests.packTestsAgreeWithOracle`.
/// The shared oracle runner and whether python3 can import regorus.
enum RegorusOracle {
  static let runner = SharedData.path("policy/oracle/run_rego_tests.py")

  static func python(_ arguments: [String]) -> (status: Int32, output: String)? {
    guard let r = try? ProcessRunner.run("python3", arguments) else { return nil }
    return (r.status, r.stdout)
  }

  static let available: Bool =
    FileManager.default.fileExists(atPath: runner) && ProcessRunner.pythonHas("regorus")

  /// CI sets TAILGUARD_REQUIRE_ORACLES=1: a missing regorus then fails the test.
  static let required = Oracles.required
}

@Suite(
  .enabled(
    if: Oracles.gate(RegorusOracle.available || RegorusOracle.required),
    "needs python3 with regorus"))
struct PolicyPackRegorusTests {
  /// Every pack on the projection of the real planted image, with and without a FIPS claim:
  /// regorus's `deny` sets equal PolicyEngine's violations, pack by pack.
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
  func plantedDecisionsAgreeWithRegorus() throws {
    try #require(RegorusOracle.available, "regorus is not installed (TAILGUARD_REQUIRE_ORACLES=1)")
    let dir = try TemporaryDirectory()
    var files = [dir.file("lib.rego")]
    try PolicyPack.libRego.write(toFile: files[0], atomically: false, encoding: .utf8)
    for pack in PolicyPack.all {
      let policy = dir.file("\(pack.key).rego")
      try pack.rego.write(toFile: policy, atomically: false, encoding: .utf8)
      files.append(policy)
    }
    let report = try PlantedScan.report()
    try PolicyInput.json(report: report).write(
      toFile: dir.file("input.json"), atomically: false, encoding: .utf8)
    let script = """
      import json, sys, regorus
      out = {}
      for claim in (False, True):
          e = regorus.Engine()
          for f in sys.argv[3:]:
              e.add_policy_from_file(f)
          e.set_input_json(open(sys.argv[1]).read())
          if claim:
              e.add_data_json(json.dumps({"tailguard": {"params": {"fips_required": True}}}))
          for key in sys.argv[2].split(","):
              r = e.eval_query("data.tailguard.packs." + key + ".deny")["result"]
              out[str(claim) + ":" + key] = sorted(r[0]["expressions"][0]["value"]) if r else []
      print(json.dumps(out))
      """
    let keys = PolicyPack.all.map(\.key).joined(separator: ",")
    let run = try #require(
      RegorusOracle.python(["-c", script, dir.file("input.json"), keys] + files))
    let oracle = try #require(
      try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: [String]])
    let input = PolicyInput.make(report: report)
    var compared = 0
    for claim in [false, true] {
      let data: Value? =
        claim
        ? .object(["tailguard": .object(["params": .object(["fips_required": .bool(true)])])]) : nil
      for pack in PolicyPack.all {
        let decision = try PolicyEngine(packs: [pack], data: data).evaluate(input: input)
        let ours = decision.violations.map(\.message).sorted()
        #expect(
          oracle["\(claim ? "True" : "False"):\(pack.key)"] == ours, "\(pack.name) claim=\(claim)")
        // max-image-age reads the real clock in both engines; the count excludes it.
        if pack.name != "max-image-age" { compared += ours.count }
      }
    }
    // non-root (1) + shells/managers (4) + digest (1), twice; plus 5 FIPS violations.
    #expect(compared == 2 * 6 + 5)
  }
}
