extension Evaluator {
  /// Evaluates a query body, collecting each literal's value (for `opa eval`-style
  /// `expressions`): a plain expression reports its value; anything else reports true.
  func evalQuery(
    _ body: [Literal], _ i: Int, _ env: Env, _ values: [Value],
    _ k: ([Value], Env) throws -> Void
  ) throws {
    if i == body.count { return try k(values, env) }
    let lit = body[i]
    var plain: Term? = nil
    if case .expr(let t) = lit.kind, !lit.negated {
      switch t {
      case .binary(.assign, _, _), .binary(.unify, _, _): break
      default: plain = t
      }
    }
    guard let t = plain else {
      return try evalLiteral(lit, env) { e in
        try self.evalQuery(body, i + 1, e, values + [.bool(true)], k)
      }
    }
    try tick()
    var results: [(Value, Env)] = []
    let run = {
      try self.evalTerm(t, env) { v, e in
        if v != .bool(false) { results.append((v, e)) }
      }
    }
    if lit.withs.isEmpty {
      try run()
    } else {
      try applyingWiths(lit.withs, env, run)
    }
    for (v, e) in results { try evalQuery(body, i + 1, e, values + [v], k) }
  }
}
