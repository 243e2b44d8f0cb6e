import Foundation
import TailguardModel

/// An image read from a registry: resolves the reference to a platform manifest and its config
/// (through an index when the tag is multi-platform) and opens each layer as a verified chunk
/// stream. Manifests, configs and layers go through the `BlobCache` when one is given, so a fleet
/// sharing base layers downloads each layer once.
public final class RegistryImageSource: Sendable {
  public let reference: ImageReference
  public let client: RegistryClient
  public let cache: BlobCache?
  public let platform: Platform
  /// How the user named the target (`registry:…`), reported in `ImageMetadata.target`.
  public let target: String

  public init(
    reference: ImageReference, client: RegistryClient, cache: BlobCache? = nil,
    platform: Platform? = nil, target: String? = nil
  ) {
    self.reference = reference
    self.client = client
    self.cache = cache
    self.platform = platform ?? client.configuration.platform
    self.target = target ?? "registry:" + reference.original
  }

  /// A source for `REF` or `registry:REF` with its own client (closed when the source is
  /// released): what the scanner calls for registry targets. `cache: nil` disables caching;
  /// pass `BlobCache(root: BlobCache.defaultRoot())` for the user's cache.
  public convenience init(
    target: String, configuration: RegistryClientConfiguration = RegistryClientConfiguration(),
    cache: BlobCache? = nil, platform: Platform? = nil
  ) throws(RegistryError) {
    let text = target.hasPrefix("registry:") ? String(target.dropFirst("registry:".count)) : target
    let reference: ImageReference
    do throws(ModelError) { reference = try ImageReference(parsing: text) } catch {
      throw RegistryError(.configuration, reference: text, error.message)
    }
    self.init(
      reference: reference, client: try RegistryClient(configuration: configuration), cache: cache,
      platform: platform, target: target)
  }

  /// What `resolve()` found.
  public struct Resolved: Sendable, Hashable {
    /// The manifest or index the reference points at (the index for a multi-platform tag).
    public var top: RegistryManifest
    /// The platform's image manifest (equal to `top` for a single-platform image).
    public var manifest: RegistryManifest
    public var configBytes: [UInt8]
    public var configDigest: Digest
    public var metadata: ImageMetadata
  }

  /// Resolves the reference now (a tag is looked up on every call; digests come from the cache).
  public func resolve() async throws(RegistryError) -> Resolved {
    let top = try await manifest(reference)
    var image = top
    var indexDigest: Digest?
    if case .index = top.document {
      indexDigest = top.digest
      guard let entry = top.select(platform: platform) else {
        let available: [String]
        if case .index(let m) = top.document {
          available = m.compactMap { $0.platform?.value?.description }.sorted()
        } else {
          available = []
        }
        throw RegistryError(
          .notFound, reference: reference.description,
          "no manifest for platform \(platform) (available: \(available.joined(separator: ", ")))")
      }
      var child = reference
      child.tag = nil
      child.digest = entry.digest
      image = try await manifest(child)
      if case .index = image.document {
        throw RegistryError(
          .invalidResponse, reference: reference.description,
          "nested index for platform \(platform) is not supported")
      }
    }
    guard case .image(let configDescriptor, let layerDescriptors) = image.document else {
      throw RegistryError(
        .invalidResponse, reference: reference.description, "not an image manifest")
    }
    let configBytes = try await smallBlob(
      configDescriptor.digest, size: configDescriptor.size ?? -1)
    let config: ImageConfig
    do { config = try ImageConfigParser.parse(configBytes) } catch {
      throw RegistryError(.invalidResponse, reference: reference.description, error.message)
    }
    var layers: [LayerInfo] = []
    var history = config.history.filter { !$0.emptyLayer }.makeIterator()
    for (i, d) in layerDescriptors.enumerated() {
      let h = history.next()
      layers.append(
        LayerInfo(
          index: i, digest: d.digest, diffID: i < config.diffIDs.count ? config.diffIDs[i] : nil,
          mediaType: d.mediaType ?? "", compression: Self.compression(d.mediaType ?? ""),
          size: d.size ?? 0,
          createdBy: h?.createdBy, created: h?.created))
    }
    var platform: Platform?
    if let os = config.os, let arch = config.architecture {
      platform = Platform(os: os, architecture: arch, variant: config.variant)
    }
    var pinned = reference
    pinned.digest = top.digest
    let metadata = ImageMetadata(
      target: target, sourceKind: "registry",
      reference: pinned.description,
      manifestDigest: image.digest, manifestMediaType: image.mediaType, indexDigest: indexDigest,
      configDigest: configDescriptor.digest, platform: platform, layers: layers, config: config,
      tags: reference.tag.map { [$0] } ?? [])
    return Resolved(
      top: top, manifest: image, configBytes: configBytes, configDigest: configDescriptor.digest,
      metadata: metadata)
  }

