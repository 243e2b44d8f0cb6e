import Crypto
import Foundation
import ImageSources
import Policy
import Rego
import Scanner
import Signatures
import TailguardModel
import TailguardTesting
import Testing

/// `scan --require-signature`: the requirement syntax, the check recorded in the report and in
/// the policy input, the `signed-image` pack, and the CLI exit codes.
struct SignatureRequirementTests {
  @Test func keyRequirementReadsThePEMKey() throws {
    let dir = try TemporaryDirectory()
    let key = P256.Signing.PrivateKey().publicKey
    try key.pemRepresentation.write(toFile: dir.file("k.pub"), atomically: false, encoding: .utf8)
    let r = try SignatureRequirement(parsing: "key:" + dir.file("k.pub"))
    #expect(r.signer == .key(try VerificationKey(pem: key.pemRepresentation)))
    #expect(r.spec == "key:" + dir.file("k.pub"))
  }

  @Test func identityRequirement() throws {
    let r = try SignatureRequirement(
      parsing: "identity:builder@example.com,issuer:https://accounts.example.com")
    #expect(
      r.signer
        == .certificate(
          CertificateIdentityPolicy(
            identity: .exact("builder@example.com"), issuer: .exact("https://accounts.example.com"))
        ))
    let re = try SignatureRequirement(
      parsing: "identity-regexp:^https://github.com/example/.*$,issuer:https://token.example")
    #expect(
      re.signer
        == .certificate(
          CertificateIdentityPolicy(
            identity: .regularExpression("^https://github.com/example/.*$"),
            issuer: .exact("https://token.example"))))
  }

  @Test(arguments: [
    "identity:a@example.com",  // no issuer
    "issuer:https://x.example",  // no identity
    "identity:a@example.com,identity-regexp:.*,issuer:https://x",  // both identity forms
    "identity:a@example.com,issuer:https://x,color:blue",  // unknown field
    "identity:,issuer:https://x",  // empty value
    "key:",  // no file
    "key:/nonexistent/cosign.pub",  // unreadable
    "a@example.com",  // not name:value
  ])
  func malformedRequirementsAreRejected(spec: String) {
    #expect(throws: ScannerError.self) { try SignatureRequirement(parsing: spec) }
    do {
      _ = try SignatureRequirement(parsing: spec)
    } catch {
      #expect(error.code == .signatureRequirement)
    }
  }
}

struct SignedImagePackTests {
  @Test func packTestsPass() throws {
    let results = try PolicyEngine.testPacks([.signedImage])
    #expect(results.count == 3)
    for r in results { #expect(r.passed, "\(r.name): \(r.error?.description ?? "")") }
  }

  @Test func optInPackResolvesByNameButIsNotInAll() {
    #expect(PolicyPack.named("signed-image") == .signedImage)
    #expect(!PolicyPack.all.contains(.signedImage))
  }
}

@Suite(.enabled(if: Oracles.gate(SignedRegistry.available), "needs docker-registry"))
struct ScanSignatureTests {
  static func report(with check: SignatureCheck?) -> ScanReport {
    var report = ScanReport(
      toolVersion: "test", scannedAt: "2026-11-29T00:00:00Z",
      sbom: SoftwareBOM(image: ImageMetadata(target: "app:1", sourceKind: "registry")))
    report.signatures = check
    return report
  }

  @Test func checkLandsInTheReportAndThePolicyInput() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let signed = try await registry.pushImage(repository: "scan/signed", tag: "v1", content: "s")
    try await registry.pushSignature(
      for: signed.digest, repository: "scan/signed",
      layers: [
        try s.signatureLayer(
          payload: TestSigstore.simpleSigning(
            reference: "\(registry.host)/scan/signed", digest: signed.digest))
      ])
    try await registry.pushImage(repository: "scan/unsigned", tag: "v1", content: "u")
    let requirement = SignatureRequirement(
      spec: "identity:\(s.identity),issuer:\(s.issuer)", signer: .certificate(s.policy))
    let configuration = RegistryClientConfiguration(insecureRegistries: [registry.host])

    let good = try await Scanner().verifySignatures(
      target: "\(registry.host)/scan/signed:v1", requirement: requirement,
      trustedRoot: s.trustedRoot(), registry: configuration)
    #expect(good.verified)
    #expect(good.imageDigest == signed.digest)
    #expect(good.signatures.count == 1)
    #expect(good.signatures.first?.identities == [s.identity])
    #expect(good.signatures.first?.issuer == s.issuer)
    #expect(good.signatures.first?.keyless == true)

    let none = try await Scanner().verifySignatures(
      target: "\(registry.host)/scan/unsigned:v1", requirement: requirement,
      trustedRoot: s.trustedRoot(), registry: configuration)
    #expect(!none.verified)
    #expect(none.signatures.isEmpty)

    // The tag moves to the unsigned image after the scan read it: the scanned digest is verified.
    let other = try await registry.pushImage(repository: "scan/signed", tag: "other", content: "o")
    let otherManifest = try await registry.client.fetchManifest(
      ImageReference(parsing: "\(registry.host)/scan/signed@\(other.digest)"))
    try await registry.client.pushManifest(
      registry: registry.host, repository: "scan/signed", reference: "v1",
      bytes: otherManifest.bytes, mediaType: RegistryMediaType.ociManifest)
    let moved = try await Scanner().verifySignatures(
      target: "\(registry.host)/scan/signed:v1", requirement: requirement,
      trustedRoot: s.trustedRoot(), registry: configuration)
    #expect(!moved.verified)
    let pinned = try await Scanner().verifySignatures(
      target: "\(registry.host)/scan/signed:v1", requirement: requirement,
      trustedRoot: s.trustedRoot(), registry: configuration, digest: Digest(parsing: signed.digest))
    #expect(pinned.verified)
    #expect(pinned.imageDigest == signed.digest)

