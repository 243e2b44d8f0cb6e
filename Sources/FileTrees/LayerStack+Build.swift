import ByteFormats
import TailguardModel

extension LayerStack {
  /// Reads every layer of `image` once, in order, through `readLayer` (which streams a layer's
  /// verified, uncompressed tar into the sink it is given; `ImageSource.readLayer` in
  /// ImageSources), capturing what `selectors` ask for.
  ///
  /// FileTrees does not depend on ImageSources; the Scanner passes the source's `readLayer`:
  /// `LayerStack.build(image: meta, selectors: s) { layer, sink in try await source.readLayer(layer, of: meta, into: sink) }`.
  ///
  /// Past the first `inlineLimit` bytes of a layer, the tar is parsed and captured on a worker
  /// thread (`ChunkWorker`) while the calling thread goes on inflating: the tar walk and the
  /// catalogers' capture then cost nothing on the critical path of a large layer. Small layers
  /// never start a thread.
  public static func build(
    image: ImageMetadata, selectors: [FileSelector], options: CaptureOptions = CaptureOptions(),
    tarLimits: TarLimits = TarLimits(), inlineLimit: Int = 4 << 20,
    prefixCache: LayerPrefixCache? = nil,
    readLayer: (LayerInfo, (UnsafeRawBufferPointer) throws -> Void) async throws -> Void
  ) async throws -> LayerStack {
    // The builder lives in a box so the worker can own it without copying its storage.
    let box = BuilderBox(
      LayerStackBuilder(layers: image.layers, selectors: selectors, options: options))
    let key = LayerPrefixCache.Key(
      chain: image.layers.map(\.digest), selectors: selectors, options: options, limits: tarLimits)
    var start = 0
    if let prefixCache, let (length, kept) = await prefixCache.longestPrefix(key) {
      box.builder = kept.builder
      box.builder.continueAs(layers: image.layers)
      start = length
    }
    for layer in image.layers[start...] {
      // The state after this layer is worth keeping when another image may build on it: every
      // layer but the last.
      var prefix = key
      prefix.chain = Array(key.chain.prefix(layer.index + 1))
      let keep = layer.index < image.layers.count - 1
      let claimed = keep ? await prefixCache?.begin(prefix) ?? false : false
      do {
        try await read(layer, into: box, tarLimits: tarLimits, inlineLimit: inlineLimit, readLayer)
      } catch {
        if claimed { await prefixCache?.finish(prefix) }
        throw error
      }
      if claimed {
        await prefixCache?.store(prefix, LayerPrefixCache.Snapshot(builder: box.builder))
      }
    }
    return box.builder.finish()
  }

  private static func read(
    _ layer: LayerInfo, into box: BuilderBox, tarLimits: TarLimits, inlineLimit: Int,
    _ readLayer: (LayerInfo, (UnsafeRawBufferPointer) throws -> Void) async throws -> Void
  ) async throws {
    do {
      box.builder.beginLayer(layer.index, tarLimits: tarLimits)
      var worker: ChunkWorker<Void>?
      var inline = 0
      try await readLayer(layer) { bytes in
        if let worker {
          try worker.send((), bytes)
          return
        }
        try box.builder.push(bytes)
        inline += bytes.count
        if inline > inlineLimit {
          worker = ChunkWorker(name: "tailguard-tar") { _, bytes in try box.builder.push(bytes) }
        }
      }
      // Every chunk consumed (and the builder the caller's again), or the worker's error.
      try worker?.finish()
      try box.builder.endLayer()
    }
  }
}

/// The builder shared between the reading thread and a layer's tar worker: touched by one of
/// them at a time (the worker from its first chunk until `ChunkWorker.finish` returns).
private final class BuilderBox {
  var builder: LayerStackBuilder
  init(_ builder: LayerStackBuilder) { self.builder = builder }
}
