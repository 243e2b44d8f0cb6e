import Crypto
import Foundation
import Signatures
import Testing
import X509

/// Every verification step fails with its own reason on a bundle spoiled in exactly one way;
/// the unspoiled bundle from the same fixture verifies, so each failure is caused by the spoiler.
struct SigstoreVerifierTests {
  let artifact = Data("release-1.2.3.tar.gz contents\n".utf8)

  @Test func validBundleVerifies() async throws {
    let f = SigstoreFixture()
    #expect(try await f.verify(f.bundleJSON(for: artifact), artifact: artifact) == nil)
  }

  @Test func verifiedSignatureReportsIdentityAndTime() async throws {
    let f = SigstoreFixture()
    let bundle = try SigstoreBundle(parsing: f.bundleJSON(for: artifact))
    let v = try await SigstoreVerifier(trustedRoot: f.trustedRoot()).verify(
      bundle: bundle, artifact: artifact, signer: .certificate(f.policy))
    #expect(v.identities == ["builder@example.com"])
    #expect(v.issuer == "https://accounts.example.com")
    #expect(v.certificateFields[.githubWorkflowRepository] == "example/project")
    #expect(v.logIndex == 1_003)
    #expect(v.verifiedTimes.map(\.date) == [f.signingDate])
  }

  @Test func tamperedPayloadFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(for: artifact)
    var tampered = artifact
    tampered[0] ^= 1
    #expect(try await f.verify(json, artifact: tampered)?.check == .artifactDigest)
  }

  @Test func signatureOverOtherDataFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(
      for: artifact, spoil: .init(artifactForSignature: Data("other".utf8)))
    #expect(try await f.verify(json, artifact: artifact)?.check == .signature)
  }

  @Test func swappedDigestFails() async throws {
    let f = SigstoreFixture()
    // The bundle claims another file's digest.
    let json = try f.bundleJSON(
      for: artifact, spoil: .init(messageDigest: Data(SHA256.hash(data: Data("other".utf8)))))
    #expect(try await f.verify(json, artifact: artifact)?.check == .artifactDigest)
    // The log entry records another digest than the one signed (CVE-2022-36056 shape).
    let json2 = try f.bundleJSON(
      for: artifact, spoil: .init(bodyDigest: Data(SHA256.hash(data: Data("other".utf8)))))
    #expect(try await f.verify(json2, artifact: artifact)?.check == .tlogBodyConsistency)
  }

  @Test func expiredCertificateFails() async throws {
    let f = SigstoreFixture()
    let expired = try f.leafCertificate(
      notBefore: f.signingDate.addingTimeInterval(-1_200),
      notAfter: f.signingDate.addingTimeInterval(-600))
    let json = try f.bundleJSON(for: artifact, spoil: .init(leaf: expired))
    let failure = try await f.verify(json, artifact: artifact)
    #expect(failure?.check == .certificateValidity)
  }

  @Test func certificateFromAnotherCAFails() async throws {
    let f = SigstoreFixture()
    let other = SigstoreFixture()
    let foreign = try other.leafCertificate()
    // Signed by the other fixture's CA; the signature itself is by our leaf key, so only the chain is wrong.
    let json = try f.bundleJSON(for: artifact, spoil: .init(leaf: foreign))
    #expect(try await f.verify(json, artifact: artifact)?.check == .certificateChain)
  }

  @Test func certificateAuthorityOutsideItsWindowFails() async throws {
    let f = SigstoreFixture()
    let root = try TrustedRoot(parsing: f.trustedRootJSON(caValidFrom: "2030-01-01T00:00:00Z"))
    #expect(
      try await f.verify(f.bundleJSON(for: artifact), artifact: artifact, root: root)?.check
        == .certificateChain)
  }

  @Test func nonCodeSigningCertificateFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(
      for: artifact, spoil: .init(leaf: f.leafCertificate(codeSigning: false)))
    #expect(try await f.verify(json, artifact: artifact)?.check == .certificateProfile)
  }

  @Test func certificateTransparencyIsRequired() async throws {
    let f = SigstoreFixture()
    let noSCT = try f.bundleJSON(for: artifact, spoil: .init(leaf: f.leafCertificate(sct: false)))
    let failure = try await f.verify(noSCT, artifact: artifact)
    #expect(failure?.check == .certificateProfile)
    #expect(failure?.message.contains("signed certificate timestamp") == true)
    let foreignCT = try f.bundleJSON(
      for: artifact, spoil: .init(leaf: f.leafCertificate(sctKey: P256.Signing.PrivateKey())))
    #expect(try await f.verify(foreignCT, artifact: artifact)?.check == .certificateProfile)
    // cosign's --insecure-ignore-sct.
    let bundle = try SigstoreBundle(parsing: noSCT)
    let v = try await SigstoreVerifier(trustedRoot: f.trustedRoot()).verify(
      bundle: bundle, artifact: artifact, signer: .certificate(f.policy),
      options: .init(requireSignedCertificateTimestamp: false))
    #expect(v.identities == [f.identity])
  }

  @Test func wrongIdentityFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(for: artifact)
    let wrong = CertificateIdentityPolicy(
      identity: .exact("mallory@example.com"), issuer: .exact(f.issuer))
    #expect(
      try await f.verify(json, artifact: artifact, policy: wrong)?.check == .certificateIdentity)
    let wrongIssuer = CertificateIdentityPolicy(
      identity: .exact(f.identity), issuer: .exact("https://evil.example"))
    #expect(
      try await f.verify(json, artifact: artifact, policy: wrongIssuer)?.check == .certificateIssuer
    )
    let wrongRepo = CertificateIdentityPolicy(
      identity: .exact(f.identity), issuer: .exact(f.issuer),
      extensions: [.githubWorkflowRepository: .exact("evil/fork")])
    #expect(
      try await f.verify(json, artifact: artifact, policy: wrongRepo)?.check
        == .certificateExtension)
  }

  @Test func identityRegularExpressionsAreAnchored() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(for: artifact)
    func check(_ pattern: String) async throws -> Bool {
      let p = CertificateIdentityPolicy(
        identity: .regularExpression(pattern),
        issuer: .regularExpression("https://accounts\\.example\\.com"))
      return try await f.verify(json, artifact: artifact, policy: p) == nil
    }
    #expect(try await check(".*@example\\.com"))
    #expect(try await check("builder@.*"))
    #expect(try await !check("builder"))
    #expect(try await !check("example\\.com"))
    #expect(throws: SignatureError.self) {
      try CertificateIdentityPolicy(identity: .regularExpression("(unclosed")).validate()
    }
  }

  @Test func missingLogEntryFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(for: artifact, spoil: .init(dropLogEntry: true))
    #expect(try await f.verify(json, artifact: artifact)?.check == .tlogEntryPresent)
  }

  @Test func brokenInclusionProofFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(for: artifact, spoil: .init(breakProof: true))
    #expect(try await f.verify(json, artifact: artifact)?.check == .tlogInclusionProof)
  }

  @Test func badCheckpointSignatureFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(for: artifact, spoil: .init(breakCheckpointSignature: true))
    #expect(try await f.verify(json, artifact: artifact)?.check == .tlogCheckpoint)
  }

  @Test func badInclusionPromiseFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(for: artifact, spoil: .init(breakPromise: true))
    #expect(try await f.verify(json, artifact: artifact)?.check == .tlogInclusionPromise)
  }

  @Test func unknownLogFails() async throws {
    let f = SigstoreFixture()
    let json = try f.bundleJSON(for: artifact, spoil: .init(unknownLogID: true))
    #expect(try await f.verify(json, artifact: artifact)?.check == .tlogKnownLog)
  }

  @Test func logKeyOutsideItsWindowFails() async throws {
    let f = SigstoreFixture()
    let root = try TrustedRoot(parsing: f.trustedRootJSON(logValidUntil: "2020-01-01T00:00:00Z"))
    #expect(
      try await f.verify(f.bundleJSON(for: artifact), artifact: artifact, root: root)?.check
        == .tlogKnownLog)
  }

  @Test func keyBasedBundleVerifiesWithTheKeyOnly() async throws {
    let f = SigstoreFixture()
    let bundle = try SigstoreBundle(parsing: f.bundleJSON(for: artifact))
    let verifier = SigstoreVerifier(trustedRoot: try f.trustedRoot())
    let right = try VerificationKey(spkiDER: f.leafKey.publicKey.derRepresentation)
    let v = try await verifier.verify(bundle: bundle, artifact: artifact, signer: .key(right))
    #expect(v.logIndex == 1_003)
    let wrong = try VerificationKey(spkiDER: P256.Signing.PrivateKey().publicKey.derRepresentation)
    await #expect(
      throws: VerificationFailure(
        .publicKey, "the bundle's certificate does not hold the given key")
    ) {
      try await verifier.verify(bundle: bundle, artifact: artifact, signer: .key(wrong))
    }
  }
}
