import ByteFormats
import Foundation
import TailguardModel

/// An OCI image layout on disk (`oci:DIR[:tag|@digest]`): `index.json`, nested indexes, OCI and
/// Docker v2s2 manifests, blobs under `blobs/<alg>/<hex>`. Manifests and configs are verified
/// against their digests when read; layers when streamed (`readLayer`).
public struct OCILayoutSource: ImageSource {
  public enum Reference: Sendable, Hashable {
    case tag(String)
    case digest(Digest)
  }

  public let target: String
  public let directory: String
  public let reference: Reference?
  /// The platform to pick from an index.
  public let platform: Platform
  /// Whether the user asked for `platform` (then a single-platform image must match it).
  public let platformIsExplicit: Bool

  static let maxIndexDepth = 4

  public init(
    directory: String, reference: Reference? = nil, platform: Platform? = nil, target: String? = nil
  ) {
    self.directory = directory
    self.reference = reference
    self.platform = platform ?? .linuxAMD64
    self.platformIsExplicit = platform != nil
    self.target = target ?? "oci:\(directory)"
  }

  public func image() async throws -> ImageMetadata { try resolve() }

  public func openLayerBlob(_ layer: LayerInfo) async throws -> any BlobReader {
    try FileBlobReader(path: blobPath(layer.digest))
  }

  var layout: OCILayout { OCILayout(directory: directory) }

  func blobPath(_ digest: Digest) -> String { layout.blobPath(digest) }

  /// Reads a small blob and checks its digest.
  func readBlob(_ digest: Digest, what: String) throws(ImageSourceError) -> [UInt8] {
    try layout.blob(digest, what: what)
  }

  /// Resolves the reference and platform to one image.
  public func resolve() throws(ImageSourceError) -> ImageMetadata {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue
    else {
      throw ImageSourceError(
        .notFound, "OCI layout directory \(directory) does not exist", path: directory)
    }
    let top = try layout.index()
    let indexPath = layout.indexPath
    let tops = top.manifests
    guard !tops.isEmpty else {
      throw ImageSourceError(
        .notFound, "OCI layout \(directory) has no manifests in index.json", path: indexPath)
    }
    func availableTags() -> String {
      let tags = Set(tops.compactMap(\.refName)).sorted()
      return tags.isEmpty
        ? "the layout has no tags" : "available tags: \(tags.joined(separator: ", "))"
    }

    var candidates: [OCIDescriptor]
    switch reference {
    case .tag(let tag):
      candidates = tops.filter { $0.refName == tag || ($0.refName?.hasSuffix(":" + tag) ?? false) }
      guard !candidates.isEmpty else {
        throw ImageSourceError(
          .notFound, "tag '\(tag)' not found in OCI layout \(directory); \(availableTags())")
      }
    case .digest(let d):
      candidates = tops.filter { $0.digest == d }
      if candidates.isEmpty {
        guard FileManager.default.fileExists(atPath: blobPath(d)) else {
          throw ImageSourceError(
            .notFound, "digest \(d) not found in OCI layout \(directory)", blob: d)
        }
        candidates = [OCIDescriptor(digest: d)]
      }
    case nil:
      candidates = tops
    }

    let chosen: OCIDescriptor
    var indexDigest: Digest?
    if candidates.count == 1 {
      chosen = candidates[0]
    } else if candidates.allSatisfy({ $0.platform?.value != nil }) {
      chosen = try select(from: candidates, what: "OCI layout index.json")
    } else {
      let digests = Set(candidates.map(\.digest))
      if digests.count == 1 {
        chosen = candidates[0]
      } else {
        throw ImageSourceError(
          .ambiguous,
          "OCI layout \(directory) holds \(candidates.count) images; name one as oci:\(directory):TAG or @DIGEST (\(availableTags()))"
        )
      }
    }

    var (manifestDigest, manifestType, manifestBytes, fromIndex, pickedPlatform) = try descend(
      chosen, depth: 0)
    if let fromIndex { indexDigest = fromIndex }
    let manifest = try JSONDocument.decode(
      OCIManifest.self, from: manifestBytes, what: "manifest \(manifestDigest)")
    if manifestType == nil { manifestType = manifest.mediaType ?? MediaTypes.ociManifest }

    let configDigest = manifest.config.digest
    let configBytes = try readBlob(configDigest, what: "image config")
    let config = try ImageConfigParser.parse(configBytes, what: "image config \(configDigest)")
    let configPlatform = ImageConfigParser.platform(of: config)
    if platformIsExplicit, pickedPlatform == nil, let configPlatform,
      !platform.accepts(configPlatform)
    {
      throw ImageSourceError(
        .platformNotFound,
        "no image for platform \(platform) in OCI layout \(directory); available platforms: \(configPlatform)"
      )
    }
    var layers: [LayerInfo] = []
    for (i, d) in manifest.layers.enumerated() {
      let digest = d.digest
      let type = d.mediaType ?? ""
      guard let compression = MediaTypes.layerCompression(type) else {
        throw ImageSourceError(
          .unsupported,
          "layer \(i + 1) (\(digest)) has media type '\(type.prefix(120))', which is not an image layer tailguard reads",
          blob: digest)
      }
      layers.append(
        LayerInfo(
          index: i, digest: digest, mediaType: type, compression: compression, size: d.size ?? 0))
    }
    ImageConfigParser.annotate(&layers, with: config)
    let tags = Set(
      tops.filter {
        $0.digest == manifestDigest || $0.digest == indexDigest
      }
      .compactMap(\.refName)
    ).sorted()
    return ImageMetadata(
      target: target, sourceKind: "oci-layout", reference: nil, manifestDigest: manifestDigest,
      manifestMediaType: manifestType, indexDigest: indexDigest, configDigest: configDigest,
      platform: pickedPlatform ?? configPlatform, layers: layers, config: config, tags: tags)
  }

