import Crypto

/// Incremental content digest (SHA-256/384/512 via swift-crypto) for verifying a blob as it
/// streams, so no blob is held in memory or read twice to be checked.
public struct BlobHasher {
  enum Impl {
    case sha256(SHA256)
    case sha384(SHA384)
    case sha512(SHA512)
  }
  public let algorithm: String
  private var impl: Impl
  public private(set) var count: Int64 = 0

  /// `algorithm` is `sha256`, `sha384` or `sha512`.
  public init(algorithm: String = "sha256") throws(ByteFormatError) {
    switch algorithm {
    case "sha256": impl = .sha256(SHA256())
    case "sha384": impl = .sha384(SHA384())
    case "sha512": impl = .sha512(SHA512())
    default:
      throw ByteFormatError(.unsupported, "unsupported digest algorithm '\(algorithm.prefix(32))'")
    }
    self.algorithm = algorithm
  }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    count += Int64(bytes.count)
    switch impl {
    case .sha256(var h):
      h.update(bufferPointer: bytes)
      impl = .sha256(h)
    case .sha384(var h):
      h.update(bufferPointer: bytes)
      impl = .sha384(h)
    case .sha512(var h):
      h.update(bufferPointer: bytes)
      impl = .sha512(h)
    }
  }

  public mutating func update(_ bytes: some Collection<UInt8>) {
    if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
      Array(bytes).withUnsafeBytes { update($0) }
    }
  }

  /// Lowercase hex of the digest so far.
  public func hex() -> String {
    let bytes: [UInt8]
    switch impl {
    case .sha256(let h): bytes = Array(h.finalize())
    case .sha384(let h): bytes = Array(h.finalize())
    case .sha512(let h): bytes = Array(h.finalize())
    }
    return Hex.encode(bytes)
  }

  /// `algorithm:hex`.
  public func digestString() -> String { "\(algorithm):\(hex())" }

  /// Throws `.digestMismatch` naming `what` (e.g. "layer 2 blob sha256:…") when the bytes seen
  /// do not hash to `expectedHex`.
  public func verify(expectedHex: String, what: String) throws(ByteFormatError) {
    let got = hex()
    guard got == expectedHex else {
      throw ByteFormatError(
        .digestMismatch,
        "\(what): content digest mismatch (expected \(algorithm):\(expectedHex), got \(algorithm):\(got), \(count) bytes)"
      )
    }
  }

  /// SHA-256 hex of a whole buffer.
  public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
    var h = BlobHasher.sha256()
    h.update(bytes)
    return h.hex()
  }

  /// Hex digest of a whole buffer with `algorithm` (`sha256`, `sha384`, `sha512`): the one
  /// one-shot content digest every image source and the signature code use.
  public static func hex(of bytes: some Collection<UInt8>, algorithm: String)
    throws(ByteFormatError) -> String
  {
    var h = try BlobHasher(algorithm: algorithm)
    h.update(bytes)
    return h.hex()
  }

  /// A SHA-256 hasher (cannot fail).
  public static func sha256() -> BlobHasher {
    BlobHasher(impl: .sha256(SHA256()), algorithm: "sha256")
  }

  private init(impl: Impl, algorithm: String) {
    self.impl = impl
    self.algorithm = algorithm
  }
}
