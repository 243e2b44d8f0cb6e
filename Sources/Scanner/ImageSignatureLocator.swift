import Foundation
import ImageSources
import Signatures
import TailguardModel

/// Where the signatures of an image live and which digest they must name: the bridge from a
/// scan / verify TARGET (`oci:DIR[:tag|@digest]` or a registry reference) to the
/// ``ImageSignatureVerifier``.
public struct ImageSignatureLocation: Sendable {
  public var fetcher: any SignatureArtifactFetcher
  public var image: ImageSignatureVerifier.Image
  /// The registry client opened for a registry target; ``close()`` shuts it down.
  public var client: RegistryClient?

  public func close() async {
    await client?.shutdown()
  }
}

public enum ImageSignatureLocator {
  /// Resolves TARGET to its signature store and manifest digest.
  ///
  /// - Registry reference: a tag is resolved to the digest the registry serves for it now (the
  ///   index digest for a multi-platform tag, which is what cosign signs); a digest is used as
  ///   given. The signature's `docker-reference` must be the repository's full name
  ///   (`registry/repo`, as cosign writes it), unless `repository` names another one.
  /// - OCI layout: the tag (default `latest`) or digest; the docker-reference is checked only
  ///   when `repository` is given (a layout does not know its repository).
  ///
  /// `digest`, when given, is the digest the signatures must name instead of resolving the tag
  /// again (a scan passes the digest it read, so a tag moved meanwhile cannot swap the image).
  public static func locate(
    target: String, configuration: RegistryClientConfiguration, repository: String? = nil,
    digest pinned: Digest? = nil
  ) async throws -> ImageSignatureLocation {
    let parsed: ImageTarget
    do { parsed = try ImageTarget.parse(target) } catch {
      throw ScannerError(.unsupportedTarget, "\(target): \(error.message)")
    }
    switch parsed {
    case .ociLayout(let directory, let reference):
      let fetcher = OCILayoutSignatureFetcher(directory: directory)
      let digest: String
      switch pinned.map({ OCILayoutSource.Reference.digest($0) }) ?? reference {
      case .digest(let d): digest = d.description
      case .tag(let tag): digest = try await layoutDigest(fetcher, tag: tag, directory: directory)
      case nil: digest = try await layoutDigest(fetcher, tag: "latest", directory: directory)
      }
      return ImageSignatureLocation(
        fetcher: fetcher,
        image: .init(
          repository: repository ?? "", digest: digest, dockerReference: repository,
          checkDockerReference: repository != nil),
        client: nil)
    case .registry(let text):
      let ref: ImageReference
      do { ref = try ImageReference(parsing: text) } catch {
        throw ScannerError(.unsupportedTarget, "\(text): \(error.message)")
      }
      let client = try RegistryClient(configuration: configuration)
      let digest: Digest
      if let d = pinned ?? ref.digest {
        digest = d
      } else {
        var tagged = ref
        if tagged.tag == nil { tagged.tag = "latest" }
        do {
          digest = try await client.headManifest(tagged).digest
        } catch {
          await client.shutdown()
          throw error
        }
      }
      return ImageSignatureLocation(
        fetcher: RegistrySignatureFetcher(client: client, registry: ref.registry),
        image: .init(
          repository: ref.name, digest: digest.description,
          dockerReference: repository ?? cosignDockerReference(ref), checkDockerReference: true),
        client: client)
    case .dockerArchive, .directory, .sbom:
      throw ScannerError(
        .unsupportedTarget,
        "\(target): signatures are read from a registry or an OCI layout, not from \(parsed)")
    }
  }

  /// The repository name cosign (go-containerregistry) writes as `docker-reference`: Docker Hub
  /// repositories are spelled `index.docker.io/…`.
  public static func cosignDockerReference(_ ref: ImageReference) -> String {
    ref.registry == ImageReference.dockerHub ? "index.docker.io/\(ref.repository)" : ref.name
  }

  static func layoutDigest(_ fetcher: OCILayoutSignatureFetcher, tag: String, directory: String)
    async throws -> String
  {
    guard let manifest = try await fetcher.manifest(repository: "", reference: tag) else {
      throw ScannerError(.unreadableTarget, "\(tag) not found in the OCI layout \(directory)")
    }
    return ImageSignatureVerifier.digest(of: manifest.bytes)
  }
}