  /// A layer (or any blob of the repository) as verified chunks: from the cache when present,
  /// else from the registry, written to the cache as it streams when a cache is configured.
  public func openBlob(_ digest: Digest, size: Int64?) -> BlobChunks {
    if let cache, let cached = cache.stream(digest) {
      return BlobChunks(source: .cached(cached))
    }
    let tee = cache.flatMap { try? $0.beginWrite(digest, verifiedByCaller: true) }
    return BlobChunks(
      source: .registry(
        client.blobStream(
          registry: reference.registry, repository: reference.repository, digest: digest,
          size: size,
          ref: "\(reference.name)@\(digest)", tee: tee)))
  }

  public func openLayer(_ layer: LayerInfo) -> BlobChunks {
    openBlob(layer.digest, size: layer.size)
  }

  /// A manifest by tag or digest, through the cache for digests (a tag is checked with HEAD).
  func manifest(_ ref: ImageReference) async throws(RegistryError) -> RegistryManifest {
    guard let cache else { return try await client.fetchManifest(ref) }
    var digest = ref.digest
    var mediaTypeHint: String?
    if digest == nil {
      let head = try await client.headManifest(ref)
      digest = head.digest
      mediaTypeHint = head.mediaType
    }
    if let digest, let bytes = try cache.read(digest, limit: RegistryManifest.maxSize) {
      return try RegistryManifest(
        bytes: bytes, digest: digest, contentType: mediaTypeHint, reference: ref.description)
    }
    var byDigest = ref
    if let digest {
      byDigest.tag = nil
      byDigest.digest = digest
    }
    let fetched = try await client.fetchManifest(byDigest)
    try? cache.store(fetched.bytes, digest: fetched.digest)
    return fetched
  }

  func smallBlob(_ digest: Digest, size: Int64) async throws(RegistryError) -> [UInt8] {
    if let cache, let bytes = try cache.read(digest, limit: client.configuration.maxInMemoryBlob) {
      return bytes
    }
    let bytes = try await client.fetchBlob(
      registry: reference.registry, repository: reference.repository, digest: digest,
      ref: "\(reference.name)@\(digest)")
    if size >= 0, Int64(bytes.count) != size {
      throw RegistryError(
        .digestMismatch, reference: reference.description,
        "config blob has \(bytes.count) bytes, the manifest declares \(size)")
    }
    try? cache?.store(bytes, digest: digest)
    return bytes
  }

  static func compression(_ mediaType: String) -> LayerCompression {
    if mediaType.hasSuffix("gzip") { return .gzip }
    if mediaType.hasSuffix("zstd") { return .zstd }
    return .none
  }
}

/// The chunks of one blob, from the registry or from the cache; verified either way.
public struct BlobChunks: AsyncSequence, Sendable {
  public typealias Element = [UInt8]
  enum Source: Sendable {
    case registry(RegistryBlobStream)
    case cached(CachedBlobSequence)
  }
  let source: Source

  /// True when the bytes come from the cache (no network).
  public var isCached: Bool {
    if case .cached = source { return true }
    return false
  }

  public struct Iterator: AsyncIteratorProtocol {
    var registry: RegistryBlobStream.Iterator?
    var cached: CachedBlobSequence.Iterator?
    public mutating func next() async throws -> [UInt8]? {
      if let registry { return try await registry.next() }
      return try await cached?.next()
    }
  }

  public func makeAsyncIterator() -> Iterator {
    switch source {
    case .registry(let s): return Iterator(registry: s.makeAsyncIterator(), cached: nil)
    case .cached(let c): return Iterator(registry: nil, cached: c.makeAsyncIterator())
    }
  }
}
