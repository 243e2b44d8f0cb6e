import ByteFormats
import Foundation
import TailguardModel

/// A `FileResolver` over entries and contents held in memory. Used by tests and by callers that
/// already have the files (e.g. a small fixture tree loaded with `loading(directory:selectors:)`).
public struct InMemoryFileResolver: FileResolver {
  public var layers: [LayerInfo]
  public var diagnostics: [Diagnostic]
  private var entries: [String: FileEntry]
  private var versions: [String: [FileVersion]]
  private var selectorPaths: [FileSelector: [String]]

  /// `files` maps image paths to contents; every file is captured and matched against `selectors`.
  public init(
    files: [String: [UInt8]], symlinks: [String: String] = [:], modes: [String: UInt32] = [:],
    selectors: [FileSelector], layers: [LayerInfo] = []
  ) {
    self.layers = layers
    self.diagnostics = []
    var entries: [String: FileEntry] = [:]
    var versions: [String: [FileVersion]] = [:]
    for (rawPath, bytes) in files {
      let path = Self.clean(rawPath)
      entries[path] = FileEntry(
        path: path, kind: .regular, mode: modes[rawPath] ?? 0o644, size: Int64(bytes.count))
      versions[path] = [FileVersion(layerIndex: 0, contents: MemoryByteSource(bytes))]
      Self.addParents(of: path, to: &entries)
    }
    for (rawPath, target) in symlinks {
      let path = Self.clean(rawPath)
      entries[path] = FileEntry(path: path, kind: .symlink, mode: 0o777, linkTarget: target)
      Self.addParents(of: path, to: &entries)
    }
    self.entries = entries
    self.versions = versions
    var selectorPaths: [FileSelector: [String]] = [:]
    for selector in selectors {
      selectorPaths[selector] = versions.compactMap { path, vs in
        guard let entry = entries[path],
          selector.matches(path: path),
          entry.size <= selector.maxSize,
          let head = try? vs.last?.contents.read(at: 0, length: 16), selector.matchesMagic(head)
        else { return nil }
        return path
      }.sorted()
    }
    self.selectorPaths = selectorPaths
  }

  /// Loads every regular file under `directory` that some selector matches (bounded by the
  /// selector's `maxSize`). Symlinks are kept as links. For small fixture trees only.
  public static func loading(directory: String, selectors: [FileSelector]) throws
    -> InMemoryFileResolver
  {
    let root = URL(fileURLWithPath: directory).standardizedFileURL.path
    var files: [String: [UInt8]] = [:]
    var links: [String: String] = [:]
    var modes: [String: UInt32] = [:]
    let fm = FileManager.default
    guard let walker = fm.enumerator(atPath: root) else {
      throw ByteFormatError(.io, "cannot list \(directory)")
    }
    while let rel = walker.nextObject() as? String {
      let full = root + "/" + rel
      guard let attrs = try? fm.attributesOfItem(atPath: full) else { continue }
      let type = attrs[.type] as? FileAttributeType
      if type == .typeSymbolicLink {
        links[rel] = try? fm.destinationOfSymbolicLink(atPath: full)
        continue
      }
      guard type == .typeRegular else { continue }
      let mode = (attrs[.posixPermissions] as? NSNumber)?.uint32Value ?? 0o644
      let size = (attrs[.size] as? NSNumber)?.int64Value ?? 0
      let limit = selectors.filter { $0.matches(path: rel) }.map(\.maxSize).max() ?? -1
      guard size <= limit, let data = try? BoundedFile.read(path: full, limit: Int(limit)) else {
        continue
      }
      files[rel] = data
      modes[rel] = mode
    }
    return InMemoryFileResolver(files: files, symlinks: links, modes: modes, selectors: selectors)
  }

  public func entry(at path: String) -> FileEntry? { entries[Self.clean(path)] }

  public func symlinks() -> [FileEntry] {
    entries.values.filter { $0.kind == .symlink }.sorted { $0.path < $1.path }
  }

  public func resolve(_ path: String) -> String? {
    var current = Self.clean(path)
    for _ in 0..<40 {
      guard let entry = entries[current] else { return nil }
      guard entry.kind == .symlink, let target = entry.linkTarget else { return current }
      if target.hasPrefix("/") {
        current = Self.clean(target)
      } else {
        let parent = current.split(separator: "/").dropLast().joined(separator: "/")
        current = Self.clean(parent.isEmpty ? target : parent + "/" + target)
      }
    }
    return nil
  }

  public func contents(at path: String) -> (any ByteSource)? {
    guard let resolved = resolve(path) else { return nil }
    return versions[resolved]?.last?.contents
  }

  public func history(of path: String) -> [FileVersion] { versions[Self.clean(path)] ?? [] }

  public func paths(matching selector: FileSelector) -> [String] { selectorPaths[selector] ?? [] }

  public func children(of directory: String) -> [String] {
    let dir = Self.clean(directory)
    let prefix = dir.isEmpty ? "" : dir + "/"
    var names = Set<String>()
    for path in entries.keys where path.hasPrefix(prefix) && path != dir {
      let rest = path.dropFirst(prefix.count)
      if let name = rest.split(separator: "/").first { names.insert(String(name)) }
    }
    return names.sorted()
  }

  /// Normalises to an image path: no leading slash, no `.` or empty components, `..` clamped at the root.
  public static func clean(_ path: String) -> String {
    var parts: [Substring] = []
    for component in path.split(separator: "/") {
      if component == "." || component.isEmpty { continue }
      if component == ".." {
        _ = parts.popLast()
        continue
      }
      parts.append(component)
    }
    return parts.joined(separator: "/")
  }

  private static func addParents(of path: String, to entries: inout [String: FileEntry]) {
    var parts = path.split(separator: "/").dropLast()
    while !parts.isEmpty {
      let dir = parts.joined(separator: "/")
      if entries[dir] == nil { entries[dir] = FileEntry(path: dir, kind: .directory, mode: 0o755) }
      parts = parts.dropLast()
    }
  }
}
