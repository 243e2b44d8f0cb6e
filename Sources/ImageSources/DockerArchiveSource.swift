import ByteFormats
import Foundation
import TailguardModel

/// A `docker save` / skopeo archive (`docker-archive:FILE[:tag]`), plain or gzip-compressed:
/// `manifest.json` (with multi-image bundles), or the legacy `repositories` + `<id>/json` +
/// `<id>/layer.tar` layout. Layers inside may themselves be gzip or zstd. The outer tar is never
/// extracted: a plain archive is read by seeking, a compressed one by streaming.
///
/// A docker archive has no manifest blob, so `manifestDigest` is nil; the image is identified by
/// its config digest (the image ID) and the layers' `diff_id`s, which are verified as they stream.
public final class DockerArchiveSource: ImageSource, @unchecked Sendable {
  public let target: String
  public let path: String
  /// `RepoTags` entry to select (`name:tag`), when the archive holds several images.
  public let tag: String?
  public let platform: Platform?

  private let lock = NSLock()
  private var cachedIndex: DockerArchiveIndex?
  /// Layer digest → archive member name.
  private var layerMembers: [Digest: String] = [:]

  public init(path: String, tag: String? = nil, platform: Platform? = nil, target: String? = nil) {
    self.path = path
    self.tag = tag
    self.platform = platform
    self.target = target ?? "docker-archive:\(path)"
  }