  /// Follows indexes down to one image manifest.
  private func descend(_ descriptor: OCIDescriptor, depth: Int) throws(ImageSourceError)
    -> (Digest, String?, [UInt8], Digest?, Platform?)
  {
    guard depth <= Self.maxIndexDepth else {
      throw ImageSourceError(
        .limitExceeded, "indexes nested deeper than \(Self.maxIndexDepth) levels")
    }
    let digest = descriptor.digest
    if let t = descriptor.mediaType, !MediaTypes.isManifest(t), !MediaTypes.isIndex(t) {
      throw ImageSourceError(
        .unsupported,
        "descriptor \(digest) has media type '\(t.prefix(120))', which is neither an image index nor an image manifest",
        blob: digest)
    }
    let bytes = try readBlob(digest, what: "manifest")
    var type = descriptor.mediaType
    if type == nil {
      let probe = try JSONDocument.decode(OCIDocument.self, from: bytes, what: "manifest \(digest)")
      type =
        probe.mediaType
        ?? (probe.manifests != nil
          ? MediaTypes.ociIndex : probe.config != nil ? MediaTypes.ociManifest : nil)
    }
    guard let type else {
      throw ImageSourceError(
        .unsupported, "document \(digest) is neither an image index nor a manifest", blob: digest)
    }
    if MediaTypes.isManifest(type) {
      return (digest, type, bytes, nil, descriptor.platform?.value)
    }
    guard MediaTypes.isIndex(type) else {
      throw ImageSourceError(
        .unsupported,
        "descriptor \(digest) has media type '\(type.prefix(120))', which tailguard does not read",
        blob: digest)
    }
    let index = try JSONDocument.decode(OCIIndex.self, from: bytes, what: "image index \(digest)")
    let child = try select(from: index.manifests, what: "image index \(digest)")
    let (m, t, b, _, p) = try descend(child, depth: depth + 1)
    return (m, t, b, digest, p ?? child.platform?.value)
  }

  /// Picks the requested platform among index entries; attestation entries (`unknown/unknown`)
  /// never count.
  private func select(from entries: [OCIDescriptor], what: String) throws(ImageSourceError)
    -> OCIDescriptor
  {
    let real = entries.filter { $0.platform?.value?.os != "unknown" }
    guard !real.isEmpty else {
      throw ImageSourceError(.notFound, "\(what) has no usable manifests")
    }
    if real.count == 1 && real[0].platform?.value == nil { return real[0] }
    let matching = real.filter { $0.platform?.value.map(platform.accepts) ?? false }
    if let exact = matching.first(where: { $0.platform?.value?.variant == platform.variant }) {
      return exact
    }
    if let first = matching.first { return first }
    if real.allSatisfy({ $0.platform?.value == nil }) {
      throw ImageSourceError(.ambiguous, "\(what) lists \(real.count) manifests without platforms")
    }
    let available = Set(real.compactMap { $0.platform?.value?.description }).sorted()
    throw ImageSourceError(
      .platformNotFound,
      "no image for platform \(platform) in \(what); available platforms: \(available.joined(separator: ", "))"
    )
  }
}
