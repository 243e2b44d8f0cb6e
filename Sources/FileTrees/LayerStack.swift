import ByteFormats
import TailguardModel

/// The squashed view of an image's layers (what the container sees), built in one streaming
/// pass per layer by `LayerStackBuilder`, with the captured contents of the files catalogers
/// asked for. Every entry knows the layer that added it and the layer that last changed it.
///
/// The index is compact (one small record per path, link targets kept apart) so an image with a
/// million files stays well under a gigabyte.
public struct LayerStack: FileResolver {
  struct Node: Sendable {
    var path: String
    var parent: Int32
    var kind: FileKind
    var mode: UInt32
    var size: Int64
    var added: Int32
    var changed: Int32
  }

  public let layers: [LayerInfo]
  public let diagnostics: [Diagnostic]
  let nodes: [Node]
  let index: [String: Int32]
  let links: [Int32: String]
  let visible: [Bool]
  let children: [Int32: [Int32]]
  let versions: [String: [FileVersion]]
  let versionSelectors: [String: [[Int32]]]
  let selectors: [FileSelector]
  let spool: SpoolDirectory?

  init(
    layers: [LayerInfo], diagnostics: [Diagnostic], nodes: [Node], index: [String: Int32],
    links: [Int32: String], visible: [Bool], children: [Int32: [Int32]],
    versions: [String: [FileVersion]], versionSelectors: [String: [[Int32]]],
    selectors: [FileSelector], spool: SpoolDirectory?
  ) {
    self.layers = layers
    self.diagnostics = diagnostics
    self.nodes = nodes
    self.index = index
    self.links = links
    self.visible = visible
    self.children = children
    self.versions = versions
    self.versionSelectors = versionSelectors
    self.selectors = selectors
    self.spool = spool
  }

  /// Number of entries in the squashed view (directories included).
  public var count: Int { visible.lazy.filter { $0 }.count }

  /// Every visible entry, sorted by path.
  public func entries() -> [FileEntry] {
    var out: [FileEntry] = []
    for (i, v) in visible.enumerated() where v && !nodes[i].path.isEmpty {
      out.append(fileEntry(Int32(i)))
    }
    return out.sorted { $0.path < $1.path }
  }

  func fileEntry(_ i: Int32) -> FileEntry {
    let n = nodes[Int(i)]
    return FileEntry(
      path: n.path, kind: n.kind, mode: n.mode, size: n.size, linkTarget: links[i],
      addedInLayer: Int(n.added), changedInLayer: Int(n.changed))
  }

  func visibleNode(_ path: String) -> Int32? {
    guard let i = index[path], visible[Int(i)] else { return nil }
    return i
  }

  public func entry(at path: String) -> FileEntry? {
    let clean = PathNormalizer.clean(path)
    if let i = visibleNode(clean) { return fileEntry(i) }
    // An intermediate symlink: resolve the parent, then look up the last component.
    let parts = clean.split(separator: "/")
    guard parts.count > 1, let parent = resolve(parts.dropLast().joined(separator: "/")) else {
      return nil
    }
    let joined = parent.isEmpty ? String(parts.last!) : parent + "/" + parts.last!
    return visibleNode(joined).map(fileEntry)
  }

  public func symlinks() -> [FileEntry] {
    links.keys.filter { nodes[Int($0)].kind == .symlink && visible[Int($0)] }.map(fileEntry)
      .sorted { $0.path < $1.path }
  }

  public func resolve(_ path: String) -> String? {
    // Fast path, for nearly every path a cataloger asks about: the entry exists and neither it
    // nor any directory above it is a symlink, so the path is already resolved. One lookup
    // and a walk up the parent indices, instead of a lookup per path prefix.
    let clean = PathNormalizer.clean(path)
    if let i = visibleNode(clean), nodes[Int(i)].kind != .symlink, plainAncestors(i) {
      return clean
    }
    return resolveStepwise(clean)
  }

  /// Whether every directory above node `i` is visible and not a symlink.
  func plainAncestors(_ i: Int32) -> Bool {
    var p = nodes[Int(i)].parent
    var depth = 0
    while p > 0 {  // 0 is the root, -1 above it
      guard visible[Int(p)], nodes[Int(p)].kind != .symlink, depth < 4096 else { return false }
      p = nodes[Int(p)].parent
      depth += 1
    }
    return true
  }

  /// Component by component through `SymlinkResolver` (what the fast path must agree with).
  func resolveStepwise(_ path: String) -> String? {
    SymlinkResolver.resolve(path) { p in
      guard let i = visibleNode(p) else { return nil }
      let n = nodes[Int(i)]
      if n.kind == .symlink { return .symlink(links[i] ?? "") }
      return .other
    }
  }

  public func contents(at path: String) -> (any ByteSource)? {
    guard let resolved = resolve(path), let i = visibleNode(resolved) else { return nil }
    let n = nodes[Int(i)]
    guard let last = versions[resolved]?.last, last.layerIndex == Int(n.changed) else { return nil }
    return last.contents
  }

  public func history(of path: String) -> [FileVersion] {
    versions[PathNormalizer.clean(path)] ?? []
  }

  public func paths(matching selector: FileSelector) -> [String] {
    guard let s = selectors.firstIndex(of: selector).map(Int32.init) else { return [] }
    var out: [String] = []
    for (path, matched) in versionSelectors {
      guard let i = visibleNode(path), let last = versions[path]?.last,
        last.layerIndex == Int(nodes[Int(i)].changed), matched.last?.contains(s) == true
      else { continue }
      out.append(path)
    }
    return out.sorted()
  }

  public func children(of directory: String) -> [String] {
    let dir = PathNormalizer.clean(directory)
    let target = resolve(dir) ?? dir
    guard let i = visibleNode(target) else { return [] }
    return (children[i] ?? []).filter { visible[Int($0)] }.map { idx -> String in
      let p = nodes[Int(idx)].path
      guard let slash = p.lastIndex(of: "/") else { return p }
      return String(p[p.index(after: slash)...])
    }.sorted()
  }
}
