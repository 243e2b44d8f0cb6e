import Foundation
import ImageSources

/// A real registry on 127.0.0.1 (Debian's docker-registry, via ``RegistryTestEnvironment``) and
/// a client that pushes to it, for tests that need images in a registry: small images built by
/// ``ImageBuilder`` are pushed blob by blob, then their manifest under a tag.
public final class LoopbackRegistry: @unchecked Sendable {
  public let env: RegistryTestEnvironment
  /// `127.0.0.1:PORT`.
  public let host: String
  public let client: RegistryClient

  public static var available: Bool { RegistryTestEnvironment.which("docker-registry") != nil }

  public init() throws {
    env = try RegistryTestEnvironment()
    let port = try env.startRegistry()
    host = "127.0.0.1:\(port)"
    client = try RegistryClient(
      configuration: RegistryClientConfiguration(insecureRegistries: [host]))
  }

  public func stop() async {
    await client.shutdown()
    env.stop()
  }

  /// Builds a one-layer image (its file content makes each image distinct), pushes it under
  /// `repository:tag`; returns the manifest digest and size.
  @discardableResult
  public func pushImage(repository: String, tag: String, content: String = "hello") async throws
    -> (digest: String, size: Int)
  {
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
}
