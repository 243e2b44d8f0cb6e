import Foundation

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
