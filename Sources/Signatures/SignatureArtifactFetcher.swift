import Foundation

/// What image-signature verification needs from wherever signatures live (a registry, an OCI
/// layout on disk, memory in tests): list tags, get a manifest, get a blob. The registry client
/// satisfies it; the Signatures module never speaks HTTP itself.
public protocol SignatureArtifactFetcher: Sendable {
  /// Tags of `repository` (for cosign's `sha256-<hex>.sig` / `.att` tag scheme).
  func listTags(repository: String) async throws -> [String]
  /// The manifest bytes for a tag or digest, nil when it does not exist.
  func manifest(repository: String, reference: String) async throws -> FetchedManifest?
  /// The blob bytes for a digest. Implementations should check the digest; the verifier does too.
  func blob(repository: String, digest: String) async throws -> Data
  /// OCI 1.1 referrers of `digest` as an image index, nil when unsupported (the verifier then
  /// falls back to the `sha256-<hex>` referrers tag).
  func referrers(repository: String, digest: String) async throws -> Data?
}

extension SignatureArtifactFetcher {
  public func referrers(repository: String, digest: String) async throws -> Data? { nil }
}

public struct FetchedManifest: Sendable, Hashable {
  public var mediaType: String?
  public var bytes: Data
  public init(mediaType: String?, bytes: Data) {
    self.mediaType = mediaType
    self.bytes = bytes
  }
}

/// An in-memory fetcher: tags and blobs given up front (tests, and signatures read from files).
public struct InMemorySignatureFetcher: SignatureArtifactFetcher {
  public var tags: [String: [String: Data]]
  public var blobs: [String: Data]
  public var referrerIndexes: [String: Data]

  public init(
    tags: [String: [String: Data]] = [:], blobs: [String: Data] = [:],
    referrerIndexes: [String: Data] = [:]
  ) {
    self.tags = tags
    self.blobs = blobs
    self.referrerIndexes = referrerIndexes
  }

  public func listTags(repository: String) async throws -> [String] {
    (tags[repository] ?? [:]).keys.sorted()
  }

  public func manifest(repository: String, reference: String) async throws -> FetchedManifest? {
    if let bytes = tags[repository]?[reference] {
      return FetchedManifest(mediaType: nil, bytes: bytes)
    }
    if let bytes = blobs[reference] { return FetchedManifest(mediaType: nil, bytes: bytes) }
    return nil
  }

  public func blob(repository: String, digest: String) async throws -> Data {
    guard let data = blobs[digest] else {
      throw SignatureError(.unreadableInput, "blob \(digest) not found")
    }
    return data
  }

  public func referrers(repository: String, digest: String) async throws -> Data? {
    referrerIndexes[digest]
  }
}
