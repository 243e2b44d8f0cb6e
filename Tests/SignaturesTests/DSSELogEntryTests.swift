import Crypto
import Foundation
import Signatures
import Testing

/// DSSE bundles against the Rekor v1 entry types a verifier must accept (rekor's `dsse` 0.0.1 and
/// `intoto` 0.0.2, whose bodies the fixture writes as rekor does): every Rekor v1 entry's
/// integrated time is signed by its inclusion promise, so it is a verified signing time whatever
/// the kind. The body must agree with the envelope (payload hash, payload type), its signatures and
/// the signer; each disagreement is rejected as such. Other types stay rejected.
struct DSSELogEntryTests {
  let artifact = Data("release-2.0.0.tar.gz contents\n".utf8)

  func verify(
    _ f: SigstoreFixture, _ entry: SigstoreFixture.DSSEEntry,
    mediaType: String = "application/vnd.dev.sigstore.bundle+json;version=0.2"
  ) async throws -> VerificationFailure? {
    try await f.verify(
      f.dsseBundleJSON(for: artifact, entry: entry, mediaType: mediaType), artifact: artifact)
  }

  /// Issue 14: a v0.2 bundle with an intoto 0.0.2 entry was rejected ("integrated time is only
  /// defined for dsse/hashedrekord 0.0.1 entries").
  @Test func intotoEntryInV02BundleVerifies() async throws {
    let f = SigstoreFixture()
    let bundle = try SigstoreBundle(parsing: f.dsseBundleJSON(for: artifact))
    #expect(bundle.version == .v02)
    #expect(bundle.tlogEntries.map { "\($0.kind)/\($0.kindVersion)" } == ["intoto/0.0.2"])
    let verifier = SigstoreVerifier(trustedRoot: try f.trustedRoot())
    let v = try await verifier.verify(
      bundle: bundle, artifact: artifact, signer: .certificate(f.policy))
    #expect(v.verifiedTimes.map(\.source) == [.transparencyLog])
    #expect(v.verifiedTimes.map(\.date) == [f.signingDate])
    #expect(v.logIndex == 1_003)
    #expect(v.payloadType == "application/vnd.in-toto+json")
    // The envelope on its own (verify-attestation), and the v0.1 bundle shape.
    _ = try await verifier.verify(bundle: bundle, artifact: nil, signer: .certificate(f.policy))
    #expect(
      try await verify(
        f, .init(), mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1") == nil)
  }

  @Test func keyBasedIntotoEntryVerifies() async throws {
    let f = SigstoreFixture()
    let json = try f.dsseBundleJSON(for: artifact, entry: .init(keyBased: true))
    let key = try VerificationKey(spkiDER: f.leafKey.publicKey.derRepresentation)
    let v = try await SigstoreVerifier(trustedRoot: f.trustedRoot()).verify(
      bundle: SigstoreBundle(parsing: json), artifact: artifact, signer: .key(key))
    #expect(v.verifiedTimes.map(\.date) == [f.signingDate])
    // The body records another key than the one that signed.
    let otherKey = P256.Signing.PrivateKey().publicKey.pemRepresentation + "\n"
    let swapped = try f.dsseBundleJSON(
      for: artifact, entry: .init(bodyVerifierPEM: otherKey, keyBased: true))
    await #expect(
      throws: VerificationFailure(
        .tlogBodyConsistency,
        "intoto/0.0.2 log entry verifier (certificate or key) differs from the DSSE envelope's")
    ) {
      try await SigstoreVerifier(trustedRoot: f.trustedRoot()).verify(
        bundle: SigstoreBundle(parsing: swapped), artifact: artifact, signer: .key(key))
    }
  }

