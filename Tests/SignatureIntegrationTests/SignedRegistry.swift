import Foundation
import ImageSources
import Signatures
import TailguardModel
import TailguardTesting

/// A real registry on 127.0.0.1 (Debian's docker-registry, via ``RegistryTestEnvironment``) with
/// a small image built by ``ImageBuilder`` pushed through the registry client, and helpers that
/// push cosign signature manifests and Sigstore bundle referrers the way cosign does.
final class SignedRegistry: @unchecked Sendable {
  let loopback: LoopbackRegistry
  var env: RegistryTestEnvironment { loopback.env }
  var host: String { loopback.host }
  var client: RegistryClient { loopback.client }

  static var available: Bool { LoopbackRegistry.available }

  init() throws { loopback = try LoopbackRegistry() }

  func stop() async { await loopback.stop() }

  /// What the CLI tests pass to the binary: the registry as `localhost:PORT`, the signer's
  /// public key and the test trusted root, written as files.
  func cliFiles(_ s: TestSigstore) throws -> (host: String, keyFile: String, rootFile: String) {
    let port = host.split(separator: ":").last.map(String.init) ?? ""
    let keyFile = env.dir.file("k.pub")
    let rootFile = env.dir.file("trusted_root.json")
    try s.leafKey.publicKey.pemRepresentation.write(
      toFile: keyFile, atomically: false, encoding: .utf8)
    try s.trustedRootJSON().write(to: URL(fileURLWithPath: rootFile))
    return ("localhost:\(port)", keyFile, rootFile)
  }

  /// A one-layer image pushed under `repository:tag` (see ``LoopbackRegistry/pushImage``).
  @discardableResult
  func pushImage(repository: String, tag: String, content: String = "hello") async throws -> (
    digest: String, size: Int
  ) {
    try await loopback.pushImage(repository: repository, tag: tag, content: content)
  }

  func pushBlob(_ data: Data, repository: String) async throws {
    _ = try await client.pushBlob(registry: host, repository: repository, bytes: [UInt8](data))
  }

  /// cosign's tag scheme: the `.sig` manifest with its layers' payloads under `sha256-<hex>.sig`.
  func pushSignature(
    for digest: String, repository: String, layers: [(descriptor: [String: Any], blob: Data)]
  ) async throws {
    try await pushBlob(TestSigstore.emptyConfig, repository: repository)
    for layer in layers { try await pushBlob(layer.blob, repository: repository) }
    let manifest = try TestSigstore.signatureManifest(layers: layers.map(\.descriptor))
    try await client.pushManifest(
      registry: host, repository: repository,
      reference: digest.replacingOccurrences(of: ":", with: "-") + ".sig",
      bytes: [UInt8](manifest), mediaType: RegistryMediaType.ociManifest)
  }

  /// A Sigstore bundle as an OCI 1.1 referrer of the image (manifest with `subject` and
  /// `artifactType`), plus the referrers fallback tag `sha256-<hex>` listing it, for registries
  /// without the referrers API (as cosign writes it).
  func pushBundleReferrer(
    bundle: Data, subject digest: String, subjectSize: Int, repository: String
  ) async throws {
    try await pushBundleReferrers(
      bundles: [bundle], subject: digest, subjectSize: subjectSize, repository: repository)
  }

  /// Several bundle referrers of one image, all listed in its fallback tag index.
  func pushBundleReferrers(
    bundles: [Data], subject digest: String, subjectSize: Int, repository: String
  ) async throws {
    let empty = Data("{}".utf8)
    let bundleType = "application/vnd.dev.sigstore.bundle.v0.3+json"
    try await pushBlob(empty, repository: repository)
    var descriptors: [[String: Any]] = []
    for bundle in bundles {
      try await pushBlob(bundle, repository: repository)
      let manifest = try TestSigstore.json([
        "schemaVersion": 2, "mediaType": RegistryMediaType.ociManifest,
        "artifactType": bundleType,
        "config": [
          "mediaType": RegistryMediaType.ociEmpty, "digest": TestSigstore.sha256(empty),
          "size": empty.count,
        ],
        "layers": [
          [
            "mediaType": bundleType, "digest": TestSigstore.sha256(bundle), "size": bundle.count,
          ]
        ],
        "subject": [
          "mediaType": RegistryMediaType.ociManifest, "digest": digest, "size": subjectSize,
        ],
      ])
      let manifestDigest = TestSigstore.sha256(manifest)
      try await client.pushManifest(
        registry: host, repository: repository, reference: manifestDigest,
        bytes: [UInt8](manifest), mediaType: RegistryMediaType.ociManifest)
      descriptors.append([
        "mediaType": RegistryMediaType.ociManifest, "digest": manifestDigest,
        "size": manifest.count, "artifactType": bundleType,
      ])
    }
    let index = try TestSigstore.json([
      "schemaVersion": 2, "mediaType": RegistryMediaType.ociIndex, "manifests": descriptors,
    ])
    try await client.pushManifest(
      registry: host, repository: repository,
      reference: digest.replacingOccurrences(of: ":", with: "-"), bytes: [UInt8](index),
      mediaType: RegistryMediaType.ociIndex)
  }
}
