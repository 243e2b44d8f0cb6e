import Foundation

/// A Rego number. Integers stay exact; everything else is a `Double`.
///
/// Integral doubles in the exactly-representable range are stored as integers so
/// that equal numbers hash and compare equal whichever way they were written.
public struct Number: Hashable, Sendable, Comparable, CustomStringConvertible {
  public enum Storage: Hashable, Sendable {
    case int(Int)
    case double(Double)
  }
  public let storage: Storage

  public init(_ i: Int) { storage = .int(i) }

  public init(_ d: Double) {
    if d.isFinite, d == d.rounded(), abs(d) < 9.007_199_254_740_992e15 {
      storage = .int(Int(d))
    } else {
      storage = .double(d)
    }
  }

  public var doubleValue: Double {
    switch storage {
    case .int(let i): return Double(i)
    case .double(let d): return d
    }
  }

  /// The integer value when the number is integral.
  public var intValue: Int? {
    if case .int(let i) = storage { return i }
    return nil
  }

  public static func < (a: Number, b: Number) -> Bool {
    switch (a.storage, b.storage) {
    case (.int(let x), .int(let y)): return x < y
    default: return a.doubleValue < b.doubleValue
    }
  }

  public static func + (a: Number, b: Number) -> Number {
    if case .int(let x) = a.storage, case .int(let y) = b.storage {
      let (r, o) = x.addingReportingOverflow(y)
      if !o { return Number(r) }
    }
    return Number(a.doubleValue + b.doubleValue)
  }

  public static func - (a: Number, b: Number) -> Number {
    if case .int(let x) = a.storage, case .int(let y) = b.storage {
      let (r, o) = x.subtractingReportingOverflow(y)
      if !o { return Number(r) }
    }
    return Number(a.doubleValue - b.doubleValue)
  }

  public static func * (a: Number, b: Number) -> Number {
    if case .int(let x) = a.storage, case .int(let y) = b.storage {
      let (r, o) = x.multipliedReportingOverflow(by: y)
      if !o { return Number(r) }
    }
    return Number(a.doubleValue * b.doubleValue)
  }

  /// Text as OPA prints it in JSON (integers without a fraction).
  public var description: String {
    switch storage {
    case .int(let i): return String(i)
    case .double(let d):
      if d.isNaN || d.isInfinite { return "null" }
      var s = "\(d)"
      if s.hasSuffix(".0") { s.removeLast(2) }
      return s
    }
  }

  /// Parses a JSON/Rego number literal.
  public init?(parsing text: String) {
    if let i = Int(text) {
      self.init(i)
    } else if let d = Double(text), d.isFinite {
      self.init(d)
    } else {
      return nil
    }
  }
}
