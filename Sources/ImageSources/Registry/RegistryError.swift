/// Every failure of the registry client, with the reference it was about, so a fleet scan of
/// hundreds of images can say which one failed and why. Tests compare `code`, never messages.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    /// 401/403 after every credential we had was tried (or none was available).
    case authDenied = "auth-denied"
    /// 404 for a manifest, blob, repository, or no manifest for the requested platform.
    case notFound = "not-found"
    /// 429 still answered after the retry budget, or a `Retry-After` longer than the budget.
    case rateLimited = "rate-limited"
    /// Bytes whose digest (or size) differs from what was asked for or declared.
    case digestMismatch = "digest-mismatch"
    /// TLS handshake or certificate verification failed.
    case tls
    /// Connection refused / dropped / timed out, after the retry budget.
    case network
    /// 5xx still answered after the retry budget.
    case serverError = "server-error"
    /// A response that breaks the protocol (bad JSON, missing header, unknown media type).
    case invalidResponse = "invalid-response"
    /// A body or list larger than the limit we accept from a registry.
    case limitExceeded = "limit-exceeded"
    /// Something the user configured is wrong or unsupported (credential helpers, CA file).
    case configuration
    /// The on-disk cache could not be read or written.
    case cache
  }

  public let code: Code
  /// The image reference (or registry host) the failure is about.
  public let reference: String
  public let message: String
  /// HTTP status when the failure came from a response.
  public let status: Int?

  public init(_ code: Code, reference: String, _ message: String, status: Int? = nil) {
    self.code = code
    self.reference = reference
    self.message = message
    self.status = status
  }

  public var description: String {
    let prefix = reference.isEmpty ? "" : "\(reference): "
    return "\(prefix)\(message) [\(code.rawValue)\(status.map { ", HTTP \($0)" } ?? "")]"
  }
}
