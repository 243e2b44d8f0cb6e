/// The one error type of SBOMFormats.
public struct SBOMFormatError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    case unknownFormat, malformed, unsupportedVersion, tooLarge
  }
  public let code: Code
  public let message: String
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }
  public var description: String { message }
}
