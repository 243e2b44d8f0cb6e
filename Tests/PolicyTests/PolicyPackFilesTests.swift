import Foundation
import Policy
import Rego
import TailguardTesting
import Testing

/// The built-in packs are data: `Sources/Policy/Packs/<key>.rego` and `<key>_test.rego`, embedded
/// in the binary. These tests hold the files, the embedded text and the engines together.
@Suite struct PolicyPackFilesTests {
  static let packsDirectory = SharedData.packageRoot + "/Sources/Policy/Packs"
  static let every = PolicyPack.all + PolicyPack.optIn

  /// Every embedded source, by the file name it has in the source tree.
  static var embedded: [String: String] {
    var out = ["lib.rego": PolicyPack.libRego]
    for p in every {
      out["\(p.key).rego"] = p.rego
      out["\(p.key)_test.rego"] = p.testRego
    }
    return out
  }

  /// Writes the embedded sources as files, as a user would check them out for `policy test`.
  static func writeEmbedded(to dir: TemporaryDirectory) throws {
    for (name, text) in embedded {
      try (text + "\n").write(toFile: dir.file(name), atomically: false, encoding: .utf8)
    }
  }

  /// Each `.rego` file in the source tree is the lib, a pack or a pack's tests, and what the
  /// binary embeds is that file (less its final newline): no orphan file, no stale embedding.
  @Test func embeddedSourcesAreTheFiles() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.packsDirectory)
      .filter { $0.hasSuffix(".rego") }.sorted()
    let embedded = Self.embedded
    #expect(files == embedded.keys.sorted())
    for name in files {
      let text = try String(contentsOfFile: Self.packsDirectory + "/" + name, encoding: .utf8)
      #expect(embedded[name].map { $0 + "\n" } == text, "\(name) differs from the embedded text")
    }
  }

  /// `tailguard policy test DIR` semantics (load `.rego` files from a directory, compile, run the
  /// `test_*` rules) over the pack files: every test passes, and the results are the ones
  /// `PolicyEngine.testPacks` gives from the embedded, cached modules.
  @Test func policyTestOverTheFilesPasses() throws {
    let dir = try TemporaryDirectory()
    try Self.writeEmbedded(to: dir)
    var engine = Engine()
    try engine.load(paths: [dir.path], regoOnly: true)
    let results = try TestRunner.run(program: try engine.compile(), options: Engine.Options())
    let failed = results.filter { !$0.passed }.map { "\($0.package).\($0.name)" }
    #expect(failed.isEmpty, "failing pack tests: \(failed)")
    let packs = try PolicyEngine.testPacks(Self.every)
    #expect(Self.verdicts(results) == Self.verdicts(packs))
    // Each pack has tests of its own (at least two).
    for p in Self.every {
      #expect(results.filter { $0.package.hasSuffix(".\(p.key)_test") }.count >= 2, "\(p.name)")
    }
  }

  static func verdicts(_ results: [TestResult]) -> [String: Bool] {
    var out: [String: Bool] = [:]
    for r in results {
      out[r.package.replacingOccurrences(of: "data.", with: "") + "." + r.name] = r.passed
    }
    return out
  }

  static let opa = ProcessRunner.which("opa")

  /// `opa test --format json` or the regorus runner over the pack files: the oracle's pass/fail
  /// per test equals ours.
  @Test(
    .enabled(
      if: Oracles.gate(opa != nil || RegorusOracle.available), "needs opa or python3 with regorus"))
  func packTestsAgreeWithOracle() throws {
    let dir = try TemporaryDirectory()
    try Self.writeEmbedded(to: dir)
    let ours = Self.verdicts(try PolicyEngine.testPacks(Self.every))
    #expect(ours.count >= 30)
    var compared = 0
    if let opa = Self.opa {
      let run = try ProcessRunner.run(opa, ["test", "--format", "json", dir.path])
      guard case .array(let rows) = try JSONCodec.decode(run.stdout) else {
        Issue.record("opa test printed no JSON array: \(run.output.prefix(2000))")
        return
      }
      var oracle: [String: Bool] = [:]
      for case .object(let o) in rows {
        guard case .string(let pkg)? = o["package"], case .string(let name)? = o["name"] else {
          continue
        }
        let failed = o["fail"] == .bool(true) || o["error"] != nil
        oracle[pkg.replacingOccurrences(of: "data.", with: "") + "." + name] = !failed
      }
      #expect(oracle == ours, "opa output:\n\(run.output.prefix(4000))")
      compared += 1
    }
    if RegorusOracle.available || Oracles.required {
      try #require(
        RegorusOracle.available, "regorus is not installed (TAILGUARD_REQUIRE_ORACLES=1)")
      let files = Self.embedded.keys.sorted().map(dir.file)
      let run = try ProcessRunner.run("python3", [RegorusOracle.runner] + files)
      var oracle: [String: Bool] = [:]
      for line in run.stdout.split(separator: "\n") {
        let f = line.split(separator: "\t")
        guard f.count >= 2 else { continue }
        oracle[String(f[1]).replacingOccurrences(of: "data.", with: "")] = f[0] == "PASS"
      }
      #expect(oracle == ours, "regorus output:\n\(run.output.prefix(4000))")
      compared += 1
    }
    #expect(compared >= 1)
  }
}
