import ByteFormats
import TailguardModel

extension ImageInventory {
  public static func summarize(image: ImageMetadata, stack: LayerStack) -> ImageInventory {
    let count = max(1, image.layers.count)
    var files = [Int](repeating: 0, count: count)
    var bytes = [Int64](repeating: 0, count: count)
    var added = [Int](repeating: 0, count: count)
    var totalFiles = 0
    var totalBytes: Int64 = 0
    for (i, n) in stack.nodes.enumerated()
    where stack.visible[i] && !n.path.isEmpty && n.kind != .directory {
      let c = min(max(Int(n.changed), 0), count - 1)
      let a = min(max(Int(n.added), 0), count - 1)
      files[c] += 1
      added[a] += 1
      totalFiles += 1
      if n.kind == .regular {
        bytes[c] += n.size
        totalBytes += n.size
      }
    }
    var summaries: [LayerSummary] = []
    if image.layers.isEmpty {
      summaries.append(
        LayerSummary(
          index: 0, digest: nil, diffID: nil, mediaType: nil, size: 0, createdBy: nil,
          files: files[0], bytes: bytes[0], added: added[0]))
    } else {
      for l in image.layers {
        summaries.append(
          LayerSummary(
            index: l.index, digest: l.digest, diffID: l.diffID, mediaType: l.mediaType,
            size: l.size,
            createdBy: l.createdBy, files: files[l.index], bytes: bytes[l.index],
            added: added[l.index]))
      }
    }
    return ImageInventory(
      image: image, layers: summaries, totalFiles: totalFiles, totalBytes: totalBytes,
      diagnostics: stack.diagnostics)
  }

  /// Reads every layer (see `LayerStack.build`) and summarises it.
  public static func build(
    image: ImageMetadata, options: CaptureOptions = CaptureOptions(),
    tarLimits: TarLimits = TarLimits(),
    readLayer: (LayerInfo, (UnsafeRawBufferPointer) throws -> Void) async throws -> Void
  ) async throws -> (ImageInventory, LayerStack) {
    let stack = try await LayerStack.build(
      image: image, selectors: [], options: options, tarLimits: tarLimits, readLayer: readLayer)
    return (summarize(image: image, stack: stack), stack)
  }
}
