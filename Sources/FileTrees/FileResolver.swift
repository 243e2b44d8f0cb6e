import ByteFormats
import TailguardModel

/// The kind of a file-tree entry.
public enum FileKind: String, Hashable, Sendable, Codable {
  case regular, directory, symlink, hardlink, characterDevice, blockDevice, fifo, socket
}

/// An entry of the squashed view (what the container sees), with its layer attribution.
public struct FileEntry: Hashable, Sendable {
  /// Image path without a leading slash.
  public var path: String
  public var kind: FileKind
  public var mode: UInt32
  public var size: Int64
  /// Target of a symlink (as written) or of a hard link (an image path).
  public var linkTarget: String?
  /// Index (into the image's layers) of the layer that first added this path.
  public var addedInLayer: Int
  /// Index of the layer that last wrote this path (the content the container sees).
  public var changedInLayer: Int

  public init(
    path: String, kind: FileKind, mode: UInt32 = 0o644, size: Int64 = 0, linkTarget: String? = nil,
    addedInLayer: Int = 0, changedInLayer: Int = 0
  ) {
    self.path = path
    self.kind = kind
    self.mode = mode
    self.size = size
    self.linkTarget = linkTarget
    self.addedInLayer = addedInLayer
    self.changedInLayer = changedInLayer
  }

  public var isExecutable: Bool { kind == .regular && mode & 0o111 != 0 }
}

/// One version of a captured file: the bytes a given layer wrote at a path.
public struct FileVersion: Sendable {
  public var layerIndex: Int
  public var contents: any ByteSource
  public init(layerIndex: Int, contents: any ByteSource) {
    self.layerIndex = layerIndex
    self.contents = contents
  }
}

/// Read access to an image's squashed file tree for catalogers.
///
/// Contents are available only for files some `FileSelector` captured during the walk (the
/// scanner passes every cataloger's selectors to the layer reader). Paths are image paths
/// without a leading slash; symlinks are resolved inside the image root and never escape it.
public protocol FileResolver: Sendable {
  /// The image's layers (empty for a directory); `FileEntry.addedInLayer` indexes into it.
  var layers: [LayerInfo] { get }

  /// The squashed-view entry at `path`, without following a final symlink.
  func entry(at path: String) -> FileEntry?

  /// Every symlink entry of the squashed view, sorted by path.
  func symlinks() -> [FileEntry]

  /// Resolves symlinks (at most 40 hops, never outside the root) to the final path, or nil
  /// when the path does not exist or the chain loops or dangles.
  func resolve(_ path: String) -> String?

  /// Captured contents of the file the container sees at `path` (symlinks followed).
  /// Nil when the file does not exist or was not captured.
  func contents(at path: String) -> (any ByteSource)?

  /// Every captured version of `path`, oldest layer first, including versions later
  /// overwritten (for attributing a package database entry to the layer that added it).
  /// Versions deleted by a whiteout in a later layer are still listed; the last one is what
  /// the container sees when `entry(at:)` is non-nil.
  func history(of path: String) -> [FileVersion]

  /// Captured paths in the squashed view that `selector` matched, sorted.
  func paths(matching selector: FileSelector) -> [String]

  /// Names of the direct children of a directory in the squashed view, sorted.
  func children(of directory: String) -> [String]

  /// Diagnostics from the walk that concern captured files (too large, unreadable).
  var diagnostics: [Diagnostic] { get }
}

extension FileResolver {
  /// Location value for a path: the layer that last changed it.
  public func location(of path: String) -> Location {
    guard let entry = entry(at: path), entry.changedInLayer < layers.count else {
      return Location(path: path)
    }
    return Location(
      path: path, layer: layers[entry.changedInLayer].digest, layerIndex: entry.changedInLayer)
  }
}

extension FileResolver {
  /// Walks the tree from the root with `children(of:)`; resolvers that index their entries
  /// answer directly.
  public func symlinks() -> [FileEntry] {
    var out: [FileEntry] = []
    var pending = [""]
    while let directory = pending.popLast() {
      for name in children(of: directory) {
        let path = directory.isEmpty ? name : directory + "/" + name
        guard let entry = entry(at: path) else { continue }
        switch entry.kind {
        case .symlink: out.append(entry)
        case .directory: pending.append(path)
        default: break
        }
      }
    }
    return out.sorted { $0.path < $1.path }
  }
}
