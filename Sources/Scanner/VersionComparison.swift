import VersionSchemes

/// `version compare`: how tailguard orders two versions under one ecosystem's rules.
public enum VersionComparison {
  /// The scheme names `--scheme` takes.
  public static var schemes: [String] { VersionSchemeKind.allCases.map(\.rawValue) }

  /// One comparison's outcome: `<`, `=`, `>` or a parse error.
  public struct Outcome: Encodable, Sendable, Hashable {
    public var a: String
    public var b: String
    public var result: String?
    public var error: String?
    public init(a: String, b: String, result: String? = nil, error: String? = nil) {
      self.a = a
      self.b = b
      self.result = result
      self.error = error
    }
  }

  /// Compares `a` and `b` under `scheme` (one of `schemes`).
  public static func compare(scheme: String, _ a: String, _ b: String) -> Outcome {
    guard let kind = VersionSchemeKind(rawValue: scheme) else {
      return Outcome(a: a, b: b, error: "unknown scheme '\(scheme)'")
    }
    do {
      let c = try kind.compare(a, b)
      return Outcome(a: a, b: b, result: c < 0 ? "<" : (c == 0 ? "=" : ">"))
    } catch {
      return Outcome(a: a, b: b, error: error.description)
    }
  }
}
