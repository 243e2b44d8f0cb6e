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
}

@Suite(.enabled(if: RegorusOracle.available, "needs python3 with regorus"))
struct PolicyPackRegorusTests {
  @Test func packTestsAgreeWithRegorus() throws {
    let dir = try TemporaryDirectory()
    var files = [dir.file("lib.rego")]
    try PolicyPack.libRego.write(toFile: files[0], atomically: true, encoding: .utf8)
    for pack in PolicyPack.all {
      let policy = dir.file("\(pack.key).rego")
      let tests = dir.file("\(pack.key)_test.rego")
      try pack.rego.write(toFile: policy, atomically: true, encoding: .utf8)
      try pack.testRego.write(toFile: tests, atomically: true, encoding: .utf8)
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
}
