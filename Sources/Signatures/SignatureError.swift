/// Why the Signatures module could not do its job at all: an unreadable or malformed input file
/// (bundle, trusted root, key, certificate). A signature that does not verify is not an error of
/// this kind but a ``VerificationFailure``; the CLI maps this type to exit code 2 and a failure to 1.
public struct SignatureError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    case unreadableInput = "unreadable-input"
    case inputTooLarge = "input-too-large"
    case malformedJSON = "malformed-json"
    case malformedBundle = "malformed-bundle"
    case malformedTrustedRoot = "malformed-trusted-root"
    case malformedKey = "malformed-key"
    case malformedCertificate = "malformed-certificate"
    case malformedTimestamp = "malformed-timestamp"
    case unsupported = "unsupported"
  }

  public var code: Code
  public var message: String
  /// The file the problem is about, when known.
  public var path: String?

  public init(_ code: Code, _ message: String, path: String? = nil) {
    self.code = code
    self.message = message
    self.path = path
  }

  public var description: String {
    if let path { return "[\(code.rawValue)] \(path): \(message)" }
    return "[\(code.rawValue)] \(message)"
  }
}
