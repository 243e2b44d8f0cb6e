/// Turns a layer blob, pushed in chunks as it arrives, into verified tar bytes: hashes the
/// blob as stored (its manifest digest), sniffs and undoes the compression (gzip, zstd or
/// none, whatever the media type claims: docker archives often call a gzip blob `layer.tar`),
/// and hashes the uncompressed bytes (the config's `diff_id`). `finish()` throws
/// `.digestMismatch` naming the blob when either digest disagrees, so a consumer discards
/// everything it built from the stream unless `finish()` returns.
public struct LayerStreamDecoder {
  public enum Compression: Sendable, Hashable { case none, gzip, zstd }

  /// `algorithm` / `hex` of a digest the bytes must match.
  public struct Expected: Sendable, Hashable {
    public var algorithm: String
    public var hex: String
    public init(algorithm: String, hex: String) {
      self.algorithm = algorithm
      self.hex = hex
    }
  }

  public let what: String
  public let limits: DecompressionLimits
  public private(set) var compression: Compression?
  private let digests: DigestPair
  private var finalContent: BlobHasher?
  private let blobDigest: Expected?
  private let diffID: Expected?
  private var decoder: (any StreamDecoder)?
  private var head: [UInt8] = []

  /// `what` names the blob in errors (e.g. `layer 2 (sha256:…)`).
  public init(
    what: String, blobDigest: Expected?, diffID: Expected?, limits: DecompressionLimits = .layer
  ) throws(ByteFormatError) {
    self.what = what
    self.limits = limits
    self.blobDigest = blobDigest
    self.diffID = diffID
    digests = DigestPair(
      blob: try blobDigest.map { d throws(ByteFormatError) in try BlobHasher(algorithm: d.algorithm)
      },
      content: try diffID.map { d throws(ByteFormatError) in try BlobHasher(algorithm: d.algorithm)
      })
  }

  /// Compressed bytes consumed.
  public var bytesIn: Int64 {
    blobDigest != nil ? digests.blobCount : decoder?.totalIn ?? Int64(head.count)
  }
  /// Uncompressed bytes produced.
  public var bytesOut: Int64 { decoder?.totalOut ?? 0 }

  public mutating func push(
    _ chunk: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    digests.update(.blob, chunk)
    if decoder == nil {
      head.append(contentsOf: chunk)
      guard head.count >= 6 else { return }
      try start()
      let pending = head
      head = []
      try pending.withUnsafeBytes { try feed($0, sink) }
      return
    }
    try feed(chunk, sink)
  }

  /// Convenience over a byte array.
  public mutating func push(_ bytes: [UInt8], into sink: (UnsafeRawBufferPointer) throws -> Void)
    throws
  {
    try bytes.withUnsafeBytes { try push($0, into: sink) }
  }

  private mutating func feed(
    _ bytes: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    // The decoder and hasher are moved out while decoding so the closure does not overlap
    // an access to `self`.
    guard var d = decoder else { return }
    decoder = nil
    defer { decoder = d }
    if diffID != nil {
      let digests = self.digests
      try d.push(bytes) { out in
        digests.update(.content, out)
        try sink(out)
      }
    } else {
      try d.push(bytes, into: sink)
    }
  }

  private mutating func start() throws(ByteFormatError) {
    if head.starts(with: [0x1F, 0x8B]) {
      compression = .gzip
      decoder = Inflater(mode: .gzip, limits: limits)
    } else if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
      compression = .zstd
      decoder = try ZstdDecoder(limits: limits)
    } else {
      compression = Compression.none
      decoder = PassthroughDecoder()
    }
  }

  /// Ends the stream: checks it was complete and that both digests match.
  public mutating func finish(into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
    if decoder == nil {
      try start()
      let pending = head
      head = []
      try pending.withUnsafeBytes { try feed($0, sink) }
    }
    do {
      try decoder?.finish()
    } catch {
      throw ByteFormatError(error.code, "\(what): \(error.message)", offset: error.offset)
    }
    let hashers = digests.finish()
    finalContent = hashers.content
    if let blobDigest, let blobHasher = hashers.blob {
      try blobHasher.verify(expectedHex: blobDigest.hex, what: "\(what) blob")
    }
    if let diffID, let diffHasher = hashers.content {
      try diffHasher.verify(expectedHex: diffID.hex, what: "\(what) uncompressed content (diff_id)")
    }
  }

  /// Digest of the uncompressed bytes (when a diff_id was expected), known after `finish`.
  public var uncompressedDigest: String? { finalContent?.digestString() }
}
