import Crypto
import Foundation
import ImageSources
import Scanner
import Signatures
import TailguardTesting
import Testing

/// cosign signatures of images in a real registry on loopback: signatures written in the test in
/// cosign's formats, pushed with the registry client, found and verified through
/// ``ImageSignatureLocator`` (tag → digest resolution) and ``RegistrySignatureFetcher``. Every
/// broken case asserts the check that failed, not just that verification failed.
@Suite(.enabled(if: Oracles.gate(SignedRegistry.available), "needs docker-registry"))
struct RegistrySignatureTests {
  static func configuration(_ registry: SignedRegistry) -> RegistryClientConfiguration {
    RegistryClientConfiguration(insecureRegistries: [registry.host])
  }

  /// Verifies the signatures of `repository:tag` as `tailguard verify` does.
  static func verify(
    _ registry: SignedRegistry, _ repository: String, tag: String = "v1", sigstore: TestSigstore,
    signer: SigstoreVerifier.Signer
  ) async throws -> ImageSignatureVerifier.Report {
    let location = try await ImageSignatureLocator.locate(
      target: "\(registry.host)/\(repository):\(tag)", configuration: configuration(registry))
    defer { Task { await location.close() } }
    return try await ImageSignatureVerifier(
      trustedRoot: sigstore.trustedRoot(), fetcher: location.fetcher
    )
    .verifySignatures(of: location.image, signer: signer)
  }

  /// The single finding's failure, or nil when there is not exactly one failed finding.
  static func failure(_ report: ImageSignatureVerifier.Report) -> VerificationFailure? {
    guard report.findings.count == 1, case .failure(let f) = report.findings[0].outcome else {
      return nil
    }
    return f
  }

  @Test func tagResolvesToTheDigestAndTheRepositoryName() async throws {
    let registry = try SignedRegistry()
    let image = try await registry.pushImage(repository: "team/app", tag: "v1")
    let location = try await ImageSignatureLocator.locate(
      target: "\(registry.host)/team/app:v1", configuration: Self.configuration(registry))
    #expect(location.image.digest == image.digest)
    #expect(location.image.repository == "\(registry.host)/team/app")
    #expect(location.image.dockerReference == "\(registry.host)/team/app")
    #expect(location.image.checkDockerReference)
    await location.close()
    // An unsigned image: nothing found, not verified (and no error).
    let report = try await Self.verify(
      registry, "team/app", sigstore: TestSigstore(), signer: .certificate(TestSigstore().policy))
    #expect(report.findings.isEmpty)
    #expect(!report.verified)
    await registry.stop()
  }

  @Test func keyBasedSignatures() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let key = SigstoreVerifier.Signer.key(
      try VerificationKey(pem: s.leafKey.publicKey.pemRepresentation))
    let keyBased = TestSigstore.Signing(keyless: false)

    // Valid.
    let good = try await registry.pushImage(repository: "key/good", tag: "v1", content: "good")
    let goodPayload = try TestSigstore.simpleSigning(
      reference: "\(registry.host)/key/good", digest: good.digest)
    try await registry.pushSignature(
      for: good.digest, repository: "key/good",
      layers: [try s.signatureLayer(payload: goodPayload, keyBased)])
    let verified = try await Self.verify(registry, "key/good", sigstore: s, signer: key)
    #expect(verified.verified)
    #expect(verified.findings.count == 1)
    #expect(verified.findings.first?.source.hasSuffix(".sig layer 1") == true)
    if case .success(let v) = verified.findings.first?.outcome {
      #expect(v.identities.isEmpty)
      #expect(v.logIndex == 77)
    }

    // Wrong key: the same signature checked with another key.
    let other = SigstoreVerifier.Signer.key(
      try VerificationKey(pem: P256.Signing.PrivateKey().publicKey.pemRepresentation))
    let wrongKey = Self.failure(
      try await Self.verify(registry, "key/good", sigstore: s, signer: other))
    #expect(wrongKey?.check == .signature, "\(String(describing: wrongKey))")

    // Tampered payload: the served payload is not the signed one.
    let tampered = try await registry.pushImage(repository: "key/tampered", tag: "v1", content: "t")
    let tamperedPayload = try TestSigstore.simpleSigning(
      reference: "\(registry.host)/key/tampered", digest: tampered.digest)
    var spoil = keyBased
    spoil.tamperPayload = true
    try await registry.pushSignature(
      for: tampered.digest, repository: "key/tampered",
      layers: [try s.signatureLayer(payload: tamperedPayload, spoil)])
    let tamperedFailure = Self.failure(
      try await Self.verify(registry, "key/tampered", sigstore: s, signer: key))
    #expect(tamperedFailure?.check == .signature, "\(String(describing: tamperedFailure))")

    // Swapped digest: a valid signature of another image, copied under this image's `.sig` tag.
    let victim = try await registry.pushImage(repository: "key/swapped", tag: "v1", content: "v")
    let otherImage = try await registry.pushImage(
      repository: "key/swapped", tag: "v2", content: "o")
    let otherPayload = try TestSigstore.simpleSigning(
      reference: "\(registry.host)/key/swapped", digest: otherImage.digest)
    try await registry.pushSignature(
      for: victim.digest, repository: "key/swapped",
      layers: [try s.signatureLayer(payload: otherPayload, keyBased)])
    let swapped = Self.failure(
      try await Self.verify(registry, "key/swapped", sigstore: s, signer: key))
    #expect(swapped?.check == .imageReference)
    #expect(swapped?.message.contains(otherImage.digest) == true, "\(String(describing: swapped))")

