import Foundation
import ImageSources
import Scanner
import Signatures
import TailguardTesting
import Testing

/// `verify-attestation --policy`: Rego on verified in-toto statements of an image in the loopback
/// registry (Sigstore bundle referrers written in the test), through the library and the CLI.
@Suite(.enabled(if: Oracles.gate(SignedRegistry.available), "needs docker-registry"))
struct AttestationPolicyTests {
  static let slsa = "https://slsa.dev/provenance/v1"
  static let vuln = "https://cosign.sigstore.dev/attestation/vuln/v1"

  /// Rego: provenance must come from the expected builder; vulnerability scans must be recent.
  static let policy = #"""
    package attestation.rules

    import rego.v1

    deny_builder contains msg if {
    	input.predicateType == "https://slsa.dev/provenance/v1"
    	input.predicate.runDetails.builder.id != "https://github.com/actions/runner"
    	msg := sprintf("untrusted builder %s", [input.predicate.runDetails.builder.id])
    }

    deny_stale_scan contains msg if {
    	input.predicateType == "https://cosign.sigstore.dev/attestation/vuln/v1"
    	input.predicate.metadata.scanFinishedOn < "2023-01-01T00:00:00Z"
    	msg := sprintf("vulnerability scan from %s is too old", [input.predicate.metadata.scanFinishedOn])
    }
    """#

  static func provenance(builder: String) -> [String: Any] {
    [
      "buildDefinition": [
        "buildType": "https://actions.github.io/buildtypes/workflow/v1",
        "externalParameters": ["workflow": ["repository": "https://github.com/example/app"]],
      ],
      "runDetails": ["builder": ["id": builder]],
    ]
  }

  /// Pushes `repository:tag` with one attestation bundle per predicate; returns the image digest.
  @discardableResult
  static func attested(
    _ registry: SignedRegistry, _ s: TestSigstore, repository: String,
    predicates: [(type: String, predicate: [String: Any])]
  ) async throws -> String {
    let image = try await registry.pushImage(repository: repository, tag: "v1", content: repository)
    var bundles: [Data] = []
    for p in predicates {
      let statement = try TestSigstore.statement(
        name: "\(registry.host)/\(repository)", digest: image.digest, predicateType: p.type,
        predicate: p.predicate)
      bundles.append(try s.dsseBundle(statement: statement))
    }
    try await registry.pushBundleReferrers(
      bundles: bundles, subject: image.digest, subjectSize: image.size, repository: repository)
    return image.digest
  }

  static func evaluate(
    _ registry: SignedRegistry, _ s: TestSigstore, repository: String, type: String?,
    policyDir: String
  ) async throws -> (ImageSignatureVerifier.Report, [AttestationPolicy.Evaluation]) {
    let location = try await ImageSignatureLocator.locate(
      target: "\(registry.host)/\(repository):v1",
      configuration: RegistryClientConfiguration(insecureRegistries: [registry.host]))
    let report = try await ImageSignatureVerifier(
      trustedRoot: s.trustedRoot(), fetcher: location.fetcher
    )
    .verifyAttestations(of: location.image, signer: .certificate(s.policy), predicateType: type)
    await location.close()
    return (report, try AttestationPolicy(arguments: [policyDir]).evaluate(report))
  }

  @Test func policyDecidesOnVerifiedProvenance() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let dir = registry.env.dir.file("policy")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Self.policy.write(toFile: dir + "/attestation.rego", atomically: false, encoding: .utf8)
    try await Self.attested(
      registry, s, repository: "att/trusted",
      predicates: [(Self.slsa, Self.provenance(builder: "https://github.com/actions/runner"))])
    try await Self.attested(
      registry, s, repository: "att/untrusted",
      predicates: [(Self.slsa, Self.provenance(builder: "https://evil.example/runner"))])

    let (trustedReport, allowed) = try await Self.evaluate(
      registry, s, repository: "att/trusted", type: Self.slsa, policyDir: dir)
    #expect(trustedReport.verified)
    #expect(allowed.count == 1)
    #expect(allowed.first?.predicateType == Self.slsa)
    #expect(allowed.first?.decision.outcome == .allow)

    let (_, denied) = try await Self.evaluate(
      registry, s, repository: "att/untrusted", type: Self.slsa, policyDir: dir)
    #expect(denied.count == 1)
    let violation = denied.first?.decision.violations.first
    #expect(denied.first?.decision.outcome == .deny)
    #expect(violation?.package == "attestation.rules")
    #expect(violation?.rule == "deny_builder")
    #expect(violation?.message == "untrusted builder https://evil.example/runner")

    // Unverified statements are never evaluated: another signer's identity verifies nothing.
    let location = try await ImageSignatureLocator.locate(
      target: "\(registry.host)/att/untrusted:v1",
      configuration: RegistryClientConfiguration(insecureRegistries: [registry.host]))
    let other = try await ImageSignatureVerifier(
      trustedRoot: s.trustedRoot(), fetcher: location.fetcher
    )
    .verifyAttestations(
      of: location.image,
      signer: .certificate(
        CertificateIdentityPolicy(identity: .exact("other@example.com"), issuer: .exact(s.issuer))))
    await location.close()
    #expect(!other.verified)
    #expect(try AttestationPolicy(arguments: [dir]).evaluate(other).isEmpty)
    await registry.stop()
  }

  /// cosign's own vulnerability-scan predicate (../shared/data/sigstore, cosign test data).
  @Test(
    .enabled(
      if: Oracles.gate(
        FileManager.default.fileExists(atPath: AttestationPolicyTests.vulnPredicatePath)),
      "needs ../shared/data/sigstore"))
  func realVulnerabilityPredicate() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let dir = registry.env.dir.file("policy")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Self.policy.write(toFile: dir + "/attestation.rego", atomically: false, encoding: .utf8)
    let predicate = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: Self.vulnPredicatePath))) as? [String: Any])
    try await Self.attested(
      registry, s, repository: "att/vuln",
      predicates: [
        (Self.vuln, predicate),
        (Self.slsa, Self.provenance(builder: "https://github.com/actions/runner")),
      ])
    // Without --type both attestations verify and are evaluated; only the stale scan is denied.
    let (report, evaluations) = try await Self.evaluate(
      registry, s, repository: "att/vuln", type: nil, policyDir: dir)
    #expect(report.findings.count == 2)
    #expect(Set(evaluations.map(\.predicateType)) == [Self.vuln, Self.slsa])
    let vuln = evaluations.first { $0.predicateType == Self.vuln }
    #expect(vuln?.decision.violations.map(\.rule) == ["deny_stale_scan"])
    #expect(
      vuln?.decision.violations.first?.message
        == "vulnerability scan from 2022-04-12T00:10:00Z is too old")
    #expect(evaluations.first { $0.predicateType == Self.slsa }?.decision.outcome == .allow)
    await registry.stop()
  }

  static var vulnPredicatePath: String {
    let shared =
      FileManager.default.fileExists(atPath: SharedData.root)
      ? SharedData.root : "/work/shared/data"
    return shared + "/sigstore/cosign/test/testdata/attestations/vuln-predicate.json"
  }

  /// The CLI: exit 0 when the policy allows, 1 naming the denying rule.
  @Test(
    .enabled(if: Oracles.gate(TailguardCLI.binary != nil), "needs the built tailguard executable"))
  func verifyAttestationPolicyExitCodes() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let dir = registry.env.dir.file("policy")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Self.policy.write(toFile: dir + "/attestation.rego", atomically: false, encoding: .utf8)
    let root = registry.env.dir.file("trusted_root.json")
    try s.trustedRootJSON().write(to: URL(fileURLWithPath: root))
    try await Self.attested(
      registry, s, repository: "cli/trusted",
      predicates: [(Self.slsa, Self.provenance(builder: "https://github.com/actions/runner"))])
    try await Self.attested(
      registry, s, repository: "cli/untrusted",
      predicates: [(Self.slsa, Self.provenance(builder: "https://evil.example/runner"))])
    let common = [
      "--type", "slsaprovenance1", "--policy", dir, "--certificate-identity", s.identity,
      "--certificate-oidc-issuer", s.issuer, "--trusted-root", root, "--insecure-registry",
      registry.host,
    ]
    let ok = try TailguardCLI.run(
      ["verify-attestation", "\(registry.host)/cli/trusted:v1"] + common)
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stderr.contains("Policy passed on 1 verified attestation"))
    let bad = try TailguardCLI.run(
      ["verify-attestation", "\(registry.host)/cli/untrusted:v1"] + common)
    #expect(bad.status == 1, "\(bad.stderr)")
    #expect(
      bad.stderr.contains("attestation.rules.deny_builder: untrusted builder"), "\(bad.stderr)")
    // A policy that does not parse cannot decide: exit 2.
    try "package broken\n deny contains if {".write(
      toFile: dir + "/broken.rego", atomically: false, encoding: .utf8)
    let broken = try TailguardCLI.run(
      ["verify-attestation", "\(registry.host)/cli/trusted:v1"] + common)
    #expect(broken.status == 2, "\(broken.stderr)")
    await registry.stop()
  }
}
