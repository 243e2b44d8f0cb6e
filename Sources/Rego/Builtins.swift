import Foundation

/// Per-query state builtins may read: the fixed "now", the limits, and where
/// `print`/`trace` output goes.
public final class BuiltinContext: @unchecked Sendable {
  public let nowNanoseconds: Int
  public let limits: Limits
  /// Lines written by `print` and `trace` during the query.
  public internal(set) var output: [String] = []

  public init(nowNanoseconds: Int, limits: Limits) {
    self.nowNanoseconds = nowNanoseconds
    self.limits = limits
  }
}

/// The table of builtin functions, by dotted name. Explicit composition: an
/// engine gets exactly the builtins it was given (plus optional extensions such as
/// Trivy's `result.new`).
public struct Builtins: Sendable {
  public typealias Function =
    @Sendable (_ args: [Value], _ context: BuiltinContext) throws -> Value?

  public struct Entry: Sendable {
    /// Number of input arguments; `nil` means variadic.
    public var arity: Int?
    public var function: Function
  }

  var table: [String: Entry] = [:]

  /// The standard OPA builtins this engine implements.
  public init() {
    registerStandard()
  }

  /// The standard builtins plus Trivy's extensions (`result.new`, `sh.parse_commands`).
  public static func withTrivyExtensions() -> Builtins {
    var b = Builtins()
    b.registerTrivy()
    return b
  }

  public func has(_ name: String) -> Bool { table[name] != nil }
  public func entry(_ name: String) -> Entry? { table[name] }
  public var names: [String] { table.keys.sorted() }

  public mutating func register(_ name: String, arity: Int?, _ f: @escaping Function) {
    table[name] = Entry(arity: arity, function: f)
  }
}

/// A builtin failed on its arguments; the evaluator turns it into "undefined"
/// (OPA's non-strict default) or reports it.
func typeError(_ name: String, _ message: String) -> RegoError {
  RegoError(.typeError, "\(name): \(message)")
}

func builtinError(_ name: String, _ message: String) -> RegoError {
  RegoError(.builtinError, "\(name): \(message)")
}
