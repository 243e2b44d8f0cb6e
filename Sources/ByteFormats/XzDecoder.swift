#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Streaming xz decompression (the .xz container with LZMA2, as `data.tar.xz` members of Debian
/// packages use) through the system's `liblzma`, loaded at run time.
///
/// Debian packages have compressed their members with xz since dpkg 1.17, so reading a `.deb`
/// needs it. Like zstd, the library is opened with `dlopen` (`liblzma.so.5` is on every Debian
/// system because dpkg itself links it; the headers need not be), and only the three functions
/// of the streaming API are declared. One stream is decoded (what xz and dpkg-deb write); bytes
/// after its end are refused. When the
/// library is absent, creating a decoder throws `.unsupported` saying so.
public struct XzDecoder: StreamDecoder {
  public let limits: DecompressionLimits
  public private(set) var totalIn: Int64 = 0
  public private(set) var totalOut: Int64 = 0
  private let state: LzmaStreamState
  private var ended = false
  private var sawInput = false

  public init(limits: DecompressionLimits = .layer, outputBufferSize: Int = 1 << 20)
    throws(ByteFormatError)
  {
    let api = try LzmaAPI.load()
    let state = LzmaStreamState(api: api, outputSize: max(4096, outputBufferSize))
    // 1 GiB memory limit for the decoder's dictionary (xz -9 needs 65 MiB); no flags: the
    // decoder reports the stream's end by itself once the footer and check are verified.
    let rc = api.streamDecoder(state.stream, 1 << 30, 0)
    guard rc == 0 else {
      throw ByteFormatError(.decompression, "liblzma could not start a decoder (error \(rc))")
    }
    state.started = true
    self.limits = limits
    self.state = state
  }

  /// Whether liblzma can be loaded on this machine.
  public static var isAvailable: Bool { (try? LzmaAPI.load()) != nil }

  public mutating func push(
    _ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    guard let base = input.baseAddress, !input.isEmpty else { return }
    sawInput = true
    if ended {
      throw ByteFormatError(
        .malformed, "bytes after the end of the xz stream", offset: Int(totalIn))
    }
    state.setInput(base, count: input.count)
    try run(sink)
  }

  public mutating func finish() throws(ByteFormatError) {
    guard sawInput else { throw ByteFormatError(.truncated, "empty xz stream", offset: 0) }
    if !ended { throw ByteFormatError(.truncated, "xz stream is truncated", offset: Int(totalIn)) }
  }

  /// Runs `lzma_code` until the input is consumed and no output is pending.
  private mutating func run(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
    let api = state.api
    while true {
      state.resetOutput()
      let before = state.availIn
      let rc = api.code(state.stream, 0)  // LZMA_RUN
      totalIn += Int64(before - state.availIn)
      let produced = state.produced
      if produced > 0 {
        totalOut += Int64(produced)
        try limits.check(input: totalIn, output: totalOut, offset: Int(totalIn))
        try sink(UnsafeRawBufferPointer(start: state.out.baseAddress, count: produced))
      }
      switch rc {
      case 0: break  // LZMA_OK
      case 1:  // LZMA_STREAM_END
        ended = true
        if state.availIn > 0 {
          throw ByteFormatError(
            .malformed, "bytes after the end of the xz stream", offset: Int(totalIn))
        }
        return
      case 10: return  // LZMA_BUF_ERROR: no progress possible without more input
      case 7:
        throw ByteFormatError(.malformed, "not xz data", offset: Int(totalIn))
      default:
        throw ByteFormatError(
          .decompression, "corrupt xz data (liblzma error \(rc))", offset: Int(totalIn))
      }
      if state.availIn == 0 && produced < state.out.count { return }
    }
  }

