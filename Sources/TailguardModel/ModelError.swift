/// Errors raised by the pure value parsers of the model (digests, purls, references, platforms).
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    case invalidDigest, invalidPackageURL, invalidReference, invalidPlatform
  }
  public let code: Code
  public let message: String
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }
  public var description: String { message }
}
