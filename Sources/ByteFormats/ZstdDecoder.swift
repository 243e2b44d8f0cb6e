#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Streaming zstd decompression (RFC 8878) through the system's `libzstd`, loaded at run time.
///
/// Machines of this kind ship only the runtime library `libzstd.so.1` (no headers, no link
/// name), so the library is opened with `dlopen` and the six functions used are declared here.
/// When the library is absent, creating a decoder throws `.unsupported` with that reason.
/// Concatenated frames are decoded as one stream; the window is capped by libzstd's default
/// (128 MiB), so a hostile frame cannot ask for more memory than that.
public struct ZstdDecoder: StreamDecoder {
  public let limits: DecompressionLimits
  public private(set) var totalIn: Int64 = 0
  public private(set) var totalOut: Int64 = 0
  private let state: State
  /// Last return of ZSTD_decompressStream: 0 when a frame is complete and flushed.
  private var lastHint = 1
  private var sawInput = false

  public init(limits: DecompressionLimits = .layer, outputBufferSize: Int = 1 << 20)
    throws(ByteFormatError)
  {
    let api = try ZstdAPI.load()
    guard let ds = api.createDStream() else {
      throw ByteFormatError(.decompression, "libzstd could not create a decompression stream")
    }
    let rc = api.initDStream(ds)
    if api.isError(rc) != 0 {
      api.freeDStream(ds)
      throw ByteFormatError(.decompression, "libzstd init failed: \(api.errorName(rc))")
    }
    self.limits = limits
    self.state = State(api: api, stream: ds, outputSize: max(4096, outputBufferSize))
  }

  /// Whether libzstd can be loaded on this machine.
  public static var isAvailable: Bool { (try? ZstdAPI.load()) != nil }

  final class State {
    let api: ZstdAPI
    let stream: OpaquePointer
    let out: UnsafeMutableRawBufferPointer
    init(api: ZstdAPI, stream: OpaquePointer, outputSize: Int) {
      self.api = api
      self.stream = stream
      self.out = .allocate(byteCount: outputSize, alignment: 16)
    }
    deinit {
      api.freeDStream(stream)
      out.deallocate()
    }
  }

  public mutating func push(
    _ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    guard let base = input.baseAddress, !input.isEmpty else { return }
    sawInput = true
    let api = state.api
    var inBuf = ZstdInBuffer(src: base, size: input.count, pos: 0)
    let out = state.out
    while true {
      var outBuf = ZstdOutBuffer(dst: out.baseAddress!, size: out.count, pos: 0)
      let before = inBuf.pos
      let rc = withUnsafeMutablePointer(to: &outBuf) { o in
        withUnsafeMutablePointer(to: &inBuf) { i in
          api.decompressStream(state.stream, UnsafeMutableRawPointer(o), UnsafeMutableRawPointer(i))
        }
      }
      if api.isError(rc) != 0 {
        throw ByteFormatError(
          .decompression, "corrupt zstd data: \(api.errorName(rc))",
          offset: Int(totalIn) + inBuf.pos)
      }
      totalIn += Int64(inBuf.pos - before)
      lastHint = rc
      if outBuf.pos > 0 {
        totalOut += Int64(outBuf.pos)
        try limits.check(input: totalIn, output: totalOut, offset: Int(totalIn))
        try sink(UnsafeRawBufferPointer(start: out.baseAddress, count: outBuf.pos))
      }
      // Done with this input once it is consumed and the output buffer was not filled
      // (a full buffer may mean more output is pending inside libzstd).
      if inBuf.pos == inBuf.size && outBuf.pos < outBuf.size { break }
    }
  }

  public mutating func finish() throws(ByteFormatError) {
    guard sawInput else { throw ByteFormatError(.truncated, "empty zstd stream", offset: 0) }
    if lastHint != 0 {
      throw ByteFormatError(.truncated, "zstd stream is truncated", offset: Int(totalIn))
    }
  }

  /// Decompresses a whole buffer, refusing output above `limit` bytes.
  public static func decompress(_ bytes: [UInt8], limit: Int64 = 256 << 20) throws(ByteFormatError)
    -> [UInt8]
  {
    var decoder = try ZstdDecoder(limits: .member(limit: limit), outputBufferSize: 1 << 18)
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

/// `ZSTD_inBuffer` (zstd.h): same layout.
struct ZstdInBuffer {
  var src: UnsafeRawPointer
  var size: Int
  var pos: Int
}

/// `ZSTD_outBuffer` (zstd.h): same layout.
struct ZstdOutBuffer {
  var dst: UnsafeMutableRawPointer
  var size: Int
  var pos: Int
}

/// The libzstd functions tailguard calls, resolved once per process.
struct ZstdAPI: @unchecked Sendable {
  typealias CreateDStream = @convention(c) () -> OpaquePointer?
  typealias InitDStream = @convention(c) (OpaquePointer) -> Int
  typealias FreeDStream = @convention(c) (OpaquePointer) -> Int
  typealias DecompressStream =
    @convention(c) (OpaquePointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int
  typealias IsError = @convention(c) (Int) -> UInt32
  typealias GetErrorName = @convention(c) (Int) -> UnsafePointer<CChar>?

  let createDStream: CreateDStream
  let initDStream: InitDStream
  let freeDStreamFn: FreeDStream
  let decompressStream: DecompressStream
  let isError: IsError
  let getErrorName: GetErrorName

  func freeDStream(_ p: OpaquePointer) { _ = freeDStreamFn(p) }
  func errorName(_ code: Int) -> String {
    getErrorName(code).map { String(cString: $0) } ?? "error \(code)"
  }

  static let loaded: Result<ZstdAPI, ByteFormatError> = {
    let names = ["libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib"]
    var handle: UnsafeMutableRawPointer?
    for name in names {
      handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
      if handle != nil { break }
    }
    guard let handle else {
      return .failure(
        ByteFormatError(
          .unsupported,
          "zstd layers need the zstd library (libzstd.so.1), which is not installed; install the 'libzstd1' package"
        ))
    }
    func sym<T>(_ name: String, _: T.Type) -> T? {
      guard let p = dlsym(handle, name) else { return nil }
      return unsafeBitCast(p, to: T.self)
    }
    guard let c = sym("ZSTD_createDStream", CreateDStream.self),
      let i = sym("ZSTD_initDStream", InitDStream.self),
      let f = sym("ZSTD_freeDStream", FreeDStream.self),
      let d = sym("ZSTD_decompressStream", DecompressStream.self),
      let e = sym("ZSTD_isError", IsError.self),
      let n = sym("ZSTD_getErrorName", GetErrorName.self)
    else {
      return .failure(
        ByteFormatError(.unsupported, "the installed libzstd lacks the streaming API"))
    }
    return .success(
      ZstdAPI(
        createDStream: c, initDStream: i, freeDStreamFn: f, decompressStream: d, isError: e,
        getErrorName: n))
  }()

  static func load() throws(ByteFormatError) -> ZstdAPI {
    switch loaded {
    case .success(let api): return api
    case .failure(let error): throw error
    }
  }
}
