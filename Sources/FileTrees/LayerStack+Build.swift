import ByteFormats
import TailguardModel

extension LayerStack {
  /// Reads every layer of `image` once, in order, through `readLayer` (which streams a layer's
  /// verified, uncompressed tar into the sink it is given; `ImageSource.readLayer` in
  /// ImageSources), capturing what `selectors` ask for.
  ///
  /// FileTrees does not depend on ImageSources; the Scanner passes the source's `readLayer`:
  /// `LayerStack.build(image: meta, selectors: s) { layer, sink in try await source.readLayer(layer, of: meta, into: sink) }`.
  public static func build(
    image: ImageMetadata, selectors: [FileSelector], options: CaptureOptions = CaptureOptions(),
    tarLimits: TarLimits = TarLimits(),
    readLayer: (LayerInfo, (UnsafeRawBufferPointer) throws -> Void) async throws -> Void
  ) async throws -> LayerStack {
    var builder = LayerStackBuilder(layers: image.layers, selectors: selectors, options: options)
    for layer in image.layers {
      builder.beginLayer(layer.index, tarLimits: tarLimits)
      try await readLayer(layer) { bytes in try builder.push(bytes) }
      try builder.endLayer()
    }
    return builder.finish()
  }
}
