import ByteFormats
import Foundation

/// The per-scan temporary directory holding captured files too large for memory. It is removed
/// when the last resolver (and byte source) using it is released.
public final class SpoolDirectory: Sendable {
  public let path: String

  public init(parent: String? = nil) throws(FileTreeError) {
    let base = parent ?? FileManager.default.temporaryDirectory.path
    let p = "\(base)/tailguard-spool-\(UUID().uuidString)"
    do {
      try FileManager.default.createDirectory(
        atPath: p, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw FileTreeError(.io, "cannot create the spool directory \(p): \(error)")
    }
    path = p
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Bytes of a file on disk, opened for each read (so thousands of captured files do not hold
/// thousands of descriptors). Keeps its spool directory alive.
public final class DiskByteSource: ByteSource, Sendable {
  public let path: String
  public let count: Int
  let owner: SpoolDirectory?

  public init(path: String, count: Int, owner: SpoolDirectory? = nil) {
    self.path = path
    self.count = count
    self.owner = owner
  }

  public func read(at offset: Int, length: Int) throws(ByteFormatError) -> [UInt8] {
    guard offset >= 0, length >= 0, offset <= count else {
      throw ByteFormatError(.outOfBounds, "read at \(offset) outside 0...\(count) of \(path)")
    }
    let n = min(length, count - offset)
    if n == 0 { return [] }
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else {
      throw ByteFormatError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var out = [UInt8](repeating: 0, count: n)
    var got = 0
    while got < n {
      let r = out.withUnsafeMutableBytes {
        pread(fd, $0.baseAddress! + got, n - got, off_t(offset + got))
      }
      if r < 0 && errno == EINTR { continue }
      guard r > 0 else { break }
      got += r
    }
    if got < n { out.removeLast(n - got) }
    return out
  }
}
