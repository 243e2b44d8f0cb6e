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
      var User: String?
      var Env: [String]?
      var Entrypoint: [String]?
      var Cmd: [String]?
      var WorkingDir: String?
      var Labels: [String: String]?
      var ExposedPorts: [String: AnyEmpty]?
      var StopSignal: String?
    }
    struct AnyEmpty: Decodable {}
    struct RootFS: Decodable { var diff_ids: [String]? }
    struct History: Decodable {
      var created: String?
      var created_by: String?
      var comment: String?
      var empty_layer: Bool?
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
    for text in raw.rootfs?.diff_ids ?? [] {
      do { diffIDs.append(try Digest(parsing: text)) } catch {
        throw RegistryError(
          .invalidResponse, reference: reference, "image config diff_id: \(error.message)")
      }
    }
    let c = raw.config
    return ImageConfig(
      created: raw.created, author: raw.author, architecture: raw.architecture, os: raw.os,
      variant: raw.variant, user: c?.User.flatMap { $0.isEmpty ? nil : $0 }, env: c?.Env ?? [],
      entrypoint: c?.Entrypoint, cmd: c?.Cmd,
      workingDir: c?.WorkingDir.flatMap { $0.isEmpty ? nil : $0 },
      labels: c?.Labels ?? [:],
      exposedPorts: (c?.ExposedPorts?.keys).map { Array($0).sorted() } ?? [],
      stopSignal: c?.StopSignal,
      history: (raw.history ?? []).map {
        HistoryEntry(
          created: $0.created, createdBy: $0.created_by, comment: $0.comment,
          emptyLayer: $0.empty_layer ?? false)
      },
      diffIDs: diffIDs)
  }
}
