import Foundation
import TailguardModel

/// Reads a byte range of a file on disk in 1 MiB chunks (a blob of an OCI layout, a member of
/// an uncompressed docker archive found by seeking).
public final class FileBlobReader: BlobReader {
  public static let chunkSize = 1 << 20
  private let fd: Int32
  private var offset: Int64
  private let end: Int64
  public let path: String

  /// `length` nil reads to the end of the file.
  public init(path: String, offset: Int64 = 0, length: Int64? = nil) throws(ImageSourceError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw ImageSourceError(
        errno == ENOENT ? .notFound : .io,
        "cannot open \(path): \(String(cString: strerror(errno)))",
        path: path)
    }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw ImageSourceError(.malformed, "\(path) is not a regular file", path: path)
    }
    let size = Int64(st.st_size)
    guard offset >= 0, offset <= size, length.map({ $0 >= 0 && offset + $0 <= size }) ?? true else {
      close(fd)
      throw ImageSourceError(
        .malformed, "\(path) is shorter than its declared contents", path: path)
    }
    self.fd = fd
    self.offset = offset
    self.end = length.map { offset + $0 } ?? size
    self.path = path
  }

  deinit { close(fd) }

  public func next() async throws -> [UInt8]? { try nextChunk() }

  /// Synchronous variant for callers that are not async.
  public func nextChunk() throws(ImageSourceError) -> [UInt8]? {
    guard offset < end else { return nil }
    let want = Int(min(Int64(Self.chunkSize), end - offset))
    var buffer = [UInt8](repeating: 0, count: want)
    var got = 0
    while got < want {
      let n = buffer.withUnsafeMutableBytes { p in
        pread(fd, p.baseAddress! + got, want - got, off_t(offset) + off_t(got))
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw ImageSourceError(
          .io, "cannot read \(path): \(String(cString: strerror(errno)))", path: path)
      }
      if n == 0 {
        throw ImageSourceError(
          .corruptLayer, "\(path) ended early (file shrank while reading)", path: path)
      }
      got += n
    }
    offset += Int64(got)
    return buffer
  }

  /// Reads a whole small file, refusing files above `limit` bytes.
  public static func readSmall(_ path: String, limit: Int, what: String) throws(ImageSourceError)
    -> [UInt8]
  {
    var st = stat()
    guard stat(path, &st) == 0 else {
      throw ImageSourceError(.notFound, "\(what) not found: \(path)", path: path)
    }
    guard (st.st_mode & S_IFMT) == S_IFREG else {
      throw ImageSourceError(.malformed, "\(what) is not a regular file: \(path)", path: path)
    }
    guard Int64(st.st_size) <= Int64(limit) else {
      throw ImageSourceError(
        .limitExceeded, "\(what) is \(st.st_size) bytes, above the limit of \(limit): \(path)",
        path: path)
    }
    let reader = try FileBlobReader(path: path)
    var out: [UInt8] = []
    while let chunk = try reader.nextChunk() { out += chunk }
    return out
  }
}
