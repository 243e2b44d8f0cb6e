import Foundation

/// One entry of the image config's `history`.
public struct HistoryEntry: Hashable, Sendable, Codable {
  public var created: String?
  public var createdBy: String?
  public var comment: String?
  public var emptyLayer: Bool
  public init(created: String? = nil, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool = false) {
    self.created = created
    self.createdBy = createdBy
    self.comment = comment
    self.emptyLayer = emptyLayer
  }
}

/// The parts of the OCI / Docker image config later stages use (policy, health, reports).
public struct ImageConfig: Hashable, Sendable, Codable {
  public var created: String?
  public var author: String?
  public var architecture: String?
  public var os: String?
  public var variant: String?
  public var user: String?
  public var env: [String]
  public var entrypoint: [String]?
  public var cmd: [String]?
  public var workingDir: String?
  public var labels: [String: String]
  public var exposedPorts: [String]
  public var stopSignal: String?
  public var history: [HistoryEntry]
  /// `rootfs.diff_ids`: digests of the uncompressed layers, in order.
  public var diffIDs: [Digest]

  public init(
    created: String? = nil, author: String? = nil, architecture: String? = nil, os: String? = nil,
    variant: String? = nil, user: String? = nil, env: [String] = [], entrypoint: [String]? = nil,
    cmd: [String]? = nil, workingDir: String? = nil, labels: [String: String] = [:],
    exposedPorts: [String] = [], stopSignal: String? = nil, history: [HistoryEntry] = [],
    diffIDs: [Digest] = []
  ) {
    self.created = created
    self.author = author
    self.architecture = architecture
    self.os = os
    self.variant = variant
    self.user = user
    self.env = env
    self.entrypoint = entrypoint
    self.cmd = cmd
    self.workingDir = workingDir
    self.labels = labels
    self.exposedPorts = exposedPorts
    self.stopSignal = stopSignal
    self.history = history
    self.diffIDs = diffIDs
  }
}

/// Compression of a layer blob.
public enum LayerCompression: String, Hashable, Sendable, Codable {
  case none, gzip, zstd
}

/// A layer of an image as described by its manifest and config.
public struct LayerInfo: Hashable, Sendable, Codable {
  public var index: Int
  /// Digest of the blob as stored (compressed).
  public var digest: Digest
  /// Digest of the uncompressed tar (`rootfs.diff_ids[index]`), when the config gives it.
  public var diffID: Digest?
  public var mediaType: String
  public var compression: LayerCompression
  /// Size of the blob in bytes, as the manifest declares it.
  public var size: Int64
  /// `created_by` of the history entry this layer belongs to.
  public var createdBy: String?
  public var created: String?
  /// True when the layer is part of the base image (see the scanner's base detection).
  public var isBaseLayer: Bool?

  public init(
    index: Int, digest: Digest, diffID: Digest? = nil, mediaType: String,
    compression: LayerCompression, size: Int64, createdBy: String? = nil, created: String? = nil,
    isBaseLayer: Bool? = nil
  ) {
    self.index = index
    self.digest = digest
    self.diffID = diffID
    self.mediaType = mediaType
    self.compression = compression
    self.size = size
    self.createdBy = createdBy
    self.created = created
    self.isBaseLayer = isBaseLayer
  }
}

/// What was scanned: the identity of an image (or of a directory / SBOM file).
public struct ImageMetadata: Hashable, Sendable, Codable {
  /// How the user named the target (`oci:/path:tag`, `docker.io/library/alpine:3.19`, …).
  public var target: String
  /// Source kind: `oci-layout`, `docker-archive`, `registry`, `directory`, `sbom`.
  public var sourceKind: String
  /// Normalised registry reference when known (`docker.io/library/alpine:3.19`).
  public var reference: String?
  public var manifestDigest: Digest?
  public var manifestMediaType: String?
  /// Digest of the index the manifest was selected from, for multi-platform images.
  public var indexDigest: Digest?
  public var configDigest: Digest?
  public var platform: Platform?
  public var layers: [LayerInfo]
  public var config: ImageConfig
  /// Tags that point at this manifest in the source (OCI `org.opencontainers.image.ref.name`, docker-archive RepoTags).
  public var tags: [String]

  public init(
    target: String, sourceKind: String, reference: String? = nil, manifestDigest: Digest? = nil,
    manifestMediaType: String? = nil, indexDigest: Digest? = nil, configDigest: Digest? = nil,
    platform: Platform? = nil, layers: [LayerInfo] = [], config: ImageConfig = ImageConfig(),
    tags: [String] = []
  ) {
    self.target = target
    self.sourceKind = sourceKind
    self.reference = reference
    self.manifestDigest = manifestDigest
    self.manifestMediaType = manifestMediaType
    self.indexDigest = indexDigest
    self.configDigest = configDigest
    self.platform = platform
    self.layers = layers
    self.config = config
    self.tags = tags
  }
}

/// The operating system release an image is based on (from os-release and friends).
public struct Distro: Hashable, Sendable, Codable {
  /// os-release `ID` (`debian`, `ubuntu`, `alpine`, `rhel`, `rocky`, `wolfi`, …).
  public var id: String
  /// os-release `VERSION_ID` (`12`, `22.04`, `3.19.1`).
  public var versionID: String?
  public var versionCodename: String?
  public var prettyName: String?
  public var idLike: [String]
  /// True when the image has an OS package database but no shell or package manager (distroless).
  public var distroless: Bool

  public init(
    id: String, versionID: String? = nil, versionCodename: String? = nil, prettyName: String? = nil,
    idLike: [String] = [], distroless: Bool = false
  ) {
    self.id = id
    self.versionID = versionID
    self.versionCodename = versionCodename
    self.prettyName = prettyName
    self.idLike = idLike
    self.distroless = distroless
  }
}

/// An edge between two things in the SBOM, by id. The image root is `Relationship.imageRootID`.
public struct Relationship: Hashable, Sendable, Codable, Comparable {
  public enum Kind: String, Hashable, Sendable, Codable {
    /// The image (or a binary/jar package) contains the target package.
    case contains
    /// The source package depends on the target package.
    case dependsOn = "depends-on"
    /// The package owns the file at `to` (a path).
    case ownsFile = "owns-file"
  }
  public static let imageRootID = "image"
  public var from: String
  public var to: String
  public var kind: Kind
  public init(from: String, to: String, kind: Kind) {
    self.from = from
    self.to = to
    self.kind = kind
  }
  public static func < (a: Relationship, b: Relationship) -> Bool {
    (a.from, a.kind.rawValue, a.to) < (b.from, b.kind.rawValue, b.to)
  }
}

/// The seam of the pipeline: every package of one image (or imported SBOM) with its evidence.
/// Matching, scoring, policy and reports all read this value.
public struct SoftwareBOM: Hashable, Sendable, Codable {
  public var image: ImageMetadata
  public var distro: Distro?
  public var packages: [Package]
  public var relationships: [Relationship]
  public var diagnostics: [Diagnostic]

  public init(
    image: ImageMetadata, distro: Distro? = nil, packages: [Package] = [],
    relationships: [Relationship] = [], diagnostics: [Diagnostic] = []
  ) {
    self.image = image
    self.distro = distro
    self.packages = packages
    self.relationships = relationships
    self.diagnostics = diagnostics
  }

  /// Sorts packages and relationships so equal inputs serialise to equal bytes.
  public mutating func normalize() {
    packages.sort()
    relationships = Array(Set(relationships)).sorted()
  }
}
