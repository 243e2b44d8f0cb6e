/// A Rego value: the JSON data model plus sets and non-string object keys.
///
/// Value semantics make evaluation easy to reason about: a binding can never be
/// changed behind the evaluator's back. Numbers are normalized (integral doubles
/// become integers) so `1 == 1.0` holds structurally and hashing stays consistent.
public enum Value: Hashable, Sendable {
  case null
  case bool(Bool)
  case number(Number)
  case string(String)
  case array([Value])
  case set(Set<Value>)
  case object([Value: Value])

  public static func int(_ i: Int) -> Value { .number(Number(i)) }
  public static func double(_ d: Double) -> Value { .number(Number(d)) }
  public static let emptySet = Value.set([])
  public static let emptyObject = Value.object([:])

  /// OPA's type names, as `type_name` reports them.
  public var typeName: String {
    switch self {
    case .null: return "null"
    case .bool: return "boolean"
    case .number: return "number"
    case .string: return "string"
    case .array: return "array"
    case .set: return "set"
    case .object: return "object"
    }
  }

  /// Rank of the type in OPA's total order across types.
  var typeRank: Int {
    switch self {
    case .null: return 0
    case .bool: return 1
    case .number: return 2
    case .string: return 3
    case .array: return 4
    case .object: return 5
    case .set: return 6
    }
  }

  public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
  public var numberValue: Number? { if case .number(let n) = self { return n } else { return nil } }
  public var arrayValue: [Value]? { if case .array(let a) = self { return a } else { return nil } }
  public var objectValue: [Value: Value]? {
    if case .object(let o) = self { return o } else { return nil }
  }
  public var setValue: Set<Value>? { if case .set(let s) = self { return s } else { return nil } }
  public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

  /// Elements of a set in OPA's sort order (deterministic iteration).
  public var sortedSetElements: [Value]? {
    if case .set(let s) = self { return s.sorted() } else { return nil }
  }

  /// Object keys in sort order.
  public var sortedObjectKeys: [Value]? {
    if case .object(let o) = self { return o.keys.sorted() } else { return nil }
  }

  /// Number of nested levels (for depth limits on hostile input).
  public var depth: Int {
    switch self {
    case .array(let a): return 1 + (a.map(\.depth).max() ?? 0)
    case .set(let s): return 1 + (s.map(\.depth).max() ?? 0)
    case .object(let o): return 1 + (o.values.map(\.depth).max() ?? 0)
    default: return 0
    }
  }
}

extension Value: Comparable {
  /// OPA's total order: null < boolean < number < string < array < object < set.
  public static func < (lhs: Value, rhs: Value) -> Bool { compare(lhs, rhs) < 0 }

  public static func compare(_ a: Value, _ b: Value) -> Int {
    let ra = a.typeRank
    let rb = b.typeRank
    if ra != rb { return ra < rb ? -1 : 1 }
    switch (a, b) {
    case (.null, .null): return 0
    case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
    case (.number(let x), .number(let y)): return x == y ? 0 : (x < y ? -1 : 1)
    case (.string(let x), .string(let y)):
      return x == y ? 0 : (Array(x.utf8).lexicographicallyPrecedes(y.utf8) ? -1 : 1)
    case (.array(let x), .array(let y)): return compareSequences(x, y)
    case (.set(let x), .set(let y)): return compareSequences(x.sorted(), y.sorted())
    case (.object(let x), .object(let y)):
      let kx = x.keys.sorted()
      let ky = y.keys.sorted()
      let n = min(kx.count, ky.count)
      for i in 0..<n {
        let c = compare(kx[i], ky[i])
        if c != 0 { return c }
        let v = compare(x[kx[i]] ?? .null, y[ky[i]] ?? .null)
        if v != 0 { return v }
      }
      return kx.count == ky.count ? 0 : (kx.count < ky.count ? -1 : 1)
    default: return 0
    }
  }

  static func compareSequences(_ x: [Value], _ y: [Value]) -> Int {
    let n = min(x.count, y.count)
    for i in 0..<n {
      let c = compare(x[i], y[i])
      if c != 0 { return c }
    }
    return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
  }
}