  @Test func dsseEntryStillVerifies() async throws {
    let f = SigstoreFixture()
    #expect(try await verify(f, .init(kind: "dsse", version: "0.0.1")) == nil)
    #expect(
      try await verify(
        f, .init(kind: "dsse", version: "0.0.1"),
        mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1") == nil)
  }

  @Test func hashedrekordStillVerifies() async throws {
    let f = SigstoreFixture()
    #expect(try await f.verify(f.bundleJSON(for: artifact), artifact: artifact) == nil)
  }

  struct Spoil: Sendable, CustomStringConvertible {
    var description: String
    /// What the failure message names.
    var field: String
    var apply: @Sendable (inout SigstoreFixture.DSSEEntry, SigstoreFixture) throws -> Void
  }

  static let spoilers: [Spoil] = [
    Spoil(description: "payload of another statement", field: "payload hash") { e, _ in
      e.bodyPayload = Data(#"{"_type":"https://in-toto.io/Statement/v1","subject":[]}"#.utf8)
    },
    Spoil(description: "another signature", field: "signatures") { e, f in
      e.bodySignature = try f.signature(over: Data("another envelope".utf8))
    },
    Spoil(description: "another signer's certificate", field: "verifier (certificate or key)") {
      e, _ in
      e.bodyVerifierPEM = try SigstoreFixture.pem(SigstoreFixture().leafCertificate())
    },
  ]

  @Test(arguments: ["dsse/0.0.1", "intoto/0.0.2"], spoilers)
  func inconsistentBodyIsRejected(_ type: String, _ spoil: Spoil) async throws {
    let f = SigstoreFixture()
    let parts = type.split(separator: "/").map(String.init)
    var entry = SigstoreFixture.DSSEEntry(kind: parts[0], version: parts[1])
    try spoil.apply(&entry, f)
    let failure = try await verify(f, entry)
    #expect(failure?.check == .tlogBodyConsistency)
    #expect(
      failure?.message == "\(type) log entry \(spoil.field) differs from the DSSE envelope's",
      "\(String(describing: failure))")
  }

  @Test func intotoBodyMustRecordTheEnvelopesPayloadType() async throws {
    let f = SigstoreFixture()
    let failure = try await verify(f, .init(bodyPayloadType: "application/vnd.other+json"))
    #expect(
      failure
        == VerificationFailure(
          .tlogBodyConsistency,
          "intoto/0.0.2 log entry payload type differs from the DSSE envelope's"
        ))
  }

  /// rekor writes an intoto 0.0.2 `sig` as base64 of the envelope's base64 signature text.
  @Test func intotoSignatureMustBeEncodedAsRekorWritesIt() async throws {
    let f = SigstoreFixture()
    let failure = try await verify(f, .init(singleEncodedSignature: true))
    #expect(
      failure
        == VerificationFailure(
          .tlogBodyConsistency,
          "log entry body: intoto signature is not base64 of a base64 signature"))
  }

  /// The bundle's kindVersion is not signed; the body is. They must agree.
  @Test func declaredTypeMustMatchTheBody() async throws {
    let f = SigstoreFixture()
    let intotoAsDSSE = try await verify(
      f, .init(declaredKind: "dsse", declaredVersion: "0.0.1"))
    #expect(
      intotoAsDSSE
        == VerificationFailure(
          .tlogBodyConsistency,
          "log entry body is intoto/0.0.2 but the bundle declares dsse/0.0.1"))
    let dsseAsIntoto = try await verify(
      f, .init(kind: "dsse", version: "0.0.1", declaredKind: "intoto", declaredVersion: "0.0.2"))
    #expect(dsseAsIntoto?.check == .tlogBodyConsistency)
  }

  /// Types whose bodies tailguard does not check stay rejected, and a Rekor v2 entry (which has no
  /// integrated time) cannot bring one.
  @Test func otherEntryTypesStayRejected() async throws {
    let f = SigstoreFixture()
    for (kind, version) in [("intoto", "0.0.1"), ("rekord", "0.0.1"), ("intoto", "0.0.3")] {
      let failure = try await verify(f, .init(kind: kind, version: version))
      #expect(
        failure
          == VerificationFailure(.bundleFormat, "unsupported log entry type \(kind)/\(version)"))
    }
    let v2 = try await verify(f, .init(kind: "dsse", version: "0.0.2"))
    #expect(
      v2
        == VerificationFailure(
          .bundleFormat, "integrated time is only defined for Rekor v1 entries, not dsse/0.0.2"))
  }
}
