import Foundation
import ImageSources
import TailguardModel

/// Reads signatures from an OCI image layout directory (`index.json` + `blobs/<alg>/<hex>`), e.g.
/// one written by `cosign save` or `skopeo copy`, through ImageSources' ``OCILayout`` (bounded
/// reads, digest-checked blobs): tags are the `org.opencontainers.image.ref.name` annotations of
/// the index. The repository argument is ignored (a layout is one repository).
public struct OCILayoutSignatureFetcher: SignatureArtifactFetcher {
  public let directory: String
  static let maximumBlobSize = 64 << 20

  public init(directory: String) {
    self.directory = directory
  }

  private var layout: OCILayout { OCILayout(directory: directory) }

  private func index() throws(SignatureError) -> [OCIDescriptor] {
    do { return try layout.index().manifests } catch {
      throw SignatureError(
        error.code == .notFound ? .unreadableInput : .malformedJSON,
        "index.json is not an OCI index: \(error.message)", path: directory)
    }
  }

  public func listTags(repository: String) async throws -> [String] {
    try index().compactMap(\.refName).sorted()
  }

  public func manifest(repository: String, reference: String) async throws -> FetchedManifest? {
    for m in try index() where m.refName == reference || m.digest.description == reference {
      return FetchedManifest(
        mediaType: m.mediaType,
        bytes: try await blob(repository: repository, digest: m.digest.description))
    }
    if reference.contains(":"),
      let bytes = try? await blob(repository: repository, digest: reference)
    {
      return FetchedManifest(mediaType: nil, bytes: bytes)
    }
    return nil
  }

  public func blob(repository: String, digest: String) async throws -> Data {
    let parsed: Digest
    do { parsed = try Digest(parsing: digest) } catch {
      throw SignatureError(.unreadableInput, "bad digest '\(digest.prefix(80))'")
    }
    do {
      return Data(try layout.blob(parsed, what: "blob", limit: Self.maximumBlobSize))
    } catch {
      throw SignatureError(
        error.code == .limitExceeded ? .inputTooLarge : .unreadableInput, error.message,
        path: directory)
    }
  }
}
