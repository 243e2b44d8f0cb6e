import ByteFormats
import Foundation
import TailguardModel

/// A `FileResolver` over an unpacked root filesystem on disk (`dir:PATH`, including `/`).
///
/// The walk never follows symlinks (they are recorded as links and resolved inside the root,
/// like an image's), stays on the root's device, skips `/proc`, `/sys` and `/dev` when the
/// root is `/`, and is bounded by `CaptureOptions.maxEntries`. Contents of matched files are
/// read lazily from disk when a cataloger asks.
public enum DirectoryResolver {
  public static func build(
    root: String, selectors: [FileSelector], options: CaptureOptions = CaptureOptions()
  ) throws(FileTreeError) -> LayerStack {
    let rootPath = root == "/" ? "" : (root.hasSuffix("/") ? String(root.dropLast()) : root)
    var st = stat()
    guard stat(root, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
      throw FileTreeError(.io, "\(root) is not a directory", path: root)
    }
    let device = st.st_dev
    var builder = LayerStackBuilder(layers: [], selectors: selectors, options: options)
    let skipTop: Set<String> = root == "/" ? ["proc", "sys", "dev"] : []
    var stack: [String] = [""]
    var unreadable = 0
    while let rel = stack.popLast() {
      let full = rel.isEmpty ? (rootPath.isEmpty ? "/" : rootPath) : rootPath + "/" + rel
      guard let dir = opendir(full) else {
        unreadable += 1
        if unreadable <= 20 {
          builder.addDiagnostic(
            Diagnostic(
              .warning, code: "dir.unreadable",
              "cannot list directory: \(String(cString: strerror(errno)))", source: "dir-reader",
              path: rel.isEmpty ? "/" : rel))
        }
        continue
      }
      defer { closedir(dir) }
      while let ent = readdir(dir) {
        let name = withUnsafeBytes(of: ent.pointee.d_name) { raw -> String in
          let bytes = raw.prefix { $0 != 0 }
          return String(decoding: bytes, as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        let childRel = rel.isEmpty ? name : rel + "/" + name
        if rel.isEmpty && skipTop.contains(name) { continue }
        let childFull = rootPath + "/" + childRel
        var cst = stat()
        guard lstat(childFull, &cst) == 0 else { continue }
        let mode = UInt32(cst.st_mode) & 0o7777
        switch cst.st_mode & S_IFMT {
        case S_IFDIR:
          builder.addEntry(
            path: childRel, kind: .directory, mode: mode, size: 0, linkTarget: nil, contents: nil)
          if cst.st_dev == device { stack.append(childRel) }
        case S_IFREG:
          let size = Int64(cst.st_size)
          builder.addEntry(
            path: childRel, kind: .regular, mode: mode, size: size, linkTarget: nil,
            contents: { DiskByteSource(path: childFull, count: Int(size)) })
        case S_IFLNK:
          var buf = [CChar](repeating: 0, count: 4097)
          let n = readlink(childFull, &buf, 4096)
          let target =
            n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
          builder.addEntry(
            path: childRel, kind: .symlink, mode: 0o777, size: 0, linkTarget: target, contents: nil)
        case S_IFCHR:
          builder.addEntry(
            path: childRel, kind: .characterDevice, mode: mode, size: 0, linkTarget: nil,
            contents: nil)
        case S_IFBLK:
          builder.addEntry(
            path: childRel, kind: .blockDevice, mode: mode, size: 0, linkTarget: nil, contents: nil)
        case S_IFIFO:
          builder.addEntry(
            path: childRel, kind: .fifo, mode: mode, size: 0, linkTarget: nil, contents: nil)
        case S_IFSOCK:
          builder.addEntry(
            path: childRel, kind: .socket, mode: mode, size: 0, linkTarget: nil, contents: nil)
        default:
          continue
        }
        if builder.nodes.count >= options.maxEntries {
          throw FileTreeError(
            .limitExceeded, "\(root) has more than \(options.maxEntries) entries", path: root)
        }
      }
    }
    return builder.finish()
  }
}
