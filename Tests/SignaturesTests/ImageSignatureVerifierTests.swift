import Crypto
import Foundation
import Signatures
import SwiftASN1
import Testing
import X509

/// cosign image signatures and attestations, written in the test with keys and a CA made in the
/// test (cosign's formats are public specs) and served by the in-memory fetcher.
struct ImageSignatureVerifierTests {
  static func sha(_ d: Data) -> String {
    "sha256:" + Data(SHA256.hash(data: d)).map { String(format: "%02x", $0) }.joined()
  }
  static func hex(_ d: Data) -> String { d.map { String(format: "%02x", $0) }.joined() }
  static func json(_ o: Any) throws -> Data {
    try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
  }

  let repository = "registry.example/team/app"
  let imageManifest = Data("{\"schemaVersion\":2,\"layers\":[]}".utf8)
  var imageDigest: String { Self.sha(imageManifest) }

  func simpleSigning(digest: String? = nil, reference: String? = nil) throws -> Data {
    try Self.json([
      "critical": [
        "identity": ["docker-reference": reference ?? repository],
        "image": ["docker-manifest-digest": digest ?? imageDigest],
        "type": "cosign container image signature",
      ],
      "optional": ["creator": "tailguard-test"],
    ])
  }

  /// cosign's `dev.sigstore.cosign/bundle` annotation for a body, with the fixture log's SET.
  func legacyBundle(_ f: SigstoreFixture, body: Data, logIndex: Int64 = 77) throws -> String {
    let payload =
      "{\"body\":\"\(body.base64EncodedString())\",\"integratedTime\":\(f.integratedTime),\"logID\":\"\(Self.hex(f.logID))\",\"logIndex\":\(logIndex)}"
    let set = try f.logKey.signature(for: SHA256.hash(data: Data(payload.utf8))).derRepresentation
    return String(
      decoding: try Self.json([
        "SignedEntryTimestamp": set.base64EncodedString(),
        "Payload": [
          "body": body.base64EncodedString(), "integratedTime": f.integratedTime,
          "logIndex": logIndex,
          "logID": Self.hex(f.logID),
        ],
      ]), as: UTF8.self)
  }

  func hashedRekordBody(digestOf payload: Data, signature: Data, verifierPEM: String) throws -> Data
  {
    try Self.json([
      "apiVersion": "0.0.1", "kind": "hashedrekord",
      "spec": [
        "data": [
          "hash": ["algorithm": "sha256", "value": Self.hex(Data(SHA256.hash(data: payload)))]
        ],
        "signature": [
          "content": signature.base64EncodedString(),
          "publicKey": ["content": Data(verifierPEM.utf8).base64EncodedString()],
        ],
      ],
    ])
  }

  static func pem(_ cert: Certificate) throws -> String {
    var s = DER.Serializer()
    try s.serialize(cert)
    return "-----BEGIN CERTIFICATE-----\n"
      + Data(s.serializedBytes).base64EncodedString(options: [
        .lineLength64Characters, .endLineWithLineFeed,
      ]) + "\n-----END CERTIFICATE-----\n"
  }

  struct Spoil {
    var payload: Data?
    var tamperPayloadAfterSigning = false
    var leaf: Certificate?
    var noLogEntry = false
  }

  /// A `.sig` manifest with one keyless layer (certificate + legacy bundle annotations).
  func signatureFetcher(_ f: SigstoreFixture, keyless: Bool = true, spoil: Spoil = Spoil()) throws
    -> InMemorySignatureFetcher
  {
    let payload = try spoil.payload ?? simpleSigning()
    let signature = try f.leafKey.signature(for: SHA256.hash(data: payload)).derRepresentation
    let served = spoil.tamperPayloadAfterSigning ? payload + Data(" ".utf8) : payload
    let verifierPEM =
      keyless
      ? try Self.pem(spoil.leaf ?? f.leafCertificate())
      : f.leafKey.publicKey.pemRepresentation + "\n"
    var annotations = ["dev.cosignproject.cosign/signature": signature.base64EncodedString()]
    if keyless { annotations["dev.sigstore.cosign/certificate"] = verifierPEM }
    if !spoil.noLogEntry {
      annotations["dev.sigstore.cosign/bundle"] = try legacyBundle(
        f, body: hashedRekordBody(digestOf: payload, signature: signature, verifierPEM: verifierPEM)
      )
    }
    let manifest = try Self.json([
      "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": [
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": Self.sha(Data("{}".utf8)), "size": 2,
      ],
      "layers": [
        [
          "mediaType": ImageSignatureVerifier.simpleSigningMediaType, "digest": Self.sha(served),
          "size": served.count,
          "annotations": annotations,
        ]
      ],
    ])
    let tag = imageDigest.replacingOccurrences(of: ":", with: "-") + ".sig"
    return InMemorySignatureFetcher(
      tags: [repository: [tag: manifest]], blobs: [Self.sha(served): served])
  }