    // Signed for another repository (docker-reference mismatch).
    let moved = try await registry.pushImage(repository: "key/moved", tag: "v1", content: "m")
    let elsewhere = try TestSigstore.simpleSigning(
      reference: "\(registry.host)/key/elsewhere", digest: moved.digest)
    try await registry.pushSignature(
      for: moved.digest, repository: "key/moved",
      layers: [try s.signatureLayer(payload: elsewhere, keyBased)])
    let movedFailure = Self.failure(
      try await Self.verify(registry, "key/moved", sigstore: s, signer: key))
    #expect(movedFailure?.check == .imageReference)
    #expect(movedFailure?.message.contains("key/elsewhere") == true)
    await registry.stop()
  }

  @Test func keylessSignatures() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let identity = SigstoreVerifier.Signer.certificate(s.policy)

    func signed(_ repository: String, _ how: TestSigstore.Signing) async throws {
      let image = try await registry.pushImage(
        repository: repository, tag: "v1", content: repository)
      let payload = try TestSigstore.simpleSigning(
        reference: "\(registry.host)/\(repository)", digest: image.digest)
      try await registry.pushSignature(
        for: image.digest, repository: repository,
        layers: [try s.signatureLayer(payload: payload, how)])
    }

    // Valid, with the identity and issuer the user asks for.
    try await signed("keyless/good", .init())
    let good = try await Self.verify(registry, "keyless/good", sigstore: s, signer: identity)
    #expect(good.verified)
    if case .success(let v) = good.findings.first?.outcome {
      #expect(v.identities == [s.identity])
      #expect(v.issuer == s.issuer)
    } else {
      Issue.record("expected a verified signature: \(good.findings)")
    }

    // Wrong identity.
    let mallory = SigstoreVerifier.Signer.certificate(
      CertificateIdentityPolicy(identity: .exact("mallory@example.com"), issuer: .exact(s.issuer)))
    let wrongIdentity = Self.failure(
      try await Self.verify(registry, "keyless/good", sigstore: s, signer: mallory))
    #expect(wrongIdentity?.check == .certificateIdentity)

    // Wrong issuer.
    let otherIssuer = SigstoreVerifier.Signer.certificate(
      CertificateIdentityPolicy(
        identity: .exact(s.identity), issuer: .exact("https://token.actions.githubusercontent.com"))
    )
    let wrongIssuer = Self.failure(
      try await Self.verify(registry, "keyless/good", sigstore: s, signer: otherIssuer))
    #expect(wrongIssuer?.check == .certificateIssuer)

    // Expired: the log integrated the signature after the certificate's validity ended.
    try await signed(
      "keyless/expired",
      .init(
        certificate: try s.leafCertificate(
          notBefore: s.signingDate.addingTimeInterval(-900),
          notAfter: s.signingDate.addingTimeInterval(-60))))
    let expired = Self.failure(
      try await Self.verify(registry, "keyless/expired", sigstore: s, signer: identity))
    #expect(expired?.check == .certificateValidity, "\(String(describing: expired))")

    // No transparency-log entry (no bundle annotation).
    try await signed("keyless/nolog", .init(logEntry: false))
    let noLog = Self.failure(
      try await Self.verify(registry, "keyless/nolog", sigstore: s, signer: identity))
    #expect(noLog?.check == .tlogEntryPresent, "\(String(describing: noLog))")

    // A certificate from a CA that is not in the trusted root.
    let stranger = TestSigstore()
    let strangerImage = try await registry.pushImage(
      repository: "keyless/stranger", tag: "v1", content: "s")
    let strangerPayload = try TestSigstore.simpleSigning(
      reference: "\(registry.host)/keyless/stranger", digest: strangerImage.digest)
    try await registry.pushSignature(
      for: strangerImage.digest, repository: "keyless/stranger",
      layers: [try stranger.signatureLayer(payload: strangerPayload)])
    let untrusted = Self.failure(
      try await Self.verify(registry, "keyless/stranger", sigstore: s, signer: identity))
    #expect(untrusted?.check == .certificateChain, "\(String(describing: untrusted))")
    await registry.stop()
  }

  /// cosign v3: the signature is a Sigstore bundle (DSSE statement with cosign's sign predicate)
  /// attached as an OCI referrer; docker-registry has no referrers API, so it is found through
  /// the `sha256-<hex>` fallback tag.
  @Test func bundleReferrerSignature() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let image = try await registry.pushImage(repository: "bundle/app", tag: "v1", content: "b")
    let statement = try TestSigstore.statement(
      name: "\(registry.host)/bundle/app", digest: image.digest,
      predicateType: ImageSignatureVerifier.cosignSignPredicateType, predicate: [:])
    try await registry.pushBundleReferrer(
      bundle: try s.dsseBundle(statement: statement), subject: image.digest,
      subjectSize: image.size, repository: "bundle/app")
    let report = try await Self.verify(
      registry, "bundle/app", sigstore: s, signer: .certificate(s.policy))
    #expect(report.verified, "\(report.findings.map(\.outcome))")
    #expect(report.findings.first?.source.hasPrefix("referrer sha256:") == true)

    // The same bundle under another image: its statement names a different digest.
    let other = try await registry.pushImage(repository: "bundle/app", tag: "v2", content: "c")
    try await registry.pushBundleReferrer(
      bundle: try s.dsseBundle(statement: statement), subject: other.digest,
      subjectSize: other.size, repository: "bundle/app")
    let moved = try await Self.verify(
      registry, "bundle/app", tag: "v2", sigstore: s, signer: .certificate(s.policy))
    #expect(!moved.verified)
    #expect(Self.failure(moved)?.check == .imageReference)
    await registry.stop()
  }
}
