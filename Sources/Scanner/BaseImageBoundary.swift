import Foundation
import TailguardModel

/// Decides which layers belong to the base image, for "does this package come from the base
/// image?" — a question Trivy and Grype users have asked for years.
///
/// With a base image given, the base layers are the longest common prefix of the two images'
/// `diff_ids` (content-addressed, so equal digests mean the same layer). Without one, the
/// image config's history is read: a Dockerfile build records the base image's history first,
/// ending with its `CMD`/`ENTRYPOINT` (an empty layer); the last such entry that is followed by
/// a layer-creating entry marks the boundary. When neither tells, attribution stays unknown.
public enum BaseImageBoundary {
  /// Number of leading layers that belong to the base image, or nil when unknown.
  public static func baseLayerCount(image: ImageMetadata, base: ImageMetadata?) -> Int? {
    if let base {
      let a = image.config.diffIDs.isEmpty ? image.layers.map(\.digest) : image.config.diffIDs
      let b = base.config.diffIDs.isEmpty ? base.layers.map(\.digest) : base.config.diffIDs
      var n = 0
      while n < a.count, n < b.count, a[n] == b[n] { n += 1 }
      return n
    }
    let history = image.config.history
    guard !history.isEmpty else { return nil }
    var layerIndex = 0
    var boundary: Int?
    var candidate: Int?
    for entry in history {
      let by = (entry.createdBy ?? "").trimmingCharacters(in: .whitespaces)
      let isMetadataEnd =
        entry.emptyLayer
        && (by.contains(" CMD ") || by.hasPrefix("CMD ") || by.contains(" ENTRYPOINT ")
          || by.hasPrefix("ENTRYPOINT ") || by.contains("#(nop) CMD") || by.contains("#(nop)  CMD"))
      if isMetadataEnd {
        candidate = layerIndex
      } else if !entry.emptyLayer {
        if let c = candidate { boundary = c }
        candidate = nil
        layerIndex += 1
      }
    }
    return boundary
  }

  /// Marks layers and packages with `isBaseLayer` / `fromBaseImage`.
  public static func apply(count: Int?, to bom: inout SoftwareBOM) {
    guard let count else { return }
    for i in bom.image.layers.indices {
      bom.image.layers[i].isBaseLayer = bom.image.layers[i].index < count
    }
    for i in bom.packages.indices {
      if let index = bom.packages[i].introducedByIndex {
        bom.packages[i].fromBaseImage = index < count
      }
    }
  }
}
