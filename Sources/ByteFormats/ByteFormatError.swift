/// The one error type of ByteFormats. `offset` is the byte position in the input where the
/// problem was seen, when known.
public struct ByteFormatError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    case truncated, malformed, unsupported, limitExceeded, outOfBounds, io, digestMismatch,
      decompression
  }
  public let code: Code
  public let message: String
  public let offset: Int?
  public init(_ code: Code, _ message: String, offset: Int? = nil) {
    self.code = code
    self.message = message
    self.offset = offset
  }
  public var description: String {
    offset.map { "\(message) (at byte \($0))" } ?? message
  }
}
