import Foundation

/// Reads byte ranges of a file on disk (zip archives are read from the end, entry by entry).
/// Kept inside Advisories so the importer depends on nothing but Foundation and zlib.
final class RandomAccessFile: @unchecked Sendable {
  let path: String
  let count: Int
  private let handle: FileHandle
  private let lock = NSLock()

  init(path: String) throws(AdvisoryError) {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw AdvisoryError(.io, "cannot open", path: path)
    }
    do {
      count = Int(try handle.seekToEnd())
    } catch {
      throw AdvisoryError(.io, "cannot size: \(error)", path: path)
    }
    self.path = path
    self.handle = handle
  }

  deinit { try? handle.close() }

  /// Up to `length` bytes at `offset` (fewer only at the end of the file).
  func read(at offset: Int, length: Int) throws(AdvisoryError) -> [UInt8] {
    guard offset >= 0, length >= 0, offset <= count else {
      throw AdvisoryError(.archive, "read at \(offset) outside 0...\(count)", path: path)
    }
    lock.lock()
    defer { lock.unlock() }
    do {
      try handle.seek(toOffset: UInt64(offset))
      return [UInt8](try handle.read(upToCount: min(length, count - offset)) ?? Data())
    } catch {
      throw AdvisoryError(.io, "cannot read at \(offset): \(error)", path: path)
    }
  }
}