  func verify(
    _ f: SigstoreFixture, _ fetcher: InMemorySignatureFetcher,
    signer: SigstoreVerifier.Signer? = nil
  )
    async throws -> ImageSignatureVerifier.Report
  {
    try await ImageSignatureVerifier(trustedRoot: f.trustedRoot(), fetcher: fetcher)
      .verifySignatures(
        of: .init(repository: repository, digest: imageDigest),
        signer: signer ?? .certificate(f.policy))
  }

  func failure(_ report: ImageSignatureVerifier.Report) -> VerificationCheck? {
    guard report.findings.count == 1, case .failure(let f) = report.findings[0].outcome else {
      return nil
    }
    return f.check
  }

  @Test func keylessSignatureVerifies() async throws {
    let f = SigstoreFixture()
    let report = try await verify(f, signatureFetcher(f))
    #expect(report.verified)
    #expect(report.findings.count == 1)
    guard case .success(let v) = report.findings.first?.outcome else { return }
    #expect(v.identities == [f.identity])
    #expect(v.logIndex == 77)
  }

  @Test func keyBasedSignatureVerifies() async throws {
    let f = SigstoreFixture()
    let key = try VerificationKey(pem: f.leafKey.publicKey.pemRepresentation)
    #expect(try await verify(f, signatureFetcher(f, keyless: false), signer: .key(key)).verified)
    let other = try VerificationKey(pem: P256.Signing.PrivateKey().publicKey.pemRepresentation)
    #expect(
      try await failure(verify(f, signatureFetcher(f, keyless: false), signer: .key(other)))
        == .signature)
  }

  @Test func tamperedPayloadFails() async throws {
    let f = SigstoreFixture()
    #expect(
      try await failure(
        verify(f, signatureFetcher(f, spoil: .init(tamperPayloadAfterSigning: true)))) == .signature
    )
  }

  @Test func swappedDigestFails() async throws {
    let f = SigstoreFixture()
    let other = "sha256:" + String(repeating: "ab", count: 32)
    #expect(
      try await failure(
        verify(f, signatureFetcher(f, spoil: .init(payload: simpleSigning(digest: other)))))
        == .imageReference)
    #expect(
      try await failure(
        verify(
          f,
          signatureFetcher(f, spoil: .init(payload: simpleSigning(reference: "evil.example/app")))))
        == .imageReference)
  }

  @Test func expiredCertificateFails() async throws {
    let f = SigstoreFixture()
    let expired = try f.leafCertificate(
      notBefore: f.signingDate.addingTimeInterval(-900),
      notAfter: f.signingDate.addingTimeInterval(-60))
    #expect(
      try await failure(verify(f, signatureFetcher(f, spoil: .init(leaf: expired))))
        == .certificateValidity)
  }

  @Test func wrongIdentityFails() async throws {
    let f = SigstoreFixture()
    let policy = CertificateIdentityPolicy(
      identity: .exact("mallory@example.com"), issuer: .exact(f.issuer))
    #expect(
      try await failure(verify(f, signatureFetcher(f), signer: .certificate(policy)))
        == .certificateIdentity)
  }

  @Test func missingLogEntryFails() async throws {
    let f = SigstoreFixture()
    #expect(
      try await failure(verify(f, signatureFetcher(f, spoil: .init(noLogEntry: true))))
        == .tlogEntryPresent)
  }

  @Test func unsignedImageHasNoFindings() async throws {
    let f = SigstoreFixture()
    let report = try await verify(f, InMemorySignatureFetcher())
    #expect(report.findings.isEmpty)
    #expect(!report.verified)
  }

  /// `.att`: a DSSE in-toto statement (SLSA provenance) about the image, logged as dsse 0.0.1.
  @Test func attestationVerifiesAndFiltersByPredicateType() async throws {
    let f = SigstoreFixture()
    let statement = try Self.json([
      "_type": "https://in-toto.io/Statement/v1",
      "subject": [["name": repository, "digest": ["sha256": String(imageDigest.dropFirst(7))]]],
      "predicateType": "https://slsa.dev/provenance/v1",
      "predicate": ["buildDefinition": ["buildType": "https://example.test/build"]],
    ])
    let envelope = DSSEEnvelope(
      payloadType: "application/vnd.in-toto+json", payload: statement, signatures: [])
    let sig = try f.leafKey.signature(for: SHA256.hash(data: envelope.preAuthenticationEncoding))
      .derRepresentation
    let envelopeJSON = try Self.json([
      "payloadType": envelope.payloadType, "payload": statement.base64EncodedString(),
      "signatures": [["keyid": "", "sig": sig.base64EncodedString()]],
    ])
    let certPEM = try Self.pem(f.leafCertificate())
    let body = try Self.json([
      "apiVersion": "0.0.1", "kind": "dsse",
      "spec": [
        "envelopeHash": [
          "algorithm": "sha256", "value": Self.hex(Data(SHA256.hash(data: envelopeJSON))),
        ],
        "payloadHash": [
          "algorithm": "sha256", "value": Self.hex(Data(SHA256.hash(data: statement))),
        ],
        "signatures": [
          [
            "signature": sig.base64EncodedString(),
            "verifier": Data(certPEM.utf8).base64EncodedString(),
          ]
        ],
      ],
    ])
    let manifest = try Self.json([
      "schemaVersion": 2,
      "layers": [
        [
          "mediaType": ImageSignatureVerifier.dsseMediaType, "digest": Self.sha(envelopeJSON),
          "size": envelopeJSON.count,
          "annotations": [
            "dev.cosignproject.cosign/signature": "", "dev.sigstore.cosign/certificate": certPEM,
            "dev.sigstore.cosign/bundle": try legacyBundle(f, body: body),
          ],
        ]
      ],
    ])
    let tag = imageDigest.replacingOccurrences(of: ":", with: "-") + ".att"
    let fetcher = InMemorySignatureFetcher(
      tags: [repository: [tag: manifest]], blobs: [Self.sha(envelopeJSON): envelopeJSON])
    let verifier = ImageSignatureVerifier(trustedRoot: try f.trustedRoot(), fetcher: fetcher)
    let image = ImageSignatureVerifier.Image(repository: repository, digest: imageDigest)
    let slsa = try await verifier.verifyAttestations(
      of: image, signer: .certificate(f.policy), predicateType: "https://slsa.dev/provenance/v1")
    #expect(slsa.verified)
    #expect(slsa.findings.first?.statement?.predicateType == "https://slsa.dev/provenance/v1")
    let spdx = try await verifier.verifyAttestations(
      of: image, signer: .certificate(f.policy), predicateType: "https://spdx.dev/Document")
    #expect(!spdx.verified)
    guard case .failure(let failure) = spdx.findings.first?.outcome else {
      Issue.record("expected a failure")
      return
    }
    #expect(failure.check == .attestationStatement)
    // The same attestation presented for another image fails on the subject.
    let otherImage = ImageSignatureVerifier.Image(
      repository: repository, digest: "sha256:" + String(repeating: "cd", count: 32))
    let moved = InMemorySignatureFetcher(
      tags: [
        repository: [otherImage.digest.replacingOccurrences(of: ":", with: "-") + ".att": manifest]
      ],
      blobs: fetcher.blobs)
    let wrong = try await ImageSignatureVerifier(trustedRoot: f.trustedRoot(), fetcher: moved)
      .verifyAttestations(of: otherImage, signer: .certificate(f.policy))
    #expect(!wrong.verified)
  }
}