  func index() throws(ImageSourceError) -> DockerArchiveIndex {
    if let cached = lock.withLock({ cachedIndex }) { return cached }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw ImageSourceError(.notFound, "docker archive \(path) does not exist", path: path)
    }
    guard !isDir.boolValue else {
      throw ImageSourceError(
        .malformed, "docker archive \(path) is a directory, not a tar file", path: path)
    }
    let index = try DockerArchiveIndex(path: path)
    lock.withLock { cachedIndex = index }
    return index
  }

  struct ManifestEntry: Decodable {
    var Config: String
    var RepoTags: [String]?
    var Layers: [String]
  }

  struct LegacyJSON: Decodable {
    var id: String?
    var parent: String?
  }

  public func image() async throws -> ImageMetadata { try resolve() }

  public func resolve() throws(ImageSourceError) -> ImageMetadata {
    let index = try index()
    let configName: String
    let layerNames: [String]
    var tags: [String]
    var legacy = false
    if let manifestBytes = try index.document("manifest.json", what: "manifest.json") {
      let entries = try JSONDocument.decode(
        [ManifestEntry]?.self, from: manifestBytes, what: "docker archive manifest.json", path: path
      )
      guard let entries, !entries.isEmpty else {
        throw ImageSourceError(
          .malformed, "docker archive \(path) has an empty or null manifest.json", path: path)
      }
      let chosen = try choose(entries)
      configName = chosen.Config
      layerNames = chosen.Layers
      tags = chosen.RepoTags ?? []
    } else if let repoBytes = try index.document("repositories", what: "repositories") {
      legacy = true
      let repos = try JSONDocument.decode(
        [String: [String: String]].self, from: repoBytes, what: "docker archive repositories",
        path: path)
      var pairs: [(String, String)] = []
      for (repo, tagMap) in repos { for (t, id) in tagMap { pairs.append(("\(repo):\(t)", id)) } }
      pairs.sort { $0.0 < $1.0 }
      let pick: (String, String)
      if let tag {
        guard let p = pairs.first(where: { Self.tagMatches($0.0, tag) }) else {
          throw ImageSourceError(
            .notFound,
            "tag '\(tag)' not found in docker archive \(path); available: \(pairs.map(\.0).joined(separator: ", "))",
            path: path)
        }
        pick = p
      } else {
        guard Set(pairs.map(\.1)).count == 1, let p = pairs.first else {
          throw ImageSourceError(
            .ambiguous,
            "docker archive \(path) holds \(Set(pairs.map(\.1)).count) images; name one as docker-archive:\(path):TAG (available: \(pairs.map(\.0).joined(separator: ", ")))",
            path: path)
        }
        pick = p
      }
      tags = pairs.filter { $0.1 == pick.1 }.map(\.0)
      var chain: [String] = []
      var id: String? = pick.1
      while let current = id {
        guard chain.count < 256, !chain.contains(current) else {
          throw ImageSourceError(
            .malformed, "docker archive \(path) has a parent chain loop or is too deep", path: path)
        }
        chain.append(current)
        guard let j = try index.document("\(current)/json", what: "\(current)/json") else {
          throw ImageSourceError(
            .notFound, "docker archive \(path) lacks \(current)/json", path: path)
        }
        id = try JSONDocument.decode(LegacyJSON.self, from: j, what: "\(current)/json", path: path)
          .parent
      }
      configName = "\(pick.1)/json"
      layerNames = chain.reversed().map { "\($0)/layer.tar" }
    } else {
      throw ImageSourceError(
        .malformed,
        "docker archive \(path) has neither manifest.json nor repositories; not a docker archive",
        path: path)
    }

    guard let configBytes = try index.document(configName, what: "image config") else {
      throw ImageSourceError(
        .notFound, "docker archive \(path) lacks the image config \(configName)", path: path)
    }
    let config = try ImageConfigParser.parse(configBytes, what: "image config \(configName)")
    let configDigest = try JSONDocument.digest(
      "sha256:" + BlobHasher.sha256Hex(configBytes), what: "config")
    if !legacy, let m = index.member(configName), let named = Self.digestFromName(m.name),
      named != configDigest
    {
      throw ImageSourceError(
        .digestMismatch,
        "image config \(configName) does not match its digest (got \(configDigest))", blob: named,
        path: path)
    }
    if let platform, let cp = ImageConfigParser.platform(of: config), !platform.accepts(cp) {
      throw ImageSourceError(
        .platformNotFound,
        "no image for platform \(platform) in docker archive \(path); available platforms: \(cp)",
        path: path)
    }

    var layers: [LayerInfo] = []
    var members: [Digest: String] = [:]
    for (i, name) in layerNames.enumerated() {
      guard let m = index.member(name) else {
        throw ImageSourceError(
          .notFound, "layer \(i + 1) (\(name)) is missing from docker archive \(path)", path: path)
      }
      let head = try index.head(of: m)
      let compression: LayerCompression =
        head.starts(with: [0x1F, 0x8B])
        ? .gzip : head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) ? .zstd : .none
      let digest: Digest
      if compression == .none, i < config.diffIDs.count, config.diffIDs.count == layerNames.count {
        digest = config.diffIDs[i]
      } else {
        digest = try JSONDocument.digest("sha256:" + index.sha256(of: m), what: "layer")
      }
      members[digest] = m.name
      let type: String
      switch compression {
      case .none: type = "application/vnd.docker.image.rootfs.diff.tar"
      case .gzip: type = "application/vnd.docker.image.rootfs.diff.tar.gzip"
      case .zstd: type = "application/vnd.docker.image.rootfs.diff.tar.zstd"
      }
      layers.append(
        LayerInfo(index: i, digest: digest, mediaType: type, compression: compression, size: m.size)
      )
    }
    ImageConfigParser.annotate(&layers, with: config)
    lock.withLock { layerMembers.merge(members) { a, _ in a } }
    return ImageMetadata(
      target: target, sourceKind: "docker-archive", reference: tags.first, manifestDigest: nil,
      manifestMediaType: nil, configDigest: configDigest,
      platform: ImageConfigParser.platform(of: config), layers: layers, config: config,
      tags: tags.sorted())
  }

  private func choose(_ entries: [ManifestEntry]) throws(ImageSourceError) -> ManifestEntry {
    let all = entries.flatMap { $0.RepoTags ?? [] }
    if let tag {
      if let e = entries.first(where: { ($0.RepoTags ?? []).contains { Self.tagMatches($0, tag) } })
      {
        return e
      }
      throw ImageSourceError(
        .notFound,
        "tag '\(tag)' not found in docker archive \(path); available: \(all.isEmpty ? "none" : all.joined(separator: ", "))",
        path: path)
    }
    guard entries.count == 1 else {
      throw ImageSourceError(
        .ambiguous,
        "docker archive \(path) holds \(entries.count) images; name one as docker-archive:\(path):TAG (available: \(all.joined(separator: ", ")))",
        path: path)
    }
    return entries[0]
  }

  /// `RepoTags` match: exact, or equal after Docker's reference normalisation.
  static func tagMatches(_ repoTag: String, _ wanted: String) -> Bool {
    if repoTag == wanted { return true }
    guard let a = try? ImageReference(parsing: repoTag) else { return false }
    if let b = try? ImageReference(parsing: wanted), a.name == b.name, a.tag == (b.tag ?? "latest")
    {
      return true
    }
    return a.tag == wanted
  }

  static func digestFromName(_ name: String) -> Digest? {
    let base = name.split(separator: "/").last.map(String.init) ?? name
    if name.hasPrefix("blobs/sha256/") { return try? Digest(algorithm: "sha256", hex: base) }
    if base.hasSuffix(".json") {
      return try? Digest(algorithm: "sha256", hex: String(base.dropLast(5)))
    }
    return try? Digest(parsing: base)
  }

  private func memberName(for digest: Digest) -> String? {
    lock.withLock { layerMembers[digest] }
  }

  public func openLayerBlob(_ layer: LayerInfo) async throws -> any BlobReader {
    let index = try index()
    var name = memberName(for: layer.digest)
    if name == nil {
      _ = try resolve()
      name = memberName(for: layer.digest)
    }
    guard let name, let m = index.member(name) else {
      throw ImageSourceError(
        .notFound, "layer \(layer.digest) is not in docker archive \(path)", blob: layer.digest,
        path: path)
    }
    if index.gzip { return try GzipArchiveMemberReader(path: path, member: m.name) }
    return try FileBlobReader(path: path, offset: m.dataOffset, length: m.size)
  }
}