    // A requirement the signature does not meet: recorded with the failed check.
    let mallory = SignatureRequirement(
      spec: "identity:mallory@example.com,issuer:\(s.issuer)",
      signer: .certificate(
        CertificateIdentityPolicy(identity: .exact("mallory@example.com"), issuer: .exact(s.issuer))
      ))
    let wrong = try await Scanner().verifySignatures(
      target: "\(registry.host)/scan/signed@\(signed.digest)", requirement: mallory,
      trustedRoot: s.trustedRoot(), registry: configuration)
    #expect(!wrong.verified)
    #expect(wrong.signatures.first?.failedCheck == "certificate-identity")

    // Report JSON round trip: the field is additive (absent when no check ran).
    let encoded = try JSONEncoder().encode(Self.report(with: good))
    #expect(try JSONDecoder().decode(ScanReport.self, from: encoded).signatures == good)
    let plain = try JSONEncoder().encode(Self.report(with: nil))
    #expect(!String(decoding: plain, as: UTF8.self).contains("\"signatures\""))

    // Policy input and the signed-image pack.
    let engine = try PolicyEngine(packs: [.signedImage])
    func signatures(_ input: Value) -> Value? {
      if case .object(let o) = input { return o["signatures"] }
      return nil
    }
    let goodInput = PolicyInput.make(report: Self.report(with: good))
    guard case .array(let items)? = signatures(goodInput) else {
      Issue.record("input.signatures is not an array")
      return
    }
    #expect(items.count == 1)
    if case .object(let item) = items.first {
      #expect(item["verified"] == .bool(true))
      #expect(item["identity"] == .string(s.identity))
      #expect(item["issuer"] == .string(s.issuer))
    }
    #expect(try engine.evaluate(input: goodInput).outcome == .allow)
    let wrongDecision = try engine.evaluate(
      input: PolicyInput.make(report: Self.report(with: wrong)))
    #expect(wrongDecision.outcome == .deny)
    #expect(wrongDecision.violations.first?.message.contains("1 found") == true)
    #expect(
      try engine.evaluate(input: PolicyInput.make(report: Self.report(with: none))).outcome == .deny
    )
    #expect(
      try engine.evaluate(input: PolicyInput.make(report: Self.report(with: nil))).outcome == .deny)
    await registry.stop()
  }

  /// The CLI: exit 0 with the check in the JSON report, exit 1 naming the failed check.
  @Test(
    .enabled(if: Oracles.gate(TailguardCLI.binary != nil), "needs the built tailguard executable"))
  func scanRequireSignatureExitCodes() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let (host, keyFile, rootFile) = try registry.cliFiles(s)
    let image = try await registry.pushImage(repository: "scan/app", tag: "v1", content: "app")
    try await registry.pushSignature(
      for: image.digest, repository: "scan/app",
      layers: [
        try s.signatureLayer(
          payload: TestSigstore.simpleSigning(reference: "\(host)/scan/app", digest: image.digest),
          .init(keyless: false))
      ])
    try await registry.pushImage(repository: "scan/unsigned", tag: "v1", content: "u")
    let common = [
      "--require-signature", "key:" + keyFile, "--trusted-root", rootFile,
      "--insecure-registry", host, "-o", "json", "--db", registry.env.dir.file("none.db"),
    ]
    // No advisory database at that path: the scan cannot run (exit 2) — checked first so the
    // remaining runs use the embedded starter set instead (no --db, no TAILGUARD_DB).
    let noDB = try TailguardCLI.run(["scan", "\(host)/scan/app:v1"] + common)
    #expect(noDB.status == 2)
    let args = Array(common.dropLast(2))
    // A malformed requirement is a usage error, reported before anything is scanned.
    let usage = try TailguardCLI.run(
      ["scan", "\(host)/scan/app:v1", "--require-signature", "identity:a@example.com"])
    #expect(usage.status == 64, "\(usage.stderr)")
    #expect(usage.stderr.contains("issuer"), "\(usage.stderr)")
    let good = try TailguardCLI.run(["scan", "\(host)/scan/app:v1"] + args)
    #expect(good.status == 0, "\(good.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any]
    let check = object?["signatures"] as? [String: Any]
    #expect(check?["verified"] as? Bool == true)
    #expect(check?["imageDigest"] as? String == image.digest)

    let unsigned = try TailguardCLI.run(["scan", "\(host)/scan/unsigned:v1"] + args)
    #expect(unsigned.status == 1, "\(unsigned.stderr)")
    #expect(unsigned.stderr.contains("no signature found"), "\(unsigned.stderr)")

    // The pack sees the same result through input.signatures.
    let denied = try TailguardCLI.run(
      ["scan", "\(host)/scan/unsigned:v1", "--policy", "signed-image"] + args)
    #expect(denied.status == 1)
    let deniedReport =
      try JSONSerialization.jsonObject(with: Data(denied.stdout.utf8)) as? [String: Any]
    let policy = deniedReport?["policy"] as? [String: Any]
    #expect(policy?["outcome"] as? String == "deny")
    await registry.stop()
  }
}
