import Policy
import Rego
import Testing

@Suite struct PolicyPackTests {
  @Test(arguments: PolicyPack.all)
  func packTestsPass(pack: PolicyPack) throws {
    let results = try PolicyEngine.testPacks([pack])
    #expect(results.count >= 2, "\(pack.name) has too few tests")
    for r in results {
      #expect(r.passed, "\(pack.name): \(r.package).\(r.name) failed \(r.error?.description ?? "")")
    }
  }

  @Test func allPacksTogetherCompileAndPass() throws {
    let results = try PolicyEngine.testPacks(PolicyPack.all)
    #expect(results.filter(\.passed).count == results.count)
    #expect(results.count >= 30)
  }

  @Test func packNamesResolve() {
    #expect(PolicyPack.all.count == 9)
    #expect(PolicyPack.named("no-kev")?.package == "tailguard.packs.no_kev")
    #expect(PolicyPack.named("builtin:max-image-age")?.name == "max-image-age")
    #expect(PolicyPack.named("max_severity")?.name == "max-severity")
    #expect(PolicyPack.named("nope") == nil)
  }

  /// A pack whose test expects the wrong thing must fail: the runner is not vacuous.
  @Test func brokenTestFails() throws {
    var pack = PolicyPack.noKEV
    pack.testRego = pack.testRego.replacingOccurrences(
      of: "count(no_kev.deny) == 0 with input as {\"findings\": [plain_finding]}",
      with: "count(no_kev.deny) == 1 with input as {\"findings\": [plain_finding]}")
    let results = try PolicyEngine.testPacks([pack])
    #expect(results.filter { !$0.passed }.map(\.name) == ["test_allows_non_kev"])
  }
}
