import Crypto
import Foundation
import ImageSources
import Scanner
import Signatures
import TailguardModel
import TailguardTesting
import Testing

/// Signatures stored next to the image in an OCI layout (as `cosign save` writes them), found
/// through ``ImageSignatureLocator`` the same way `verify` and `scan --require-signature` do.
struct LayoutSignatureTests {
  /// A layout with the image tagged `v1` and its `.sig` manifest tagged `sha256-<hex>.sig`.
  static func signedLayout(_ s: TestSigstore, at dir: String, reference: String) throws -> String {
    var tar = TarBuilder()
    tar.file("etc/motd", "layout")
    let image = try ImageBuilder(layers: [.init(tar.bytes)]).writeBlobs(into: dir)
    let payload = try TestSigstore.simpleSigning(reference: reference, digest: image.manifestDigest)
    let layer = try s.signatureLayer(payload: payload, .init(keyless: false))
    _ = try ImageBuilder.writeBlob([UInt8](layer.blob), into: dir)
    _ = try ImageBuilder.writeBlob([UInt8](TestSigstore.emptyConfig), into: dir)
    let sig = try TestSigstore.signatureManifest(layers: [layer.descriptor])
    _ = try ImageBuilder.writeBlob([UInt8](sig), into: dir)
    try ImageBuilder.writeIndex(
      at: dir,
      manifests: [
        [
          "mediaType": RegistryMediaType.ociManifest, "digest": image.manifestDigest,
          "size": image.manifestBytes.count,
          "annotations": ["org.opencontainers.image.ref.name": "v1"],
        ],
        [
          "mediaType": RegistryMediaType.ociManifest, "digest": TestSigstore.sha256(sig),
          "size": sig.count,
          "annotations": [
            "org.opencontainers.image.ref.name": image.manifestDigest.replacingOccurrences(
              of: ":", with: "-") + ".sig"
          ],
        ],
      ])
    return image.manifestDigest
  }

  @Test func layoutTagResolvesAndVerifies() async throws {
    let dir = try TemporaryDirectory()
    let s = TestSigstore()
    let digest = try Self.signedLayout(s, at: dir.path, reference: "registry.example/team/app")
    let key = SigstoreVerifier.Signer.key(
      try VerificationKey(pem: s.leafKey.publicKey.pemRepresentation))

    let location = try await ImageSignatureLocator.locate(
      target: "oci:\(dir.path):v1", configuration: RegistryClientConfiguration())
    #expect(location.image.digest == digest)
    #expect(!location.image.checkDockerReference)
    let report = try await ImageSignatureVerifier(
      trustedRoot: s.trustedRoot(), fetcher: location.fetcher
    )
    .verifySignatures(of: location.image, signer: key)
    #expect(report.verified)

    // With --repository the signed docker-reference is checked too.
    let named = try await ImageSignatureLocator.locate(
      target: "oci:\(dir.path)@\(digest)", configuration: RegistryClientConfiguration(),
      repository: "registry.example/other/app")
    let wrongRepo = try await ImageSignatureVerifier(
      trustedRoot: s.trustedRoot(), fetcher: named.fetcher
    )
    .verifySignatures(of: named.image, signer: key)
    guard case .failure(let failure)? = wrongRepo.findings.first?.outcome else {
      Issue.record("expected a failure")
      return
    }
    #expect(failure.check == .imageReference)

    // scan --require-signature on the layout.
    let check = try await Scanner().verifySignatures(
      target: "oci:\(dir.path):v1",
      requirement: SignatureRequirement(spec: "key:k.pub", signer: key),
      trustedRoot: s.trustedRoot(), registry: RegistryClientConfiguration())
    #expect(check.verified)
    #expect(check.signatures.first?.keyless == false)
  }

  @Test func unknownTagAndNonImageTargetsAreErrors() async throws {
    let dir = try TemporaryDirectory()
    _ = try Self.signedLayout(TestSigstore(), at: dir.path, reference: "r/app")
    await #expect(throws: ScannerError.self) {
      _ = try await ImageSignatureLocator.locate(
        target: "oci:\(dir.path):nope", configuration: RegistryClientConfiguration())
    }
    await #expect(throws: ScannerError.self) {
      _ = try await ImageSignatureLocator.locate(
        target: "dir:\(dir.path)", configuration: RegistryClientConfiguration())
    }
  }

  @Test func dockerHubReferencesAreSpelledAsCosignDoes() throws {
    #expect(
      ImageSignatureLocator.cosignDockerReference(try ImageReference(parsing: "alpine:3.19"))
        == "index.docker.io/library/alpine")
    #expect(
      ImageSignatureLocator.cosignDockerReference(
        try ImageReference(parsing: "ghcr.io/example/app:v1")) == "ghcr.io/example/app")
  }
}