  /// Decompresses a whole buffer, refusing output above `limit` bytes.
  public static func decompress(_ bytes: [UInt8], limit: Int64 = 256 << 20) throws(ByteFormatError)
    -> [UInt8]
  {
    var decoder = try XzDecoder(limits: .member(limit: limit), outputBufferSize: 1 << 18)
    var out: [UInt8] = []
    do {
      try decoder.push(bytes) { out.append(contentsOf: $0) }
    } catch let e as ByteFormatError {
      throw e
    } catch {
      throw ByteFormatError(.decompression, "\(error)")
    }
    try decoder.finish()
    return out
  }
}

/// An `lzma_stream` (lzma/base.h) in memory the decoder owns. Only the first six fields are
/// touched (`next_in`, `avail_in`, `total_in`, `next_out`, `avail_out`, `total_out`, at the
/// offsets of a 64-bit build); the rest must start zeroed (`LZMA_STREAM_INIT`).
final class LzmaStreamState {
  let api: LzmaAPI
  let stream: UnsafeMutableRawPointer
  let out: UnsafeMutableRawBufferPointer
  var started = false
  private static let size = 256

  init(api: LzmaAPI, outputSize: Int) {
    self.api = api
    stream = .allocate(byteCount: Self.size, alignment: 16)
    stream.initializeMemory(as: UInt8.self, repeating: 0, count: Self.size)
    out = .allocate(byteCount: outputSize, alignment: 16)
  }
  deinit {
    if started { api.end(stream) }
    stream.deallocate()
    out.deallocate()
  }

  func setInput(_ base: UnsafeRawPointer, count: Int) {
    stream.storeBytes(of: base, toByteOffset: 0, as: UnsafeRawPointer.self)
    stream.storeBytes(of: count, toByteOffset: 8, as: Int.self)
  }
  var availIn: Int { stream.load(fromByteOffset: 8, as: Int.self) }
  func resetOutput() {
    stream.storeBytes(of: out.baseAddress!, toByteOffset: 24, as: UnsafeMutableRawPointer.self)
    stream.storeBytes(of: out.count, toByteOffset: 32, as: Int.self)
  }
  var produced: Int { out.count - stream.load(fromByteOffset: 32, as: Int.self) }
}

/// The liblzma functions tailguard calls, resolved once per process.
struct LzmaAPI: @unchecked Sendable {
  typealias StreamDecoderFn = @convention(c) (UnsafeMutableRawPointer, UInt64, UInt32) -> Int32
  typealias CodeFn = @convention(c) (UnsafeMutableRawPointer, Int32) -> Int32
  typealias EndFn = @convention(c) (UnsafeMutableRawPointer) -> Void

  let streamDecoder: StreamDecoderFn
  let code: CodeFn
  let end: EndFn

  static let loaded: Result<LzmaAPI, ByteFormatError> = {
    guard MemoryLayout<Int>.size == 8 else {
      return .failure(ByteFormatError(.unsupported, "xz decoding needs a 64-bit build"))
    }
    var handle: UnsafeMutableRawPointer?
    for name in ["liblzma.so.5", "liblzma.so", "liblzma.5.dylib", "liblzma.dylib"] {
      handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
      if handle != nil { break }
    }
    guard let handle else {
      return .failure(
        ByteFormatError(
          .unsupported,
          "xz data needs the xz library (liblzma.so.5), which is not installed; install the 'liblzma5' package"
        ))
    }
    guard let d = dlsym(handle, "lzma_stream_decoder"), let c = dlsym(handle, "lzma_code"),
      let e = dlsym(handle, "lzma_end")
    else {
      return .failure(
        ByteFormatError(.unsupported, "the installed liblzma lacks the streaming API"))
    }
    return .success(
      LzmaAPI(
        streamDecoder: unsafeBitCast(d, to: StreamDecoderFn.self),
        code: unsafeBitCast(c, to: CodeFn.self), end: unsafeBitCast(e, to: EndFn.self)))
  }()

  static func load() throws(ByteFormatError) -> LzmaAPI {
    switch loaded {
    case .success(let api): return api
    case .failure(let error): throw error
    }
  }
}
