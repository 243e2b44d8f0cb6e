import ByteFormats

/// The one error type of Advisories: a code for tests and the CLI, a message for users, and the
/// path (file, URL or database) it is about.
public struct AdvisoryError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    /// Input that is not an advisory file of the expected kind.
    case malformed
    /// A size, count or depth limit was exceeded.
    case limitExceeded
    /// The database could not be opened, read or written.
    case database
    /// A file could not be read or written.
    case io
    /// A download failed (after retries) or returned an unusable response.
    case network
    /// An archive (zip, gzip) is corrupt.
    case archive
    /// The database was created by a newer tailguard.
    case unsupportedSchema
  }
  public let code: Code
  public let message: String
  public let path: String?

  public init(_ code: Code, _ message: String, path: String? = nil) {
    self.code = code
    self.message = message
    self.path = path
  }

  public var description: String { path.map { "\($0): \(message)" } ?? message }
}

extension AdvisoryError {
  /// A ByteFormats failure (reading a file, a zip or a compressed stream) about `path`: bounds
  /// stay `limitExceeded`, I/O stays `io`, anything else is a corrupt `archive`.
  init(_ error: ByteFormatError, path: String) {
    let code: Code =
      switch error.code {
      case .limitExceeded: .limitExceeded
      case .io: .io
      default: .archive
      }
    self.init(code, error.description, path: path)
  }
}
