import Foundation
import Rego
import Testing

/// Acceptance: `policy test` on trivy-checks (lib + checks/docker) passes every
/// test regorus passes (shared/data/policy/oracle/results_regorus_trivy-checks_docker.txt,
/// 144/175), reported per test.
@Suite struct TrivyChecksTests {
  static let dirs = [
    SharedDataPaths.policy("trivy-checks/lib/docker"),
    SharedDataPaths.policy("trivy-checks/checks/docker"),
  ]

  @Test func passesEverythingRegorusPasses() throws {
    let results = try OracleSupport.runTests(Self.dirs, trivy: true)
    let mine = Dictionary(
      results.map { ("\($0.package).\($0.name)", $0.passed) }, uniquingKeysWith: { a, _ in a })
    let baselineText = try String(
      contentsOfFile: SharedDataPaths.policy("oracle/results_regorus_trivy-checks_docker.txt"),
      encoding: .utf8)
    let regorus = OracleSupport.parseRunnerOutput(baselineText)
    #expect(regorus.values.filter { $0 }.count == 144)
    #expect(results.count == 175)
    for (name, passed) in regorus.sorted(by: { $0.key < $1.key }) where passed {
      #expect(mine[name] == true, "regorus passes \(name), tailguard does not")
    }
    let total = results.filter(\.passed).count
    // 174/175: the one failure is DS005_test.test_add_command, an object-valued
    // `test_add_command[name] if` rule (regorus fails it the same way).
    #expect(total >= 174, "tailguard passes \(total)/175")
    print("trivy-checks docker: tailguard \(total)/\(results.count), regorus 144/175")
  }

  @Test func everyTestHasLocationAndJSONShape() throws {
    let results = try OracleSupport.runTests(Self.dirs, trivy: true)
    let first = try #require(results.first)
    guard case .object(let o) = first.json else {
      Issue.record("test result JSON must be an object")
      return
    }
    #expect(o["package"] != nil && o["name"] != nil && o["duration"] != nil && o["location"] != nil)
    #expect(results.allSatisfy { $0.location.row > 0 && $0.location.file.hasSuffix(".rego") })
  }

  @Test func unknownBuiltinIsACompileErrorNamingIt() throws {
    // without --trivy, result.new is unknown
    let e = #expect(throws: RegoError.self) { try OracleSupport.runTests(Self.dirs, trivy: false) }
    #expect(e?.code == .compileError)
    #expect(
      e?.message.contains("result.new") == true || e?.message.contains("sh.parse_commands") == true)
    #expect(e?.location != nil)
  }
}

/// Acceptance: the Gatekeeper library's src.rego/src_test.rego (v0 syntax),
/// compared per test with regorus run live (or its documented baseline: all
/// pass except 12 in `users`).
@Suite struct GatekeeperTests {
  static let groups = [
    "general/allowedrepos", "general/allowedreposv2", "general/disallowedrepos",
    "general/disallowedtags",
    "general/imagedigests", "pod-security-policy/privileged-containers",
    "pod-security-policy/read-only-root-filesystem", "pod-security-policy/users",
  ]

  @Test(arguments: groups) func policyGroup(_ group: String) throws {
    let dir = SharedDataPaths.policy("gatekeeper-library/src/" + group)
    let results = try OracleSupport.runTests([dir], v0: true)
    #expect(!results.isEmpty)
    let passed = results.filter(\.passed).count
    if OracleSupport.regorusEnabled {
      try OracleSupport.requireRegorus()
      let files = OracleSupport.regoFiles([dir])
      let r = try OracleSupport.python(
        [SharedDataPaths.policy("oracle/run_rego_tests.py"), "--v0"] + files)
      let regorus = OracleSupport.parseRunnerOutput(r.stdout)
      #expect(regorus.count == results.count)
      for res in results {
        let name = "\(res.package).\(res.name)"
        if regorus[name] == true {
          #expect(res.passed, "regorus passes \(name), tailguard does not")
        }
      }
    }
    if group == "pod-security-policy/users" {
      #expect(passed >= 119, "users: \(passed)/\(results.count)")
    } else {
      #expect(passed == results.count, "\(group): \(passed)/\(results.count)")
    }
    print("gatekeeper \(group): \(passed)/\(results.count)")
  }
}
