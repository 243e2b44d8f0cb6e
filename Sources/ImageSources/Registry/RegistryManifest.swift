import Foundation
import TailguardModel

/// A manifest or index exactly as the registry served it: the bytes (whose digest was verified),
/// the digest, the media type, and the decoded document.
public struct RegistryManifest: Hashable, Sendable {
  /// Manifests larger than this are refused: the distribution registry itself caps them at 4 MiB.
  public static let maxSize = 4 * 1024 * 1024

  public enum Document: Hashable, Sendable {
    case image(config: OCIDescriptor, layers: [OCIDescriptor])
    case index(manifests: [OCIDescriptor])
  }

  public var bytes: [UInt8]
  public var digest: Digest
  public var mediaType: String
  public var document: Document
  /// `subject` of an OCI manifest (what an attestation or signature refers to).
  public var subject: OCIDescriptor?
  public var artifactType: String?
  public var annotations: [String: String]?

  public var isIndex: Bool {
    if case .index = document { return true }
    return false
  }

  private struct Raw: Decodable {
    var schemaVersion: Int?
    var mediaType: String?
    var config: OCIDescriptor?
    var layers: [OCIDescriptor]?
    var manifests: [OCIDescriptor]?
    var subject: OCIDescriptor?
    var artifactType: String?
    var annotations: [String: String]?
  }

  /// Decodes a manifest whose digest the caller has already verified. The media type comes from
  /// the document when it declares one, else from the `Content-Type` header; schema 1 is refused.
  public init(bytes: [UInt8], digest: Digest, contentType: String?, reference: String)
    throws(RegistryError)
  {
    guard bytes.count <= Self.maxSize else {
      throw RegistryError(
        .limitExceeded, reference: reference,
        "manifest of \(bytes.count) bytes exceeds \(Self.maxSize)")
    }
    let raw: Raw
    do {
      raw = try JSONDecoder().decode(Raw.self, from: Data(bytes))
    } catch {
      throw RegistryError(
        .invalidResponse, reference: reference, "manifest is not valid JSON: \(error)")
    }
    let header = contentType.map {
      String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces)
    }
    var type = raw.mediaType ?? header ?? ""
    if type.isEmpty || type == "application/json" || type == "application/octet-stream" {
      // OCI allows omitting mediaType; infer from the shape.
      type = raw.manifests != nil ? RegistryMediaType.ociIndex : RegistryMediaType.ociManifest
    }
    if raw.schemaVersion == 1 || type.contains("distribution.manifest.v1") {
      throw RegistryError(
        .invalidResponse, reference: reference, "Docker schema 1 manifests are not supported")
    }
    if RegistryMediaType.isIndex(type) || (raw.manifests != nil && raw.config == nil) {
      guard let manifests = raw.manifests else {
        throw RegistryError(.invalidResponse, reference: reference, "index has no manifests")
      }
      guard manifests.count <= 10_000 else {
        throw RegistryError(
          .limitExceeded, reference: reference, "index lists \(manifests.count) manifests")
      }
      document = .index(manifests: manifests)
    } else {
      guard let config = raw.config else {
        throw RegistryError(
          .invalidResponse, reference: reference,
          "manifest of type '\(type.prefix(100))' has no config")
      }
      let layers = raw.layers ?? []
      guard layers.count <= 10_000 else {
        throw RegistryError(
          .limitExceeded, reference: reference, "manifest lists \(layers.count) layers")
      }
      document = .image(config: config, layers: layers)
    }
    for d in [raw.config, raw.subject].compactMap({ $0 }) + (raw.layers ?? [])
      + (raw.manifests ?? [])
    where d.mediaType == nil || d.size == nil {
      // The distribution spec requires both; layouts on disk may omit them, registries may not.
      throw RegistryError(
        .invalidResponse, reference: reference,
        "descriptor \(d.digest) has no \(d.mediaType == nil ? "mediaType" : "size")")
    }
    self.bytes = bytes
    self.digest = digest
    self.mediaType = type
    self.subject = raw.subject
    self.artifactType = raw.artifactType
    self.annotations = raw.annotations
  }

  /// The index entry for `platform`: the first entry the platform accepts, in index order (what
  /// Docker and containerd do). Attestation manifests (`unknown/unknown`) never match.
  public func select(platform: Platform) -> OCIDescriptor? {
    guard case .index(let manifests) = document else { return nil }
    return manifests.first { d in
      guard let p = d.platform?.value, let type = d.mediaType,
        RegistryMediaType.isManifest(type) || RegistryMediaType.isIndex(type)
      else { return false }
      return platform.accepts(p)
    }
  }
}
