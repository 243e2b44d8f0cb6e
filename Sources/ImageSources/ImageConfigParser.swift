import Foundation
import TailguardModel

/// Reads an OCI / Docker image config (`application/vnd.oci.image.config.v1+json`) into the
/// model's `ImageConfig` for every image source (layout, archive, registry), so one image reads the
/// same whichever way it arrives. It also maps `history` entries to layers (entries marked
/// `empty_layer` made no layer, so the n-th non-empty entry belongs to the n-th layer).
public enum ImageConfigParser {
  struct Raw: Decodable {
    struct Inner: Decodable {
      var User: String?
      var Env: [String]?
      var Entrypoint: [String]?
      var Cmd: [String]?
      var WorkingDir: String?
      var Labels: [String: String]?
      var ExposedPorts: [String: AnyValue]?
      var StopSignal: String?
    }
    struct History: Decodable {
      var created: String?
      var created_by: String?
      var comment: String?
      var empty_layer: Bool?
    }
    struct RootFS: Decodable {
      var type: String?
      var diff_ids: [String]?
    }
    var created: String?
    var author: String?
    var architecture: String?
    var os: String?
    var variant: String?
    var config: Inner?
    var history: [History]?
    var rootfs: RootFS?
  }

  /// Accepts any JSON value (ExposedPorts values are empty objects).
  struct AnyValue: Decodable {
    init(from decoder: any Decoder) throws {}
  }

  public static func parse(_ bytes: [UInt8], what: String = "image config") throws(ImageSourceError)
    -> ImageConfig
  {
    let raw = try JSONDocument.decode(Raw.self, from: bytes, what: what)
    var diffIDs: [Digest] = []
    for text in raw.rootfs?.diff_ids ?? [] {
      diffIDs.append(try JSONDocument.digest(text, what: "\(what) rootfs.diff_ids"))
    }
    let c = raw.config
    return ImageConfig(
      created: raw.created, author: raw.author, architecture: raw.architecture, os: raw.os,
      variant: raw.variant, user: c?.User, env: c?.Env ?? [], entrypoint: c?.Entrypoint,
      cmd: c?.Cmd,
      workingDir: c?.WorkingDir, labels: c?.Labels ?? [:],
      exposedPorts: (c?.ExposedPorts ?? [:]).keys.sorted(), stopSignal: c?.StopSignal,
      history: (raw.history ?? []).map {
        HistoryEntry(
          created: $0.created, createdBy: $0.created_by, comment: $0.comment,
          emptyLayer: $0.empty_layer ?? false)
      },
      diffIDs: diffIDs)
  }

  /// Fills `diffID`, `createdBy` and `created` of each layer from the config.
  public static func annotate(_ layers: inout [LayerInfo], with config: ImageConfig) {
    if config.diffIDs.count == layers.count {
      for i in layers.indices { layers[i].diffID = config.diffIDs[i] }
    }
    let producing = config.history.filter { !$0.emptyLayer }
    if producing.count == layers.count {
      for i in layers.indices {
        layers[i].createdBy = producing[i].createdBy
        layers[i].created = producing[i].created
      }
    }
  }

  /// The config's platform, when it names one.
  public static func platform(of config: ImageConfig) -> Platform? {
    guard let os = config.os, let arch = config.architecture, !os.isEmpty, !arch.isEmpty else {
      return nil
    }
    return Platform(os: os, architecture: arch, variant: config.variant)
  }
}
