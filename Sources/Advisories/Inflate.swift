import CZlib

/// zlib inflate for the archives advisory feeds come in: gzip (EPSS), raw deflate (zip
/// entries). Output is bounded by `limit` so a decompression bomb fails instead of exhausting memory.
enum Inflate {
  enum Wrapper {
    /// Raw deflate, as inside zip entries.
    case raw
    /// gzip or zlib header, auto-detected.
    case gzipOrZlib
  }

  static func inflate(_ input: [UInt8], wrapper: Wrapper, limit: Int, path: String)
    throws(AdvisoryError) -> [UInt8]
  {
    var stream = z_stream()
    let bits: Int32 = wrapper == .raw ? -15 : 15 + 32
    guard inflateInit2_(&stream, bits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else {
      throw AdvisoryError(.archive, "cannot initialise zlib", path: path)
    }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var status: Int32 = Z_OK
    var failure: AdvisoryError?
    input.withUnsafeBufferPointer { inBuf in
      stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
      stream.avail_in = uInt(inBuf.count)
      repeat {
        chunk.withUnsafeMutableBufferPointer { outBuf in
          stream.next_out = outBuf.baseAddress
          stream.avail_out = uInt(outBuf.count)
          status = CZlib.inflate(&stream, Z_NO_FLUSH)
        }
        let produced = chunk.count - Int(stream.avail_out)
        if status != Z_OK && status != Z_STREAM_END && !(status == Z_BUF_ERROR && produced > 0) {
          failure = AdvisoryError(
            .archive, "corrupt compressed data (zlib status \(status))", path: path)
          return
        }
        if output.count + produced > limit {
          failure = AdvisoryError(
            .limitExceeded, "decompressed size exceeds \(limit) bytes", path: path)
          return
        }
        output.append(contentsOf: chunk[0..<produced])
        if status == Z_STREAM_END { return }
        if produced == 0 && stream.avail_in == 0 {
          failure = AdvisoryError(.archive, "truncated compressed data", path: path)
          return
        }
      } while true
    }
    if let failure { throw failure }
    return output
  }

  /// zlib `compress2` for raw JSON kept in the database (OSV JSON shrinks about 4×).
  static func deflate(_ input: [UInt8]) -> [UInt8]? {
    var size = compressBound(uLong(input.count))
    var out = [UInt8](repeating: 0, count: Int(size))
    let rc = out.withUnsafeMutableBufferPointer { o in
      input.withUnsafeBufferPointer { i in
        compress2(o.baseAddress, &size, i.baseAddress, uLong(i.count), 6)
      }
    }
    guard rc == Z_OK else { return nil }
    out.removeSubrange(Int(size)...)
    return out
  }

  /// Reverses `deflate` (zlib stream).
  static func uncompress(_ input: [UInt8], limit: Int) throws(AdvisoryError) -> [UInt8] {
    try inflate(input, wrapper: .gzipOrZlib, limit: limit, path: "database")
  }

  /// zlib's CRC-32 (zip entries carry it).
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    let value = bytes.withUnsafeBufferPointer { CZlib.crc32(0, $0.baseAddress, uInt($0.count)) }
    return UInt32(truncatingIfNeeded: value)
  }
}
