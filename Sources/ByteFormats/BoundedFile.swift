import Foundation

/// The one way to read a whole file whose size the user (or an attacker) chooses: a policy file,
/// an advisory export, a manifest, a credential file. Every caller names its limit, so a huge
/// or endless input (a FIFO, `/dev/zero`, a 50 GiB file passed by mistake) fails with a message
/// naming the path and the limit instead of exhausting memory.
public enum BoundedFile {
  /// The bytes of the regular file at `path` (symlinks followed), at most `limit` bytes.
  ///
  /// Reads at most `limit + 1` bytes, so a file that grows while it is read is still refused
  /// rather than truncated. Devices, FIFOs, sockets and directories are refused before any read
  /// (the file is opened non-blocking so a FIFO without a writer cannot hang the caller).
  public static func read(path: String, limit: Int) throws(ByteFormatError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      throw ByteFormatError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw ByteFormatError(.io, "cannot stat \(path): \(String(cString: strerror(errno)))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw ByteFormatError(.unsupported, "\(path) is not a regular file")
    }
    let limit = max(0, limit)
    if Int64(info.st_size) > Int64(limit) { throw tooLarge(path, limit) }
    // st_size is a hint only (the file may change); the loop below enforces the bound.
    var bytes = [UInt8](repeating: 0, count: min(limit, Int(info.st_size)) + 1)
    var count = 0
    while true {
      if count == bytes.count {
        guard count <= limit else { throw tooLarge(path, limit) }
        bytes.append(contentsOf: repeatElement(0, count: min(max(count, 4096), limit + 1 - count)))
      }
      let n = bytes.withUnsafeMutableBytes { buffer in
        Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw ByteFormatError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
      }
      if n == 0 { break }
      count += n
    }
    guard count <= limit else { throw tooLarge(path, limit) }
    bytes.removeSubrange(count...)
    return bytes
  }

  private static func tooLarge(_ path: String, _ limit: Int) -> ByteFormatError {
    ByteFormatError(
      .limitExceeded, "\(path) is larger than the limit of \(limit) bytes")
  }
}
