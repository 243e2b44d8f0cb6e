import Fleet
import ImageSources
import TailguardModel

/// `pin fix` through the registry: a tag resolves to the digest the registry serves for it now
/// (the index digest for a multi-platform tag, which is what `docker pull name:tag` pins), and
/// `--precise` lists the repository's tags.
public struct RegistryDigestResolver: DigestResolver {
  public let client: RegistryClient

  public init(client: RegistryClient) {
    self.client = client
  }

  public func resolve(_ ref: ImageReference) async throws -> Digest {
    var tagged = ref
    tagged.digest = nil
    if tagged.tag == nil { tagged.tag = "latest" }
    return try await client.headManifest(tagged).digest
  }

  public func tags(_ repository: ImageReference) async throws -> [String] {
    try await client.listTags(registry: repository.registry, repository: repository.repository)
  }
}
