import Foundation

/// Reads signatures from an OCI image layout directory (`index.json` + `blobs/<alg>/<hex>`), e.g.
/// one written by `cosign save` or `skopeo copy`: tags are the `org.opencontainers.image.ref.name`
/// annotations of the index. The repository argument is ignored (a layout is one repository).
public struct OCILayoutSignatureFetcher: SignatureArtifactFetcher {
  public let directory: String
  static let maximumBlobSize = 64 << 20

  public init(directory: String) {
    self.directory = directory
  }

  private func index() throws -> [[String: Any]] {
    let data = try FileInput.read(directory + "/index.json", limit: 16 << 20)
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let manifests = object["manifests"] as? [[String: Any]]
    else {
      throw SignatureError(.unreadableInput, "index.json is not an OCI index", path: directory)
    }
    return manifests
  }

  public func listTags(repository: String) async throws -> [String] {
    try index().compactMap {
      ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"]
    }.sorted()
  }

  public func manifest(repository: String, reference: String) async throws -> FetchedManifest? {
    for m in try index() {
      let name = (m["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"]
      guard let digest = m["digest"] as? String, name == reference || digest == reference else {
        continue
      }
      return FetchedManifest(
        mediaType: m["mediaType"] as? String,
        bytes: try await blob(repository: repository, digest: digest))
    }
    if reference.contains(":"),
      let bytes = try? await blob(repository: repository, digest: reference)
    {
      return FetchedManifest(mediaType: nil, bytes: bytes)
    }
    return nil
  }

  public func blob(repository: String, digest: String) async throws -> Data {
    let parts = digest.split(separator: ":", maxSplits: 1)
    guard parts.count == 2, parts[0].allSatisfy({ $0.isLetter || $0.isNumber }),
      parts[1].allSatisfy({ $0.isHexDigit })
    else { throw SignatureError(.unreadableInput, "bad digest '\(digest.prefix(80))'") }
    let data = try FileInput.read(
      "\(directory)/blobs/\(parts[0])/\(parts[1])", limit: Self.maximumBlobSize)
    guard ImageSignatureVerifier.digestString(of: data, algorithm: String(parts[0])) == digest
    else {
      throw SignatureError(
        .unreadableInput, "blob \(digest) does not match its digest", path: directory)
    }
    return data
  }
}
