import CZlib

/// zlib's one-shot compression and its CRC-32, for the modules that must not link zlib
/// themselves (decompression is `Inflater`).
public enum Zlib {
  /// A zlib stream (RFC 1950) of `input` at `level` (zlib's `compress2`); nil only when zlib
  /// fails (out of memory). `Inflater.inflate(_:mode: .zlib)` reverses it.
  public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
    var size = compressBound(uLong(input.count))
    var out = [UInt8](repeating: 0, count: Int(size))
    let rc = out.withUnsafeMutableBufferPointer { o in
      input.withUnsafeBufferPointer { i in
        compress2(o.baseAddress, &size, i.baseAddress, uLong(i.count), level)
      }
    }
    guard rc == Z_OK else { return nil }
    out.removeSubrange(Int(size)...)
    return out
  }

  /// The CRC-32 (ISO 3309, as zip and gzip use it) of `bytes`, continuing from `crc` so a
  /// stream can be checked piece by piece.
  public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
    var value = uLong(crc)
    var offset = 0
    // zlib takes a 32-bit length: feed huge buffers in slices.
    while offset < bytes.count {
      let n = min(bytes.count - offset, 1 << 30)
      value = CZlib.crc32(
        value, (base + offset).assumingMemoryBound(to: Bytef.self), uInt(n))
      offset += n
    }
    return UInt32(truncatingIfNeeded: value)
  }

  /// The CRC-32 of `bytes`.
  public static func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { crc32($0) }
  }
}
