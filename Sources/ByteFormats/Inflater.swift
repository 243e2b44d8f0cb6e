import CZlib

/// Streaming zlib inflate (RFC 1950 zlib, RFC 1951 raw deflate, RFC 1952 gzip) with output-size
/// and ratio bounds checked as bytes are produced.
///
/// Gzip input may hold several members back to back (`pigz`, concatenated files); they are
/// decoded as one stream, as `gzip -d` does. Zero padding after the last member is ignored.
public struct Inflater: StreamDecoder {
  public enum Mode: Sendable, Hashable {
    /// RFC 1952, several members allowed.
    case gzip
    /// RFC 1950.
    case zlib
    /// RFC 1951 without header (zip entries, PDF streams).
    case raw
    /// Gzip or zlib, detected from the header.
    case auto

    var windowBits: Int32 {
      switch self {
      case .gzip: 15 + 16
      case .zlib: 15
      case .raw: -15
      case .auto: 15 + 32
      }
    }
  }

  /// Owns the z_stream at a stable address (zlib keeps a pointer to it) and its output buffer.
  final class State {
    let stream: UnsafeMutablePointer<z_stream>
    let out: UnsafeMutableRawBufferPointer
    var initialized = false
    init(outputSize: Int) {
      stream = .allocate(capacity: 1)
      stream.initialize(to: z_stream())
      out = .allocate(byteCount: outputSize, alignment: 16)
    }
    deinit {
      if initialized { inflateEnd(stream) }
      stream.deinitialize(count: 1)
      stream.deallocate()
      out.deallocate()
    }
  }

  public let mode: Mode
  public let limits: DecompressionLimits
  public private(set) var totalIn: Int64 = 0
  public private(set) var totalOut: Int64 = 0
  private let state: State
  /// True between a member's header and its end; false before the first byte and after an end.
  private var inMember = false
  /// True once the (last) deflate stream ended; for zlib/raw nothing may follow.
  private var ended = false
  private var members = 0

  public init(
    mode: Mode, limits: DecompressionLimits = .layer, outputBufferSize: Int = 1 << 20
  ) {
    self.mode = mode
    self.limits = limits
    self.state = State(outputSize: max(4096, outputBufferSize))
  }

  private func start() throws(ByteFormatError) {
    let rc: Int32
    if state.initialized {
      rc = inflateReset2(state.stream, mode.windowBits)
    } else {
      rc = inflateInit2_(
        state.stream, mode.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    }
    guard rc == Z_OK else {
      throw ByteFormatError(.decompression, "cannot initialise zlib (code \(rc))")
    }
    state.initialized = true
  }

  public mutating func push(
    _ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    guard let base = input.baseAddress, !input.isEmpty else { return }
    var offset = 0
    let stream = state.stream
    let out = state.out
    while offset < input.count {
      if !inMember {
        if ended {
          guard mode == .gzip || mode == .auto else {
            throw ByteFormatError(
              .malformed, "trailing data after the end of the compressed stream",
              offset: Int(totalIn))
          }
          // Gzip padding: zero bytes after a member are ignored (some tools pad to a block).
          while offset < input.count && input[offset] == 0 {
            offset += 1
            totalIn += 1
          }
          if offset == input.count { break }
        }
        try start()
        inMember = true
      }
      let chunk = min(input.count - offset, Int(UInt32.max >> 1))
      stream.pointee.next_in = UnsafeMutablePointer(
        mutating: base.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
      stream.pointee.avail_in = uInt(chunk)
      var rc: Int32 = Z_OK
      repeat {
        stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(out.count)
        rc = CZlib.inflate(stream, Z_NO_FLUSH)
        let produced = out.count - Int(stream.pointee.avail_out)
        let consumed = chunk - Int(stream.pointee.avail_in)
        switch rc {
        case Z_OK, Z_STREAM_END, Z_BUF_ERROR: break
        case Z_NEED_DICT:
          throw ByteFormatError(
            .unsupported, "compressed stream needs a preset dictionary",
            offset: Int(totalIn) + consumed)
        case Z_MEM_ERROR:
          throw ByteFormatError(.decompression, "zlib is out of memory", offset: Int(totalIn))
        default:
          let why = stream.pointee.msg.map { String(cString: $0) } ?? "code \(rc)"
          let what =
            ended
            ? "trailing data after the compressed stream is not a gzip member"
            : "corrupt compressed data"
          throw ByteFormatError(.decompression, "\(what): \(why)", offset: Int(totalIn) + consumed)
        }
        if produced > 0 {
          totalOut += Int64(produced)
          try limits.check(
            input: totalIn + Int64(consumed), output: totalOut, offset: Int(totalIn) + consumed)
          try sink(UnsafeRawBufferPointer(start: out.baseAddress, count: produced))
        }
        if rc == Z_BUF_ERROR && stream.pointee.avail_in == 0 { break }
      } while rc != Z_STREAM_END && (stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0)
      let consumed = chunk - Int(stream.pointee.avail_in)
      offset += consumed
      totalIn += Int64(consumed)
      if rc == Z_STREAM_END {
        inMember = false
        ended = true
        members += 1
      }
    }
  }

  public mutating func finish() throws(ByteFormatError) {
    if inMember || !ended {
      throw ByteFormatError(
        .truncated, totalIn == 0 ? "empty compressed stream" : "compressed stream is truncated",
        offset: Int(totalIn))
    }
  }

  /// Inflates a whole buffer, refusing output above `limit` bytes (or a ratio above 1000:1).
  public static func inflate(
    _ bytes: [UInt8], mode: Mode, limit: Int64 = 256 << 20
  ) throws(ByteFormatError) -> [UInt8] {
    var inflater = Inflater(
      mode: mode, limits: .member(limit: limit),
      outputBufferSize: min(1 << 20, max(4096, bytes.count * 4)))
    var out: [UInt8] = []
    out.reserveCapacity(min(Int(limit), bytes.count * 3))
    do {
      try inflater.push(bytes) { out.append(contentsOf: $0) }
    } catch let e as ByteFormatError {
      throw e
    } catch {
      throw ByteFormatError(.decompression, "\(error)")
    }
    try inflater.finish()
    return out
  }
}
