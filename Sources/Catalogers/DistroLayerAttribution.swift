import ByteFormats
import FileTrees
import TailguardModel

/// Which layer brought an OS package in. A package database is rewritten by every layer that
/// installs anything, so the layer that last changed the file is not the answer: the answer is
/// the layer from which on every later version of the database lists the package (same name
/// and version). A package removed and installed again counts from its reinstallation.
enum DistroLayerAttribution {
  /// For each key present in the newest readable version of the file, the layer index where its
  /// latest uninterrupted run of presence began. `keys` returns nil for a version it cannot read;
  /// such versions are skipped rather than treated as empty. `latest`, when given, stands for
  /// the keys of the last version (already parsed by the caller), so it is not read twice; a
  /// file with a single version needs no reading at all.
  static func introductions<Key: Hashable>(
    history: [FileVersion], latest: Set<Key>? = nil, keys: (any ByteSource) -> Set<Key>?
  ) -> [Key: Int] {
    var since: [Key: Int] = [:]
    for (i, version) in history.enumerated() {
      let isLast = i == history.count - 1
      guard let present = (isLast ? latest : nil) ?? keys(version.contents) else { continue }
      var next: [Key: Int] = [:]
      next.reserveCapacity(present.count)
      for key in present { next[key] = since[key] ?? version.layerIndex }
      since = next
    }
    return since
  }

  /// Sets `introducedBy`/`introducedByIndex` from a layer index. Left nil when the index is
  /// unknown or the resolver has no layers (a plain directory has no layer to name).
  static func attribute(_ package: inout Package, layerIndex: Int?, resolver: any FileResolver) {
    guard let layerIndex, layerIndex >= 0, layerIndex < resolver.layers.count else { return }
    package.introducedByIndex = layerIndex
    package.introducedBy = resolver.layers[layerIndex].digest
  }
}
