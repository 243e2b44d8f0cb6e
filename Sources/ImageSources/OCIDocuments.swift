import Foundation
import TailguardModel

/// Media types of the OCI image spec and Docker's v2 schema 2, as they appear in descriptors.
public enum MediaTypes {
  public static let ociIndex = "application/vnd.oci.image.index.v1+json"
  public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
  public static let ociConfig = "application/vnd.oci.image.config.v1+json"
  public static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
  public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
  public static let dockerConfig = "application/vnd.docker.container.image.v1+json"

  public static func isIndex(_ t: String) -> Bool { t == ociIndex || t == dockerList }
  public static func isManifest(_ t: String) -> Bool { t == ociManifest || t == dockerManifest }

  /// Compression of a layer media type, or nil when the type is not a layer tailguard reads
  /// (the caller reports it).
  public static func layerCompression(_ t: String) -> LayerCompression? {
    switch t {
    case "application/vnd.oci.image.layer.v1.tar",
      "application/vnd.oci.image.layer.nondistributable.v1.tar",
      "application/vnd.docker.image.rootfs.diff.tar":
      return LayerCompression.none
    case "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
      return .gzip
    case "application/vnd.oci.image.layer.v1.tar+zstd",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
      "application/vnd.docker.image.rootfs.diff.tar.zstd":
      return .zstd
    default:
      return nil
    }
  }
}

/// An OCI content descriptor (image-spec `descriptor.md`), the one descriptor type of layouts,
/// archives and registries: manifests, indexes, referrers and `subject` all hold these.
///
/// The digest is parsed as the document is decoded (a malformed one makes the document
/// malformed, naming it). `mediaType` and `size` may be missing, as in layouts written by real
/// tools; the registry client requires both in what a registry serves (`RegistryManifest`).
public struct OCIDescriptor: Codable, Sendable, Hashable {
  public var mediaType: String?
  public var digest: Digest
  public var size: Int64?
  public var annotations: [String: String]?
  public var platform: OCIPlatform?
  /// The type of an artifact manifest (referrers: `application/vnd.dev.sigstore.bundle…`).
  public var artifactType: String?

  public init(
    mediaType: String? = nil, digest: Digest, size: Int64? = nil,
    annotations: [String: String]? = nil, platform: OCIPlatform? = nil,
    artifactType: String? = nil
  ) {
    self.mediaType = mediaType
    self.digest = digest
    self.size = size
    self.annotations = annotations
    self.platform = platform
    self.artifactType = artifactType
  }

  public static let refNameAnnotation = "org.opencontainers.image.ref.name"

  /// The `org.opencontainers.image.ref.name` annotation (a tag, or a full reference).
  public var refName: String? { annotations?[Self.refNameAnnotation] }
}

public struct OCIPlatform: Codable, Sendable, Hashable {
  public var os: String?
  public var architecture: String?
  public var variant: String?

  public init(os: String? = nil, architecture: String? = nil, variant: String? = nil) {
    self.os = os
    self.architecture = architecture
    self.variant = variant
  }

  public init(_ platform: Platform) {
    self.init(os: platform.os, architecture: platform.architecture, variant: platform.variant)
  }

  public var value: Platform? {
    guard let os, let architecture, !os.isEmpty, !architecture.isEmpty else { return nil }
    return Platform(os: os, architecture: architecture, variant: variant)
  }
}

/// `index.json` / an image index / a Docker manifest list.
public struct OCIIndex: Codable, Sendable, Hashable {
  public var schemaVersion: Int?
  public var mediaType: String?
  public var manifests: [OCIDescriptor]
}

/// An OCI image manifest or Docker v2s2 manifest.
public struct OCIManifest: Codable, Sendable, Hashable {
  public var schemaVersion: Int?
  public var mediaType: String?
  public var config: OCIDescriptor
  public var layers: [OCIDescriptor]
}

/// Any manifest-like document (index, image manifest, artifact manifest), every field optional:
/// for probing a document whose descriptor did not say what it is, and for readers that take
/// whichever of its lists is present (signature manifests, referrer indexes).
public struct OCIDocument: Codable, Sendable, Hashable {
  public var schemaVersion: Int?
  public var mediaType: String?
  public var artifactType: String?
  public var manifests: [OCIDescriptor]?
  public var config: OCIDescriptor?
  public var layers: [OCIDescriptor]?
  public var subject: OCIDescriptor?
  public var annotations: [String: String]?

  /// Decodes `bytes` (at most ``OCILayout/maxDocument``), naming `what` in errors.
  public init(parsing bytes: some Collection<UInt8>, what: String = "manifest")
    throws(ImageSourceError)
  {
    self = try JSONDocument.decode(Self.self, from: Array(bytes), what: what)
  }
}

/// JSON decoding with a size bound and errors that name the document.
enum JSONDocument {
  static let maxSize = OCILayout.maxDocument

  static func decode<T: Decodable>(
    _ type: T.Type, from bytes: [UInt8], what: String, path: String? = nil
  )
    throws(ImageSourceError) -> T
  {
    guard bytes.count <= maxSize else {
      throw ImageSourceError(
        .limitExceeded, "\(what) is \(bytes.count) bytes, above the limit of \(maxSize)", path: path
      )
    }
    do {
      return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch let DecodingError.keyNotFound(key, ctx) {
      throw ImageSourceError(
        .malformed,
        "\(what) is missing '\(([key] + ctx.codingPath.reversed()).reversed().map(\.stringValue).joined(separator: "."))'",
        path: path)
    } catch let DecodingError.typeMismatch(_, ctx) {
      throw ImageSourceError(
        .malformed,
        "\(what) has a wrong type at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'",
        path: path)
    } catch let DecodingError.valueNotFound(_, ctx) {
      throw ImageSourceError(
        .malformed,
        "\(what) has null at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'",
        path: path)
    } catch {
      throw ImageSourceError(.malformed, "\(what) is not valid JSON", path: path)
    }
  }

  static func digest(_ text: String, what: String) throws(ImageSourceError) -> Digest {
    do { return try Digest(parsing: text) } catch {
      throw ImageSourceError(.malformed, "\(what): \(error.message)")
    }
  }
}
