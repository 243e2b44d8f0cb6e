import Foundation

/// Random-access read-only bytes: a captured file held in memory or spooled to a temporary
/// file. Parsers of large binaries (ELF, zip) read only the ranges they need through it.
public protocol ByteSource: Sendable {
  var count: Int { get }
  /// Reads up to `length` bytes at `offset`; fewer only at the end. Throws on I/O failure or
  /// an offset outside `0...count`.
  func read(at offset: Int, length: Int) throws(ByteFormatError) -> [UInt8]
}

extension ByteSource {
  /// All bytes, refused above `limit` so a hostile size can't exhaust memory.
  public func readAll(limit: Int) throws(ByteFormatError) -> [UInt8] {
    guard count <= limit else {
      throw ByteFormatError(.limitExceeded, "file of \(count) bytes exceeds the limit of \(limit) bytes")
    }
    return try read(at: 0, length: count)
  }
}

/// Bytes held in memory.
public struct MemoryByteSource: ByteSource {
  public let bytes: [UInt8]
  public init(_ bytes: [UInt8]) { self.bytes = bytes }
  public var count: Int { bytes.count }
  public func read(at offset: Int, length: Int) throws(ByteFormatError) -> [UInt8] {
    guard offset >= 0, length >= 0, offset <= bytes.count else {
      throw ByteFormatError(.outOfBounds, "read at \(offset) outside 0...\(bytes.count)")
    }
    let end = offset + min(length, bytes.count - offset)
    return Array(bytes[offset..<end])
  }
}

/// Bytes in a file on disk (a spooled capture or a file of an unpacked root filesystem).
public final class FileByteSource: ByteSource, @unchecked Sendable {
  public let path: String
  public let count: Int
  private let handle: FileHandle
  private let lock = NSLock()

  public init(path: String) throws(ByteFormatError) {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw ByteFormatError(.io, "cannot open \(path)")
    }
    do {
      let end = try handle.seekToEnd()
      self.count = Int(end)
    } catch {
      throw ByteFormatError(.io, "cannot size \(path): \(error)")
    }
    self.path = path
    self.handle = handle
  }

  deinit { try? handle.close() }

  public func read(at offset: Int, length: Int) throws(ByteFormatError) -> [UInt8] {
    guard offset >= 0, length >= 0, offset <= count else {
      throw ByteFormatError(.outOfBounds, "read at \(offset) outside 0...\(count) of \(path)")
    }
    let n = min(length, count - offset)
    lock.lock()
    defer { lock.unlock() }
    do {
      try handle.seek(toOffset: UInt64(offset))
      let data = try handle.read(upToCount: n) ?? Data()
      return [UInt8](data)
    } catch {
      throw ByteFormatError(.io, "cannot read \(path) at \(offset): \(error)")
    }
  }
}
