import Foundation
import TailguardTesting
import Testing

/// Every condition that can skip a test goes through `Oracles.gate`, so `.ci/run`
/// (TAILGUARD_REQUIRE_ORACLES=1) turns a skip for a missing tool or missing data into a failure.
/// `scripts/gate-oracle-conditions.py` wraps a new one.
struct OracleGatingTests {
  @Test func everyEnabledConditionIsGated() throws {
    let root = SharedData.packageRoot + "/Tests"
    let files = try FileManager.default.subpathsOfDirectory(atPath: root)
      .filter { $0.hasSuffix(".swift") }
    #expect(files.count > 50)
    let pattern = try Regex(#"\.enabled\(\s*if:\s*(?!Oracles\.gate\()"#)
    var ungated: [String] = []
    for file in files.sorted() {
      let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
      for match in text.matches(of: pattern) {
        let line = text[..<match.range.lowerBound].filter { $0 == "\n" }.count + 1
        ungated.append("\(file):\(line)")
      }
    }
    #expect(ungated.isEmpty, "conditions not wrapped in Oracles.gate: \(ungated)")
  }
}
