/// The one error type of the Fleet module: what went wrong, where (file, line), and a stable code.
public struct FleetError: Error, Sendable, CustomStringConvertible {
  public enum Code: String, Sendable {
    case unreadable, tooLarge, unresolvable, badArgument, writeFailed, endOfLife, usage
  }
  public var code: Code
  public var message: String
  public var path: String?
  public var line: Int?

  public init(_ code: Code, _ message: String, path: String? = nil, line: Int? = nil) {
    self.code = code
    self.message = message
    self.path = path
    self.line = line
  }

  public var description: String {
    var where_ = ""
    if let path { where_ = line.map { "\(path):\($0): " } ?? "\(path): " }
    return "\(where_)\(message) [\(code.rawValue)]"
  }
}
