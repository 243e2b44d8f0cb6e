import Crypto
import Foundation
import Signatures
import TailguardTesting
import Testing

/// OCI referrers carrying Sigstore bundles, with cosign's real `oci-attestation.sigstore.json`
/// (a v0.3 DSSE bundle logged in production Rekor) served as the referrer of the image it names,
/// and OCI image layouts on disk read by ``OCILayoutSignatureFetcher``.
struct ReferrerBundleTests {
  static let bundlePath = SharedData.path(
    "sigstore/cosign/pkg/cosign/testdata/oci-attestation.sigstore.json")
  static let imageDigest = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4"
  static let repository = "127.0.0.1:60943/repo"

  static func sha(_ d: Data) -> String {
    "sha256:" + Data(SHA256.hash(data: d)).map { String(format: "%02x", $0) }.joined()
  }

  /// The referrer manifest and index for a bundle blob, as a registry's referrers API returns them.
  static func referrerObjects(bundle: Data) throws -> (manifest: Data, index: Data) {
    let manifest = try JSONSerialization.data(
      withJSONObject: [
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "config": [
          "mediaType": "application/vnd.oci.empty.v1+json", "digest": sha(Data("{}".utf8)),
          "size": 2,
        ],
        "layers": [
          [
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "digest": sha(bundle),
            "size": bundle.count,
          ]
        ],
        "subject": [
          "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": imageDigest,
          "size": 100,
        ],
      ], options: [.sortedKeys])
    let index = try JSONSerialization.data(
      withJSONObject: [
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
          [
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest),
            "size": manifest.count,
            "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
          ]
        ],
      ], options: [.sortedKeys])
    return (manifest, index)
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func realReferrerBundleVerifies() async throws {
    let bundle = try Data(contentsOf: URL(fileURLWithPath: Self.bundlePath))
    let (manifest, index) = try Self.referrerObjects(bundle: bundle)
    let fetcher = InMemorySignatureFetcher(
      blobs: [Self.sha(manifest): manifest, Self.sha(bundle): bundle],
      referrerIndexes: [Self.imageDigest: index])
    let verifier = ImageSignatureVerifier(
      trustedRoot: try TrustedRoot.production(), fetcher: fetcher)
    let image = ImageSignatureVerifier.Image(repository: Self.repository, digest: Self.imageDigest)
    let policy = CertificateIdentityPolicy(
      identity: .exact("cody@soyland.com"), issuer: .exact("https://github.com/login/oauth"))
    let report = try await verifier.verifyAttestations(
      of: image, signer: .certificate(policy),
      predicateType: "https://cosign.sigstore.dev/attestation/v1")
    #expect(report.verified)
    #expect(report.findings.count == 1)
    #expect(report.findings.first?.statement?.subjects.first?.name == Self.repository)

    // An attestation is not an image signature: `verify` does not count it.
    let asSignature = try await verifier.verifySignatures(of: image, signer: .certificate(policy))
    #expect(!asSignature.verified)
    if case .failure(let f) = asSignature.findings.first?.outcome {
      #expect(f.check == .attestationStatement)
    }

    let wrongIssuer = CertificateIdentityPolicy(
      identity: .exact("cody@soyland.com"), issuer: .exact("https://accounts.google.com"))
    #expect(
      try await !verifier.verifyAttestations(of: image, signer: .certificate(wrongIssuer)).verified)
    let otherImage = ImageSignatureVerifier.Image(
      repository: Self.repository, digest: Self.sha(Data("other".utf8)))
    let moved = InMemorySignatureFetcher(
      blobs: fetcher.blobs, referrerIndexes: [otherImage.digest: index])
    let report2 = try await ImageSignatureVerifier(
      trustedRoot: try TrustedRoot.production(), fetcher: moved
    )
    .verifyAttestations(of: otherImage, signer: .certificate(policy))
    guard case .failure(let failure) = report2.findings.first?.outcome else {
      Issue.record("expected a failure")
      return
    }
    #expect(failure.check == .imageReference)
  }

  /// The same referrer written as an OCI layout (the `sha256-<hex>` referrers tag fallback) and
  /// read back from disk.
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func layoutOnDiskWithReferrersTag() async throws {
    let bundle = try Data(contentsOf: URL(fileURLWithPath: Self.bundlePath))
    let (manifest, index) = try Self.referrerObjects(bundle: bundle)
    let dir = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: dir.file("blobs/sha256"), withIntermediateDirectories: true)
    for blob in [manifest, index, bundle] {
      try blob.write(
        to: URL(fileURLWithPath: dir.file("blobs/sha256/" + Self.sha(blob).dropFirst(7))))
    }
    let tag = Self.imageDigest.replacingOccurrences(of: ":", with: "-")
    let layoutIndex = try JSONSerialization.data(withJSONObject: [
      "schemaVersion": 2,
      "manifests": [
        [
          "mediaType": "application/vnd.oci.image.index.v1+json", "digest": Self.sha(index),
          "size": index.count,
          "annotations": ["org.opencontainers.image.ref.name": tag],
        ]
      ],
    ])
    try layoutIndex.write(to: URL(fileURLWithPath: dir.file("index.json")))
    let fetcher = OCILayoutSignatureFetcher(directory: dir.path)
    #expect(try await fetcher.listTags(repository: "") == [tag])
    let verifier = ImageSignatureVerifier(
      trustedRoot: try TrustedRoot.production(), fetcher: fetcher)
    let policy = CertificateIdentityPolicy(
      identity: .regularExpression(".*@soyland\\.com"),
      issuer: .exact("https://github.com/login/oauth"))
    let report = try await verifier.verifyAttestations(
      of: .init(repository: Self.repository, digest: Self.imageDigest), signer: .certificate(policy)
    )
    #expect(report.verified)
    // A blob whose bytes do not match its name is refused by the layout reader.
    try Data("tampered".utf8).write(
      to: URL(fileURLWithPath: dir.file("blobs/sha256/" + Self.sha(bundle).dropFirst(7))))
    let tampered = try await verifier.verifyAttestations(
      of: .init(repository: Self.repository, digest: Self.imageDigest), signer: .certificate(policy)
    )
    #expect(!tampered.verified)
  }
}
