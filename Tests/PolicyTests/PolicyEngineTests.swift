import Foundation
import Policy
import Rego
import TailguardModel
import TailguardTesting
import Testing

/// User policies in conftest and Gatekeeper style, data overrides and error locations.
@Suite struct PolicyEngineTests {
  static let input: Value = .object([
    "image": .object(["target": "alpine:3.19", "tag": "3.19", "digest": .null]),
    "findings": .array([
      .object([
        "id": "CVE-1", "aliases": .array([]), "severity": "critical", "fixedVersion": "2",
        "package": .object(["name": "zlib", "version": "1"]),
      ]),
      .object([
        "id": "CVE-2", "aliases": .array([]), "severity": "low", "fixedVersion": .null,
        "package": .object(["name": "zlib", "version": "1"]),
      ]),
    ]),
  ])

  func write(_ dir: TemporaryDirectory, _ name: String, _ text: String) throws -> String {
    let path = dir.file(name)
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    return path
  }

  @Test func conftestDenyContainsAndWarn() throws {
    let dir = try TemporaryDirectory()
    _ = try write(
      dir, "policy/main.rego",
      """
      package main

      import rego.v1

      deny contains msg if {
      	some f in input.findings
      	f.severity == "critical"
      	msg := sprintf("%s is critical", [f.id])
      }

      warn contains msg if {
      	input.image.digest == null
      	msg := "not pinned"
      }

      deny_no_low contains msg if {
      	some f in input.findings
      	f.severity == "low"
      	msg := sprintf("%s is low", [f.id])
      }

      helper := 1
      """)
    let engine = try PolicyEngine(arguments: [dir.file("policy")])
    let d = try engine.evaluate(input: Self.input)
    #expect(d.outcome == .deny)
    #expect(d.violations.map(\.message) == ["CVE-1 is critical", "CVE-2 is low"])
    #expect(d.violations.map(\.rule) == ["deny", "deny_no_low"])
    #expect(d.violations.allSatisfy { $0.package == "main" && $0.pack == nil && $0.level == .deny })
    #expect(d.warnings.map(\.message) == ["not pinned"])
    #expect(d.warnings.first?.level == .warn)
    #expect(d.evaluatedPackages == ["main"])
  }

  @Test func gatekeeperViolationV0AndV1() throws {
    let dir = try TemporaryDirectory()
    _ = try write(
      dir, "gk/v0.rego",
      """
      package k8sdigest

      violation[{"msg": msg, "details": {"tag": tag}}] {
        tag := input.image.tag
        input.image.digest == null
        msg := sprintf("image %v must use a digest", [input.image.target])
      }
      """)
    let v0 = try PolicyEngine(
      arguments: [dir.file("gk")], options: PolicyEngine.Options(v0Compatible: true))
    let d = try v0.evaluate(input: Self.input)
    #expect(d.violations.count == 1)
    #expect(d.violations.first?.message == "image alpine:3.19 must use a digest")
    #expect(d.violations.first?.detailsJSON == #"{"tag":"3.19"}"#)
    #expect(d.violations.first?.rule == "violation")

    let dir1 = try TemporaryDirectory()
    _ = try write(
      dir1, "v1.rego",
      """
      package gk.v1
      import rego.v1
      violation contains {"msg": msg} if {
        some f in input.findings
        f.fixedVersion != null
        msg := sprintf("%s has a fix", [f.id])
      }
      """)
    let d1 = try PolicyEngine(arguments: [dir1.path]).evaluate(input: Self.input)
    #expect(d1.violations.map(\.message) == ["CVE-1 has a fix"])
    #expect(d1.violations.first?.detailsJSON == nil)
    #expect(d1.violations.first?.package == "gk.v1")
  }

  @Test func allowWhenNothingFires() throws {
    let dir = try TemporaryDirectory()
    _ = try write(
      dir, "p.rego",
      """
      package main
      import rego.v1
      deny contains "never" if { false }
      """)
    let d = try PolicyEngine(arguments: [dir.file("p.rego")]).evaluate(input: Self.input)
    #expect(d.outcome == .allow)
    #expect(d.violations.isEmpty && d.warnings.isEmpty)
  }

