import ByteFormats
import FileTrees
import Foundation
import TailguardModel

/// A layered `FileResolver` for OS cataloger tests: each layer maps paths to new contents
/// (`nil` deletes, like a whiteout). Unlike `InMemoryFileResolver` it keeps every version of a
/// file, which layer attribution needs.
struct DistroTestResolver: FileResolver {
  let layers: [LayerInfo]
  let diagnostics: [Diagnostic] = []
  private var entries: [String: FileEntry] = [:]
  private var versions: [String: [FileVersion]] = [:]
  private let selectors: [FileSelector]

  init(
    layers files: [[String: [UInt8]?]], symlinks: [String: String] = [:], selectors: [FileSelector]
  ) throws {
    self.selectors = selectors
    var infos: [LayerInfo] = []
    for index in files.indices {
      let hex = String(repeating: String(format: "%02x", index + 1), count: 32)
      infos.append(
        LayerInfo(
          index: index, digest: try Digest(algorithm: "sha256", hex: hex),
          mediaType: "application/vnd.oci.image.layer.v1.tar", compression: .none, size: 0))
    }
    layers = infos
    for (index, layer) in files.enumerated() {
      for (path, bytes) in layer {
        guard let bytes else {
          entries[path] = nil
          continue
        }
        let added = entries[path]?.addedInLayer ?? index
        entries[path] = FileEntry(
          path: path, kind: .regular, size: Int64(bytes.count), addedInLayer: added,
          changedInLayer: index)
        versions[path, default: []].append(
          FileVersion(layerIndex: index, contents: MemoryByteSource(bytes)))
        var parent = path.split(separator: "/").dropLast()
        while !parent.isEmpty {
          let dir = parent.joined(separator: "/")
          if entries[dir] == nil {
            entries[dir] = FileEntry(
              path: dir, kind: .directory, mode: 0o755, addedInLayer: index, changedInLayer: index)
          }
          parent = parent.dropLast()
        }
      }
    }
    for (path, target) in symlinks {
      entries[path] = FileEntry(path: path, kind: .symlink, mode: 0o777, linkTarget: target)
    }
  }

  func entry(at path: String) -> FileEntry? { entries[InMemoryFileResolver.clean(path)] }

  func resolve(_ path: String) -> String? {
    var current = InMemoryFileResolver.clean(path)
    for _ in 0..<40 {
      // Resolve symlinked parent directories too.
      var parts = current.split(separator: "/").map(String.init)
      var changed = false
      for i in parts.indices {
        let prefix = parts[0...i].joined(separator: "/")
        if let e = entries[prefix], e.kind == .symlink, let target = e.linkTarget {
          let base =
            target.hasPrefix("/") ? target : (parts[0..<i].joined(separator: "/") + "/" + target)
          parts = [base] + parts[(i + 1)...]
          current = InMemoryFileResolver.clean(parts.joined(separator: "/"))
          changed = true
          break
        }
      }
      if !changed { return entries[current] == nil ? nil : current }
    }
    return nil
  }

  func contents(at path: String) -> (any ByteSource)? {
    guard let real = resolve(path), entries[real] != nil else { return nil }
    return versions[real]?.last?.contents
  }

  func history(of path: String) -> [FileVersion] {
    versions[InMemoryFileResolver.clean(path)] ?? []
  }

  func paths(matching selector: FileSelector) -> [String] {
    entries.values.filter {
      $0.kind == .regular && selector.matches(path: $0.path)
        && (selector.magic.isEmpty
          || (contents(at: $0.path).flatMap { try? $0.read(at: 0, length: 16) }).map(
            selector.matchesMagic) == true)
    }
    .map(\.path).sorted()
  }

  func children(of directory: String) -> [String] {
    let prefix = directory.isEmpty ? "" : InMemoryFileResolver.clean(directory) + "/"
    return Set(
      entries.keys.filter { $0.hasPrefix(prefix) && $0 != prefix }.compactMap {
        $0.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
      }
    ).sorted()
  }
}
