import Foundation
import TailguardModel

/// Decodes an OCI / Docker image config blob into the model's `ImageConfig`.
///
/// The registry source needs the config for `ImageMetadata` (platform, diff IDs, history) before
/// any layer is read. Unknown fields are ignored; a malformed diff ID is an error, because layer
/// verification downstream depends on them.
enum RegistryConfigDecoder {
  private struct Raw: Decodable {
    struct Inner: Decodable {
      var user: String?
      var env: [String]?
      var entrypoint: [String]?
      var cmd: [String]?
      var workingDir: String?
      var labels: [String: String]?
      var exposedPorts: [String: AnyEmpty]?
      var stopSignal: String?
      enum CodingKeys: String, CodingKey {
        case user = "User"
        case env = "Env"
        case entrypoint = "Entrypoint"
        case cmd = "Cmd"
        case workingDir = "WorkingDir"
        case labels = "Labels"
        case exposedPorts = "ExposedPorts"
        case stopSignal = "StopSignal"
      }
    }
    struct AnyEmpty: Decodable {}
    struct RootFS: Decodable {
      var diffIDs: [String]?
      enum CodingKeys: String, CodingKey { case diffIDs = "diff_ids" }
    }
    struct History: Decodable {
      var created: String?
      var createdBy: String?
      var comment: String?
      var emptyLayer: Bool?
      enum CodingKeys: String, CodingKey {
        case created, comment
        case createdBy = "created_by"
        case emptyLayer = "empty_layer"
      }
    }
    var created: String?
    var author: String?
    var architecture: String?
    var os: String?
    var variant: String?
    var config: Inner?
    var rootfs: RootFS?
    var history: [History]?
  }

  static func decode(_ bytes: [UInt8], reference: String) throws(RegistryError) -> ImageConfig {
    let raw: Raw
    do { raw = try JSONDecoder().decode(Raw.self, from: Data(bytes)) } catch {
      throw RegistryError(
        .invalidResponse, reference: reference, "image config is not valid JSON: \(error)")
    }
    var diffIDs: [Digest] = []
    for text in raw.rootfs?.diffIDs ?? [] {
      do { diffIDs.append(try Digest(parsing: text)) } catch {
        throw RegistryError(
          .invalidResponse, reference: reference, "image config diff_id: \(error.message)")
      }
    }
    let c = raw.config
    return ImageConfig(
      created: raw.created, author: raw.author, architecture: raw.architecture, os: raw.os,
      variant: raw.variant, user: c?.user.flatMap { $0.isEmpty ? nil : $0 }, env: c?.env ?? [],
      entrypoint: c?.entrypoint, cmd: c?.cmd,
      workingDir: c?.workingDir.flatMap { $0.isEmpty ? nil : $0 },
      labels: c?.labels ?? [:],
      exposedPorts: (c?.exposedPorts?.keys).map { Array($0).sorted() } ?? [],
      stopSignal: c?.stopSignal,
      history: (raw.history ?? []).map {
        HistoryEntry(
          created: $0.created, createdBy: $0.createdBy, comment: $0.comment,
          emptyLayer: $0.emptyLayer ?? false)
      },
      diffIDs: diffIDs)
  }
}