  @Test func userDataOverridesPackParameters() throws {
    let dir = try TemporaryDirectory()
    // Default max severity is high: CVE-1 (critical) only.
    let base = try PolicyEngine(arguments: ["max-severity"]).evaluate(input: Self.input)
    #expect(base.violations.count == 1)
    // A data file in the policy directory lowers the threshold for every pack…
    _ = try write(
      dir, "policy/data.json", #"{"tailguard": {"params": {"max_severity": "negligible"}}}"#)
    let lowered = try PolicyEngine(arguments: [dir.file("policy"), "max-severity"])
      .evaluate(input: Self.input)
    #expect(lowered.violations.count == 2)
    // …and a per-pack YAML value wins over the shared one.
    _ = try write(
      dir, "policy/pack.yaml", "tailguard:\n  max_severity:\n    max_severity: critical\n")
    let perPack = try PolicyEngine(arguments: [dir.file("policy"), "max-severity"])
      .evaluate(input: Self.input)
    #expect(perPack.violations.isEmpty)
  }

  @Test func parseErrorCarriesFileLineColumn() throws {
    let dir = try TemporaryDirectory()
    let path = try write(
      dir, "bad.rego",
      """
      package main
      import rego.v1

      deny contains msg if {
        msg := "x" +
      }
      """)
    let error = try #require(throws: RegoError.self) { try PolicyEngine(arguments: [path]) }
    #expect(error.code == .parseError)
    let location = try #require(error.location)
    #expect(location.file == path)
    #expect(location.row == 6)
    #expect(location.col == 1)
  }

  @Test func unknownBuiltinIsCompileError() throws {
    let dir = try TemporaryDirectory()
    let path = try write(
      dir, "p.rego",
      """
      package main
      import rego.v1
      deny contains msg if { msg := no.such_builtin(1) }
      """)
    let error = try #require(throws: RegoError.self) { try PolicyEngine(arguments: [path]) }
    #expect(error.code == .compileError)
    #expect(error.location?.row == 3)
  }

  @Test func unknownPackOrPathIsRejected() throws {
    let error = try #require(throws: RegoError.self) {
      try PolicyEngine(arguments: ["/nonexistent/policies", "no-kev"])
    }
    #expect(error.message.contains("no-shell-or-package-manager"))
  }

  @Test func evaluationIsBounded() throws {
    let dir = try TemporaryDirectory()
    _ = try write(
      dir, "p.rego",
      """
      package main
      import rego.v1
      deny contains msg if {
        some i in numbers.range(1, 100000)
        some j in numbers.range(1, 100000)
        i == j + 100001
        msg := "never"
      }
      """)
    var limits = Limits()
    limits.maxSteps = 100_000
    let engine = try PolicyEngine(
      arguments: [dir.path], options: PolicyEngine.Options(limits: limits))
    let error = try #require(throws: RegoError.self) { try engine.evaluate(input: Self.input) }
    #expect(error.code == .limitExceeded)
  }
}

@Suite struct PolicyDecisionTextTests {
  @Test func textLinesAndCodable() throws {
    let d = PolicyDecision(
      violations: [
        PolicyViolation(
          level: .deny, package: "tailguard.packs.no_kev", rule: "deny", message: "b",
          pack: "no-kev"),
        PolicyViolation(level: .deny, package: "main", rule: "deny", message: "a"),
      ],
      warnings: [PolicyViolation(level: .warn, package: "main", rule: "warn", message: "w")],
      evaluatedPackages: ["main", "tailguard.packs.no_kev"], packs: ["no-kev"])
    #expect(
      d.textLines == [
        "DENY  main.deny  a", "DENY  no-kev  b", "WARN  main.warn  w",
        "policy: deny (2 violations, 1 warning)",
      ])
    let data = try JSONEncoder().encode(d)
    #expect(try JSONDecoder().decode(PolicyDecision.self, from: data) == d)
    #expect(
      PolicyDecision(violations: [], warnings: [], evaluatedPackages: [], packs: []).textLines == [
        "policy: allow (0 violations, 0 warnings)"
      ])
  }
}
