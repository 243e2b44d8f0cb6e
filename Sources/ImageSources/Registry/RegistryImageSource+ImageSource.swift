// The `ImageSource` conformance lives in the ImageSources module only; the registry engineer's
// standalone dev build of this folder (REGISTRY_DEV) has no `ImageSource` protocol.
#if !REGISTRY_DEV
  import TailguardModel

  extension RegistryImageSource: ImageSource {
    /// Resolves the reference (tag looked up now, manifests/configs through the cache).
    public func image() async throws -> ImageMetadata {
      try await resolve().metadata
    }

    /// The layer blob as chunks from the registry (or the cache). `readLayer` verifies the
    /// digest and diff_id again on top of the stream's own check.
    public func openLayerBlob(_ layer: LayerInfo) async throws -> any BlobReader {
      RegistryBlobReader(openLayer(layer))
    }
  }

  /// Adapts `BlobChunks` to the pull-style `BlobReader` the layer readers consume.
  final class RegistryBlobReader: BlobReader {
    private var iterator: BlobChunks.Iterator

    init(_ chunks: BlobChunks) { iterator = chunks.makeAsyncIterator() }

    func next() async throws -> [UInt8]? { try await iterator.next() }
  }
#endif
