import Foundation
import Rego
import TailguardTesting
import Testing

/// Issue 14, point 4: which of OPA's builtins tailguard implements, and what
/// happens when a policy calls one it does not.
@Suite struct BuiltinCoverageTests {
  /// The documented exclusions (README "Policy (Rego)"): adding one is a
  /// deliberate change to this list.
  static let expectedExclusions: Set<String> = [
    "crypto.parse_private_keys", "crypto.x509.parse_and_verify_certificates",
    "crypto.x509.parse_and_verify_certificates_with_options", "crypto.x509.parse_keypair",
    "crypto.x509.parse_rsa_private_key", "graphql.is_valid", "graphql.parse",
    "graphql.parse_and_verify", "graphql.parse_query", "graphql.parse_schema",
    "graphql.schema_is_valid", "http.send", "internal.print", "internal.template_string",
    "internal.test_case", "io.jwt.decode_verify", "io.jwt.encode_sign", "io.jwt.encode_sign_raw",
    "io.jwt.verify_ps256", "io.jwt.verify_ps384", "io.jwt.verify_ps512", "io.jwt.verify_rs256",
    "io.jwt.verify_rs384", "io.jwt.verify_rs512", "json.match_schema", "json.verify_schema",
    "net.lookup_ip_addr", "providers.aws.sign_req",
    "rand.intn", "regex.globs_match", "rego.metadata.chain", "rego.metadata.rule",
    "rego.parse_module", "strings.render_template", "uuid.rfc4122",
  ]

  @Test func tableListsOPAsBuiltins() {
    #expect(OPABuiltins.names.count == 206)
    #expect(OPABuiltins.names == OPABuiltins.names.sorted())
    #expect(Set(OPABuiltins.names).count == OPABuiltins.names.count)
    // spot checks across the families the issue names
    for n in [
      "object.subset", "json.patch", "strings.any_prefix_match", "regex.template_match",
      "glob.match", "units.parse_bytes", "semver.compare", "time.diff", "net.cidr_merge",
      "crypto.x509.parse_certificates", "graph.reachable_paths", "array.flatten", "bits.lsh",
    ] {
      #expect(OPABuiltins.nameSet.contains(n), "\(n)")
    }
  }

  @Test func everyBuiltinOutsideTheExclusionsIsImplemented() {
    let builtins = Builtins()
    #expect(Set(OPABuiltins.excluded.keys) == Self.expectedExclusions)
    for (name, reason) in OPABuiltins.excluded {
      #expect(OPABuiltins.nameSet.contains(name), "excluded \(name) is not an OPA builtin")
      #expect(!reason.isEmpty)
      #expect(!builtins.has(name), "\(name) is both excluded and implemented")
    }
    let missing = OPABuiltins.names.filter {
      !builtins.has($0) && OPABuiltins.excluded[$0] == nil
    }
    #expect(missing.isEmpty, "OPA builtins neither implemented nor excluded: \(missing)")
    let covered = OPABuiltins.names.filter { builtins.has($0) }.count
    #expect(covered == OPABuiltins.names.count - Self.expectedExclusions.count)
    // the README states this figure
    #expect(covered == 171, "covered \(covered) of \(OPABuiltins.names.count)")
  }

  @Test func readmeStatesTheCoverage() throws {
    let readme = try String(
      contentsOfFile: SharedData.packageRoot + "/README.md", encoding: .utf8)
    let covered = OPABuiltins.names.filter { Builtins().has($0) }.count
    #expect(
      readme.contains(
        "\(covered) of \(OPABuiltins.names.count) OPA \(OPABuiltins.version) builtins"))
  }

  /// An unsupported builtin fails at compile time, by name, with the rule and
  /// location; it is not an evaluation-time surprise.
  @Test(arguments: ["http.send", "strings.render_template", "io.jwt.verify_rs256", "uuid.rfc4122"])
  func unsupportedBuiltinIsACompileError(_ name: String) throws {
    var engine = Engine()
    try engine.addModule(
      """
      package t
      import rego.v1
      ok if true
      p := x if {
        false
        x := \(name)(input.a, input.b)
      }
      """, file: "t.rego")
    do {
      _ = try engine.compile()
      Issue.record("\(name): compiled")
    } catch let e as RegoError {
      #expect(e.code == .compileError)
      #expect(e.message.hasPrefix("unsupported builtin: \(name)"), "\(e)")
      #expect(e.message.contains("data.t.p"), "\(e)")
      #expect(e.location?.row == 6, "\(e)")
      #expect(e.location?.file == "t.rego")
    }
  }

  /// Queries are checked the same way, before evaluation.
  @Test func unsupportedBuiltinInAQuery() throws {
    let program = try Engine().compile()
    do {
      _ = try Engine.evaluate(query: #"false; x := http.send({})"#, program: program, input: nil)
      Issue.record("evaluated")
    } catch let e as RegoError {
      #expect(e.code == .compileError)
      #expect(e.message == "unsupported builtin: http.send", "\(e)")
    }
  }

  /// A name OPA does not know stays an undefined function.
  @Test func unknownFunctionIsStillUndefined() throws {
    var engine = Engine()
    try engine.addModule("package t\nimport rego.v1\np if nosuch.fn(1)\n", file: "t.rego")
    #expect(throws: RegoError.self) { try engine.compile() }
    do { _ = try engine.compile() } catch let e as RegoError {
      #expect(e.message == "undefined function nosuch.fn")
    }
  }

  /// object.subset used to be missing: a bundle using it did not compile.
  @Test func bundleUsingObjectSubsetCompiles() throws {
    var engine = Engine()
    try engine.addModule(
      """
      package k8s
      import rego.v1
      required := {"app.kubernetes.io/name": "web"}
      deny contains "missing labels" if not object.subset(input.metadata.labels, required)
      """, file: "k8s.rego")
    let program = try engine.compile()
    let good = try Engine.evaluate(
      query: "data.k8s.deny", program: program,
      input: try JSONCodec.decode(
        #"{"metadata": {"labels": {"app.kubernetes.io/name": "web", "x": "y"}}}"#))
    #expect(good.rows.first?.expressions.first?.value == .emptySet)
    let bad = try Engine.evaluate(
      query: "data.k8s.deny", program: program,
      input: try JSONCodec.decode(#"{"metadata": {"labels": {"x": "y"}}}"#))
    #expect(bad.rows.first?.expressions.first?.value == .set(["missing labels"]))
  }
}
