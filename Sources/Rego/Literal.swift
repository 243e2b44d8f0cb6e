/// One statement of a rule body or query.
public struct Literal: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    case expr(Term)
    /// `some x, y` declarations.
    case some([String])
    /// `some v in xs` / `some k, v in xs`.
    case someIn(Term?, Term, Term)
    /// `every v in xs { … }` / `every k, v in xs { … }`.
    case every(String?, String, Term, [Literal])
  }

  public struct With: Sendable, Hashable {
    public var target: [String]
    public var value: Term
  }

  public var kind: Kind
  public var negated: Bool
  public var withs: [With]
  public var location: SourceLocation
}
