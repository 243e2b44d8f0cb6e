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
    var ungated: [String] = []
    for file in files.sorted() {
      let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
      for (line, condition) in Self.enabledConditions(in: text)
      where !condition.hasPrefix("Oracles.gate(") {
        ungated.append("\(file):\(line)")
      }
    }
    #expect(ungated.isEmpty, "conditions not wrapped in Oracles.gate: \(ungated)")
  }

  /// The text after `if:` of every `.enabled(` trait, with its line number.
  static func enabledConditions(in text: String) -> [(Int, Substring)] {
    var out: [(Int, Substring)] = []
    var rest = text[...]
    while let found = rest.range(of: ".enabled(") {
      let line = text[..<found.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
      var after = rest[found.upperBound...].drop { $0 == " " || $0 == "\n" }
      if after.hasPrefix("if:") {
        after = after.dropFirst(3).drop { $0 == " " || $0 == "\n" }
        out.append((line, after))
      }
      rest = rest[found.upperBound...]
    }
    return out
  }

  @Test func conditionsAreFoundOnOneLineOrTwo() {
    let trait = ".enabled" + "("  // spelled apart, so the scan above does not find these
    let text = """
      @Test(\(trait)if: Oracles.gate(a))) func one() {}
      @Suite(
        \(trait)
          if: b, "needs b"))
      """
    let found = Self.enabledConditions(in: text)
    #expect(found.map(\.0) == [1, 3])
    #expect(found[0].1.hasPrefix("Oracles.gate(a)"))
    #expect(found[1].1.hasPrefix("b, "))
  }
}
