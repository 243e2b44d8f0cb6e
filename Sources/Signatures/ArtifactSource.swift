import Crypto
import Foundation

/// The signed artifact: bytes in memory, or a file hashed in bounded chunks so verifying a
/// multi-gigabyte release never holds it in memory (only pure Ed25519 needs the whole message).
public enum ArtifactSource: Sendable, Hashable {
  case bytes(Data)
  case file(String)

  static let chunkSize = 1 << 20
  /// Pure Ed25519 signs the message itself; larger files are refused rather than loaded.
  static let maximumInMemorySize = 256 << 20

  /// The digest named by a protobuf / Rekor algorithm name (nil: SHA-256), nil if unsupported.
  func digest(_ algorithmName: String?) throws(SignatureError) -> ComputedDigest? {
    switch self {
    case .bytes(let data): return ComputedDigest.compute(algorithmName, over: data)
    case .file(let path):
      switch algorithmName?.uppercased() {
      case nil, "SHA2_256", "SHA256", "SHA-256":
        var h = SHA256()
        try stream(path) { h.update(data: $0) }
        return .sha256(h.finalize())
      case "SHA2_384", "SHA384", "SHA-384":
        var h = SHA384()
        try stream(path) { h.update(data: $0) }
        return .sha384(h.finalize())
      case "SHA2_512", "SHA512", "SHA-512":
        var h = SHA512()
        try stream(path) { h.update(data: $0) }
        return .sha512(h.finalize())
      default: return nil
      }
    }
  }

  /// The whole artifact, for signature schemes without a prehash.
  func allBytes() throws(SignatureError) -> Data {
    switch self {
    case .bytes(let data): return data
    case .file(let path): return try FileInput.read(path, limit: Self.maximumInMemorySize)
    }
  }

  private func stream(_ path: String, _ body: (Data) -> Void) throws(SignatureError) {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw SignatureError(.unreadableInput, "cannot open the artifact", path: path)
    }
    defer { try? handle.close() }
    while true {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: Self.chunkSize)
      } catch {
        throw SignatureError(
          .unreadableInput, "cannot read the artifact: \(error.localizedDescription)", path: path)
      }
      guard let chunk, !chunk.isEmpty else { return }
      body(chunk)
    }
  }
}
