/// One member of a tar archive, after PAX and GNU long-name records have been applied.
public struct TarEntry: Hashable, Sendable {
  public enum Kind: Hashable, Sendable {
    case regular, hardLink, symlink, characterDevice, blockDevice, directory, fifo
    /// A type flag tailguard does not interpret (its data is skipped).
    case other(UInt8)
  }

  /// The name as stored (PAX `path` / GNU `L` / ustar prefix + name), not yet normalised.
  public var path: String
  /// Symlink target or hard-link source (PAX `linkpath` / GNU `K` / ustar linkname).
  public var linkName: String
  public var kind: Kind
  /// Bytes of data that follow the header (0 for links, directories and devices).
  public var size: Int64
  public var mode: UInt32
  public var uid: Int64
  public var gid: Int64
  public var mtime: Int64
  public var devMajor: UInt32
  public var devMinor: UInt32
  /// Offset of the entry's (first) header in the archive.
  public var headerOffset: Int64
  /// Offset of the entry's data in the archive.
  public var dataOffset: Int64

  public init(
    path: String, linkName: String = "", kind: Kind, size: Int64 = 0, mode: UInt32 = 0o644,
    uid: Int64 = 0, gid: Int64 = 0, mtime: Int64 = 0, devMajor: UInt32 = 0, devMinor: UInt32 = 0,
    headerOffset: Int64 = 0, dataOffset: Int64 = 0
  ) {
    self.path = path
    self.linkName = linkName
    self.kind = kind
    self.size = size
    self.mode = mode
    self.uid = uid
    self.gid = gid
    self.mtime = mtime
    self.devMajor = devMajor
    self.devMinor = devMinor
    self.headerOffset = headerOffset
    self.dataOffset = dataOffset
  }
}

/// Something odd but survivable in a tar stream (sparse file skipped, unknown PAX key, missing
/// end marker). The file-tree walker turns these into `Diagnostic`s.
public struct TarWarning: Hashable, Sendable, CustomStringConvertible {
  /// Stable code, e.g. `tar.sparse`, `tar.unknown-type`.
  public var code: String
  public var message: String
  public var path: String?
  public var offset: Int64
  public init(code: String, message: String, path: String? = nil, offset: Int64) {
    self.code = code
    self.message = message
    self.path = path
    self.offset = offset
  }
  public var description: String {
    "[\(code)] \(path.map { "\($0): " } ?? "")\(message) (at byte \(offset))"
  }
}

/// Bounds on a tar stream, so a hostile archive cannot exhaust memory or run forever.
public struct TarLimits: Hashable, Sendable {
  /// Largest declared size of one entry.
  public var maxEntrySize: Int64
  /// Longest path or link name, in bytes.
  public var maxPathLength: Int
  /// Most headers (entries plus PAX/GNU records) in one archive.
  public var maxHeaders: Int
  /// Largest PAX extended header record set or GNU long name body.
  public var maxMetaSize: Int

  public init(
    maxEntrySize: Int64 = 64 << 30, maxPathLength: Int = 4096, maxHeaders: Int = 20_000_000,
    maxMetaSize: Int = 1 << 20
  ) {
    self.maxEntrySize = maxEntrySize
    self.maxPathLength = maxPathLength
    self.maxHeaders = maxHeaders
    self.maxMetaSize = maxMetaSize
  }
}
