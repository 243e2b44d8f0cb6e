import ByteFormats
import TailguardModel

/// The one error type of ImageSources: an image that cannot be read. `blob` names the manifest,
/// config or layer digest concerned, `path` the file on disk or member of an archive.
public struct ImageSourceError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    /// The target, tag, digest, blob or file does not exist.
    case notFound
    /// JSON or archive structure that breaks the spec.
    case malformed
    /// A media type, schema or source kind tailguard does not read.
    case unsupported
    /// A blob's bytes do not hash to its digest.
    case digestMismatch
    /// The image has no manifest for the requested platform.
    case platformNotFound
    /// The tag/digest matches several images and none was chosen.
    case ambiguous
    /// A size, count or depth bound was crossed.
    case limitExceeded
    case io
    /// Decompression or tar errors inside a layer.
    case corruptLayer
  }
  public let code: Code
  public let message: String
  public let blob: Digest?
  public let path: String?

  public init(_ code: Code, _ message: String, blob: Digest? = nil, path: String? = nil) {
    self.code = code
    self.message = message
    self.blob = blob
    self.path = path
  }

  public var description: String {
    var s = message
    if let path, !message.contains(path) { s += " (\(path))" }
    return s
  }

  /// Maps a ByteFormats error met while reading `what`.
  public init(
    _ error: ByteFormatError, reading what: String, blob: Digest? = nil, path: String? = nil
  ) {
    let code: Code
    switch error.code {
    case .digestMismatch: code = .digestMismatch
    case .limitExceeded: code = .limitExceeded
    case .io: code = .io
    case .unsupported: code = .unsupported
    case .truncated, .malformed, .outOfBounds, .decompression: code = .corruptLayer
    }
    let msg = error.message.hasPrefix(what) ? error.description : "\(what): \(error.description)"
    self.init(code, msg, blob: blob, path: path)
  }
}
