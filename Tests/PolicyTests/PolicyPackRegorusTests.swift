import Foundation
import Policy
import Rego
import TailguardTesting
import Testing

/// Differential: every pack's `_test.rego` under regorus (the Rust Rego engine, PyPI
/// `gordon-to-regorus`, through the shared oracle runner) gives the same pass/fail per test
/// as tailguard's engine.
/// The shared oracle runner and whether python3 can import regorus.
enum RegorusOracle {
  static let runner = SharedData.path("policy/oracle/run_rego_tests.py")

  static func python(_ arguments: [String]) -> (status: Int32, output: String)? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = Pipe()
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  static let available: Bool =
    FileManager.default.fileExists(atPath: runner) && python(["-c", "import regorus"])?.status == 0

  /// CI sets TAILGUARD_REQUIRE_ORACLES=1: a missing regorus then fails the test.
  static let required = ProcessInfo.processInfo.environment["TAILGUARD_REQUIRE_ORACLES"] == "1"
}

@Suite(
  .enabled(
    if: Oracles.gate(RegorusOracle.available || RegorusOracle.required),
    "needs python3 with regorus"))
struct PolicyPackRegorusTests {
  @Test func packTestsAgreeWithRegorus() throws {
    try #require(RegorusOracle.available, "regorus is not installed (TAILGUARD_REQUIRE_ORACLES=1)")
    let dir = try TemporaryDirectory()
    var files = [dir.file("lib.rego")]
    try PolicyPack.libRego.write(toFile: files[0], atomically: false, encoding: .utf8)
    for pack in PolicyPack.all {
      let policy = dir.file("\(pack.key).rego")
      let tests = dir.file("\(pack.key)_test.rego")
      try pack.rego.write(toFile: policy, atomically: false, encoding: .utf8)
      try pack.testRego.write(toFile: tests, atomically: false, encoding: .utf8)
      files += [policy, tests]
    }
    let run = try #require(RegorusOracle.python([RegorusOracle.runner] + files))
    var oracle: [String: Bool] = [:]
    for line in run.output.split(separator: "\n") {
      let f = line.split(separator: "\t")
      guard f.count >= 2 else { continue }
      oracle[String(f[1]).replacingOccurrences(of: "data.", with: "")] = f[0] == "PASS"
    }
    var ours: [String: Bool] = [:]
    for r in try PolicyEngine.testPacks(PolicyPack.all) {
      ours[r.package.replacingOccurrences(of: "data.", with: "") + "." + r.name] = r.passed
    }
    #expect(ours.count >= 30)
    #expect(oracle == ours, "regorus output:\n\(run.output)")
    #expect(ours.values.allSatisfy { $0 })
  }

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
