/// A Rego term (expression tree). Value type; locations live on literals and calls.
public indirect enum Term: Sendable, Hashable {
  case scalar(Value)
  case variable(String)
  /// `head.a[b]…`: the head term and each path element (`.a` is the string "a").
  case ref(Term, [Term])
  /// A function or builtin call by dotted name (`regex.match`, `data.lib.f`, `f`).
  case call([String], [Term], SourceLocation)
  case array([Term])
  case object([ObjectItem])
  case set([Term])
  case arrayComprehension(Term, [Literal])
  case setComprehension(Term, [Literal])
  case objectComprehension(Term, Term, [Literal])
  case binary(BinaryOp, Term, Term)
  case negate(Term)
  /// `x in xs` / `k, v in xs` as an expression (boolean result).
  case membership(Term?, Term, Term)

  public struct ObjectItem: Sendable, Hashable {
    public var key: Term
    public var value: Term
  }

  public enum BinaryOp: String, Sendable, Hashable {
    case assign = ":="
    case unify = "="
    case eq = "=="
    case ne = "!="
    case lt = "<"
    case le = "<="
    case gt = ">"
    case ge = ">="
    case plus = "+"
    case minus = "-"
    case times = "*"
    case divide = "/"
    case modulo = "%"
    case or = "|"
    case and = "&"
  }

  /// Variable name when the term is a plain variable.
  var varName: String? { if case .variable(let v) = self { return v } else { return nil } }

  /// Dotted name of a ref of plain identifiers (`data.lib.x` → ["data","lib","x"]).
  var dottedName: [String]? {
    switch self {
    case .variable(let v): return [v]
    case .ref(let h, let path):
      guard case .variable(let v) = h else { return nil }
      var out = [v]
      for p in path {
        guard case .scalar(.string(let s)) = p else { return nil }
        out.append(s)
      }
      return out
    default: return nil
    }
  }
}
