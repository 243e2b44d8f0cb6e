/// Why a CVSS vector string was refused. `field` names the offending `METRIC:VALUE` part when
/// there is one, so a user can see exactly what to fix.
public struct CVSSError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    case empty, tooLong, unknownVersion, trailingSlash, emptyField, malformedField
    case unknownMetric, invalidValue, duplicateMetric, missingMetric
  }

  public let code: Code
  public let vector: String
  public let field: String?
  public let message: String

  public init(_ code: Code, vector: String, field: String? = nil, _ message: String) {
    self.code = code
    self.vector = vector
    self.field = field
    self.message = message
  }

  public var description: String {
    "invalid CVSS vector '\(vector.prefix(200))': \(message)"
  }
}
