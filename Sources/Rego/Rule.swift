/// One rule definition (a module may define a rule name several times; the
/// evaluator groups definitions by their full data path).
public struct Rule: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// `p := v if …`, `p if …` (value true).
    case complete(Term)
    /// `p contains x if …` / v0 `p[x] { … }`.
    case partialSet(Term)
    /// `p[k] := v if …`.
    case partialObject(Term, Term)
    /// `f(a, b) := v if …` (value true when omitted).
    case function([Term], Term)
  }

  public struct ElseClause: Sendable, Hashable {
    public var value: Term
    public var body: [Literal]
  }

  /// Path below the package (`["deny"]`, or `["a","b"]` for a ref head `a.b := …`).
  public var path: [String]
  public var kind: Kind
  public var isDefault: Bool
  public var body: [Literal]
  public var elses: [ElseClause]
  public var location: SourceLocation
}

/// An `import` line: the imported path and the name it binds in the module.
public struct Import: Sendable, Hashable {
  public var path: [String]
  public var alias: String
  public init(path: [String], alias: String) {
    self.path = path
    self.alias = alias
  }
}

/// A parsed `.rego` file.
public struct Module: Sendable, Hashable {
  public var file: String
  public var package: [String]
  public var imports: [Import]
  public var rules: [Rule]
}
