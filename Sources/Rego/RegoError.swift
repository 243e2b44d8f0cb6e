/// Where something is in a policy or data file (1-based line and column).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  public var file: String
  public var row: Int
  public var col: Int
  public init(file: String, row: Int, col: Int) {
    self.file = file
    self.row = row
    self.col = col
  }
  public var description: String { "\(file):\(row):\(col)" }
}

/// The one error type of the Rego module. `code` follows OPA's error codes so
/// users and tests can match on it; `location` points at the offending source.
public struct RegoError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    /// Lexer or parser rejected the text (OPA `rego_parse_error`).
    case parseError = "rego_parse_error"
    /// Static check failed: unknown builtin, unsafe var, bad import (`rego_compile_error`).
    case compileError = "rego_compile_error"
    /// Builtin got the wrong types (`eval_type_error`).
    case typeError = "eval_type_error"
    /// Complete rule / function / object key produced two values (`eval_conflict_error`).
    case conflictError = "eval_conflict_error"
    /// Builtin failed on its input (`eval_builtin_error`).
    case builtinError = "eval_builtin_error"
    /// A limit (depth, steps, time, size) was hit: the input or policy is hostile or too big.
    case limitExceeded = "eval_limit_exceeded"
    /// Data files could not be read or decoded.
    case dataError = "data_error"
  }

  public var code: Code
  public var message: String
  public var location: SourceLocation?

  public init(_ code: Code, _ message: String, at location: SourceLocation? = nil) {
    self.code = code
    self.message = message
    self.location = location
  }

  public var description: String {
    if let location { return "\(location): \(code.rawValue): \(message)" }
    return "\(code.rawValue): \(message)"
  }
}
