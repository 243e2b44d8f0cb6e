import FileTrees
import Foundation
import ImageSources
import Policy
import SBOMFormats
import TailguardModel
import Tracing

extension Scanner {
  /// Reads TARGET (an image, a root filesystem or an SBOM file) into a SoftwareBOM: one
  /// streaming pass per layer captures what the catalogers declared, then they run on the
  /// squashed view. An SBOM file is read as is, so it is matched exactly like an image.
  public func sbom(target: String, options: ScanOptions = ScanOptions()) async throws -> SoftwareBOM
  {
    try await inspect(target: target, options: options).sbom
  }

  /// The SoftwareBOM of TARGET plus the file facts policies read (shells, package managers,
  /// OpenSSL FIPS configuration); `files` is nil for an SBOM file, which has no file tree.
  public func inspect(target: String, options: ScanOptions = ScanOptions()) async throws
    -> InspectedTarget
  {
    let parsed = try ImageTarget.parse(target)
    switch parsed {
    case .sbom(let path):
      return InspectedTarget(sbom: try SBOMReader().read(path: path), files: nil)
    case .directory(let root):
      let image = try DirectorySource(root: root, target: target).resolve()
      options.progress?("reading directory \(root)")
      let tree = try DirectoryResolver.build(root: root, selectors: selectors)
      return InspectedTarget(
        sbom: catalog(resolver: tree, image: image, options: options.catalog),
        files: Self.facts(tree))
    default:
      // Spans (no-op unless a tracer is bootstrapped, as `tailguard serve` does with an OTLP
      // endpoint): `fetch` reads the image into the file tree, `catalogue` reads packages off it.
      let source = try imageSource(for: parsed, target: target, options: options)
      let (image, tree) = try await withSpan("fetch") { _ in
        let image = try await source.image()
        return (image, try await fileTree(of: source, image: image, options: options))
      }
      var bom = withSpan("catalogue") { _ in
        catalog(resolver: tree, image: image, options: options.catalog)
      }
      var base: ImageMetadata?
      if let baseTarget = options.baseImage {
        let parsedBase = try ImageTarget.parse(baseTarget)
        guard parsedBase.isImage else {
          throw ScannerError(.baseImage, "--base must name an image, not \(baseTarget)")
        }
        base = try await imageSource(for: parsedBase, target: baseTarget, options: options).image()
      }
      BaseImageBoundary.apply(
        count: BaseImageBoundary.baseLayerCount(image: image, base: base), to: &bom)
      return InspectedTarget(sbom: bom, files: Self.facts(tree))
    }
  }

  /// What policies need to know about the file tree, read while it is still open.
  static func facts(_ tree: any FileResolver) -> PolicyFileFacts {
    PolicyFileFacts.collect(
      exists: { tree.resolve($0) != nil },
      read: { path in
        (try? tree.contents(at: path)?.readAll(limit: PolicyFileFacts.maxConfigBytes))
          .flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
      })
  }

  /// The image source for a parsed target (not for directories or SBOM files).
  public func imageSource(for parsed: ImageTarget, target: String, options: ScanOptions) throws
    -> any ImageSource
  {
    switch parsed {
    case .registry:
      var configuration = options.registry
      if let platform = options.platform { configuration.platform = platform }
      return try RegistryImageSource(
        target: target, configuration: configuration, cache: options.cache,
        platform: options.platform)
    case .directory, .sbom:
      throw ScannerError(.unsupportedTarget, "\(target) is not an image")
    default:
      return try parsed.makeSource(platform: options.platform)
    }
  }

  /// Streams every layer once into the squashed file tree, reporting `layer N of M` progress.
  public func fileTree(of source: any ImageSource, image: ImageMetadata, options: ScanOptions)
    async throws -> LayerStack
  {
    let progress = options.progress
    return try await LayerStack.build(
      image: image, selectors: selectors, prefixCache: options.layerCache
    ) { layer, sink in
      progress?(
        "reading layer \(layer.index + 1) of \(image.layers.count) (\(layer.digest.short), \(layer.size) bytes)"
      )
      try await source.readLayer(layer, of: image, into: sink)
    }
  }
}

extension ImageTarget {
  /// True for targets that are images (layouts, archives, registries).
  public var isImage: Bool {
    switch self {
    case .ociLayout, .dockerArchive, .registry: true
    case .directory, .sbom: false
    }
  }
}

/// A target read into a SoftwareBOM, with the file facts policies use.
public struct InspectedTarget: Sendable {
  public var sbom: SoftwareBOM
  public var files: PolicyFileFacts?
  public init(sbom: SoftwareBOM, files: PolicyFileFacts?) {
    self.sbom = sbom
    self.files = files
  }
}
