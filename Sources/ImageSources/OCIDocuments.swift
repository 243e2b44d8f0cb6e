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

/// An OCI content descriptor (the fields tailguard reads).
struct OCIDescriptor: Decodable, Sendable {
  var mediaType: String?
  var digest: String
  var size: Int64?
  var annotations: [String: String]?
  var platform: OCIPlatform?

  var refName: String? { annotations?["org.opencontainers.image.ref.name"] }
}

struct OCIPlatform: Decodable, Sendable {
  var os: String?
  var architecture: String?
  var variant: String?

  var value: Platform? {
    guard let os, let architecture, !os.isEmpty, !architecture.isEmpty else { return nil }
    return Platform(os: os, architecture: architecture, variant: variant)
  }
}

/// `index.json` / an image index / a Docker manifest list.
struct OCIIndex: Decodable, Sendable {
  var schemaVersion: Int?
  var mediaType: String?
  var manifests: [OCIDescriptor]
}

/// An OCI image manifest or Docker v2s2 manifest.
struct OCIManifest: Decodable, Sendable {
  var schemaVersion: Int?
  var mediaType: String?
  var config: OCIDescriptor
  var layers: [OCIDescriptor]
}

/// Probe for the media type of a manifest-like document whose descriptor did not say.
struct OCIProbe: Decodable {
  var schemaVersion: Int?
  var mediaType: String?
  var manifests: [OCIDescriptor]?
  var config: OCIDescriptor?
  var layers: [OCIDescriptor]?
}

/// JSON decoding with a size bound and errors that name the document.
enum JSONDocument {
  static let maxSize = 8 << 20

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
