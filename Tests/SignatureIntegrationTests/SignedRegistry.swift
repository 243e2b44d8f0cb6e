import Foundation
import ImageSources
import Signatures
import TailguardModel
import TailguardTesting

/// A real registry on 127.0.0.1 (Debian's docker-registry, via ``RegistryTestEnvironment``) with
/// a small image built by ``ImageBuilder`` pushed through the registry client, and helpers that
/// push cosign signature manifests and Sigstore bundle referrers the way cosign does.
final class SignedRegistry: @unchecked Sendable {
  let env: RegistryTestEnvironment
  let host: String
  let client: RegistryClient

  static var available: Bool { RegistryTestEnvironment.which("docker-registry") != nil }

  init() throws {
    env = try RegistryTestEnvironment()
    let port = try env.startRegistry()
    host = "127.0.0.1:\(port)"
    client = try RegistryClient(
      configuration: RegistryClientConfiguration(insecureRegistries: [host]))
  }

  func stop() async {
    await client.shutdown()
    env.stop()
  }

  /// Builds a one-layer image (its file content makes each image distinct), pushes it under
  /// `repository:tag`; returns the manifest digest and size.
  @discardableResult
  func pushImage(repository: String, tag: String, content: String = "hello") async throws -> (
    digest: String, size: Int
  ) {
    var tar = TarBuilder()
    tar.file("etc/motd", content)
    let builder = ImageBuilder(layers: [.init(tar.bytes)])
    let dir = env.dir.file("image-\(UUID().uuidString)")
    let written = try builder.writeBlobs(into: dir)
    for digest in written.layerDigests + [written.configDigest] {
      let bytes = try Data(
        contentsOf: URL(fileURLWithPath: "\(dir)/blobs/sha256/\(digest.dropFirst(7))"))
      _ = try await client.pushBlob(registry: host, repository: repository, bytes: [UInt8](bytes))
    }
    try await client.pushManifest(
      registry: host, repository: repository, reference: tag, bytes: written.manifestBytes,
      mediaType: RegistryMediaType.ociManifest)
    return (written.manifestDigest, written.manifestBytes.count)
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
