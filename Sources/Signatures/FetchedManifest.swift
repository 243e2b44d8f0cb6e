import Foundation

/// A manifest as fetched: its bytes (hashed again by the verifier) and the reported media type.
public struct FetchedManifest: Sendable, Hashable {
  public var mediaType: String?
  public var bytes: Data
  public init(mediaType: String?, bytes: Data) {
    self.mediaType = mediaType
    self.bytes = bytes
  }
}
