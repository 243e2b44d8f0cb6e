import ByteFormats
import Foundation
import TailguardModel

/// Content digests of whole buffers (manifests, configs, signature blobs), computed by
/// ByteFormats' `BlobHasher` so every module hashes content the same way.
extension Digest {
  /// The digest of `bytes` with `algorithm` (`sha256`, `sha384` or `sha512`).
  public static func of(_ bytes: some Collection<UInt8>, algorithm: String = "sha256")
    throws(ImageSourceError) -> Digest
  {
    let hex: String
    do { hex = try BlobHasher.hex(of: bytes, algorithm: algorithm) } catch {
      throw ImageSourceError(error, reading: "content digest")
    }
    do { return try Digest(algorithm: algorithm, hex: hex) } catch {
      throw ImageSourceError(.malformed, error.message)
    }
  }

  /// The SHA-256 digest of `bytes`.
  public static func sha256(of bytes: some Collection<UInt8>) -> Digest {
    // BlobHasher's SHA-256 hex is always 64 lowercase hex digits, which `Digest` accepts; no
    // input can reach the failure branch.
    guard let digest = try? Digest(algorithm: "sha256", hex: BlobHasher.sha256Hex(bytes)) else {
      preconditionFailure("SHA-256 hex was not a valid digest")
    }
    return digest
  }

  /// Whether `bytes` hash to this digest (false for an algorithm tailguard does not compute).
  public func matches(_ bytes: some Collection<UInt8>) -> Bool {
    (try? BlobHasher.hex(of: bytes, algorithm: algorithm)) == hex
  }

  /// Throws `.digestMismatch` naming `what` when `bytes` do not hash to this digest, and
  /// `.unsupported` for an algorithm tailguard does not compute.
  public func verify(_ bytes: some Collection<UInt8>, what: String) throws(ImageSourceError) {
    var hasher: BlobHasher
    do { hasher = try BlobHasher(algorithm: algorithm) } catch {
      throw ImageSourceError(error, reading: what, blob: self)
    }
    hasher.update(bytes)
    do { try hasher.verify(expectedHex: hex, what: what) } catch {
      throw ImageSourceError(.digestMismatch, error.message, blob: self)
    }
  }
}
