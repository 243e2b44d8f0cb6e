// The `ImageSource` conformance of the registry source.
import TailguardModel

extension RegistryImageSource: ImageSource {
  /// Resolves the reference (tag looked up now, manifests/configs through the cache).
  public func image() async throws -> ImageMetadata {
    try await resolve().metadata
  }

  /// The layer blob as chunks from the registry (or the cache). A registry stream verifies
  /// the blob digest itself, so `readLayer` checks only the diff_id; cached bytes are verified
  /// again by `readLayer` (the disk is not trusted).
  public func openLayerBlob(_ layer: LayerInfo) async throws -> any BlobReader {
    RegistryBlobReader(openLayer(layer))
  }
}

/// Adapts `BlobChunks` to the pull-style `BlobReader` the layer readers consume.
final class RegistryBlobReader: BlobReader {
  private var iterator: BlobChunks.Iterator
  let verifiesDigest: Bool

  init(_ chunks: BlobChunks) {
    iterator = chunks.makeAsyncIterator()
    verifiesDigest = !chunks.isCached
  }

  func next() async throws -> [UInt8]? { try await iterator.next() }
}
