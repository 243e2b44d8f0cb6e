import ByteFormats
import FileTrees
import Foundation
import ImageSources
import Reports
import TailguardModel

/// What `inventory` reads: a target, how to reach its registry, and how far a layer may
/// decompress (raise the bounds to read an unusual image).
public struct InventoryRequest: Sendable {
  public static let defaultMaxLayerBytes = DecompressionLimits.layer.maxOutput
  public static let defaultMaxRatio = DecompressionLimits.layer.maxRatio

  public var target: String
  public var registry: RegistrySettings
  public var maxLayerBytes = InventoryRequest.defaultMaxLayerBytes
  public var maxRatio = InventoryRequest.defaultMaxRatio

  public init(target: String, registry: RegistrySettings = RegistrySettings()) {
    self.target = target
    self.registry = registry
  }
}

extension Scanner {
  /// Reads every layer of `request.target` once (digests verified as they stream, no
  /// catalogers) and summarises the image: identity, layers, which layer wrote the files the
  /// container sees. `progress` hears `layer N of M` lines.
  public func inventory(
    _ request: InventoryRequest, progress: (@Sendable (String) -> Void)? = nil
  ) async throws -> ImageInventory {
    let parsed = try ImageTarget.parse(request.target)
    if case .directory(let root) = parsed {
      let image = try DirectorySource(root: root, target: request.target).resolve()
      progress?("reading directory \(root)")
      let stack = try DirectoryResolver.build(root: root, selectors: [])
      return ImageInventory.summarize(image: image, stack: stack)
    }
    let options = try ScanOptions(registry: request.registry)
    let limits = DecompressionLimits(maxOutput: request.maxLayerBytes, maxRatio: request.maxRatio)
    let source = try imageSource(for: parsed, target: request.target, options: options)
    let image = try await source.image()
    let count = image.layers.count
    let (inventory, _) = try await ImageInventory.build(image: image) { layer, sink in
      progress?(
        "layer \(layer.index + 1) of \(count): \(layer.digest.short), \(ByteSize.text(layer.size))")
      try await source.readLayer(
        layer, of: image, limits: limits,
        progress: { p in
          if !p.done {
            progress?(
              "layer \(p.layerIndex + 1) of \(p.layerCount): \(ByteSize.text(p.bytesIn)) read, \(ByteSize.text(p.bytesOut)) unpacked"
            )
          }
        }, into: sink)
    }
    return inventory
  }

}
