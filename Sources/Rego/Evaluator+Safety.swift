extension Evaluator {
  /// OPA orders body literals so that each one runs once the variables it reads
  /// are bound (`i != j` after `x[i] == y[j]`). This does the same dynamically:
  /// before running a literal, check it is ready; if not, run the first later
  /// literal that is.
  func nextReady(_ lits: [Literal], _ i: Int, _ env: Env) -> Int? {
    if isReady(lits[i], env) { return nil }
    var j = i + 1
    while j < lits.count {
      if isReady(lits[j], env) { return j }
      j += 1
    }
    return nil
  }

  func isReady(_ lit: Literal, _ env: Env) -> Bool {
    for w in lit.withs where !termReady(w.value, env) { return false }
    switch lit.kind {
    case .some: return true
    case .someIn(_, _, let c): return termReady(c, env)
    case .every(_, _, let c, _): return termReady(c, env)
    case .expr(let t):
      if lit.negated { return termReady(t, env) }
      switch t {
      case .binary(.assign, _, let rhs): return termReady(rhs, env)
      case .binary(.unify, let a, let b):
        if isPattern(a, env) {
          return termReady(b, env) || (isPattern(b, env) && termReady(a, env))
        }
        if isPattern(b, env) { return termReady(a, env) }
        return termReady(a, env) && termReady(b, env)
      default: return termReady(t, env)
      }
    }
  }

  /// True if every variable the term reads (outside binding positions) is bound.
  func termReady(_ t: Term, _ env: Env) -> Bool {
    switch t {
    case .scalar: return true
    case .variable(let v):
      if v.hasPrefix("_$") { return true }
      if case .unbound = resolve(v, env) { return false }
      return true
    case .ref(let head, let path):
      if !termReady(head, env) { return false }
      for p in path {
        if case .variable = p { continue }
        if !termReady(p, env) { return false }
      }
      return true
    case .call(let name, let args, _):
      // an extra (output) argument may be unbound
      for (idx, a) in args.enumerated() {
        if idx == args.count - 1, args.count >= 2, case .variable = a, isOutputArg(name, args.count)
        {
          continue
        }
        if !termReady(a, env) { return false }
      }
      return true
    case .array(let a), .set(let a): return a.allSatisfy { termReady($0, env) }
    case .object(let items):
      return items.allSatisfy { termReady($0.key, env) && termReady($0.value, env) }
    case .arrayComprehension, .setComprehension, .objectComprehension: return true
    case .binary(let op, let a, let b):
      if op == .assign || op == .unify { return termReady(b, env) || termReady(a, env) }
      return termReady(a, env) && termReady(b, env)
    case .negate(let a): return termReady(a, env)
    case .membership(let k, let v, let c):
      return (k.map { termReady($0, env) } ?? true) && termReady(v, env) && termReady(c, env)
    }
  }

  func isOutputArg(_ name: [String], _ count: Int) -> Bool {
    if let e = program.builtins.entry(name.joined(separator: ".")), let a = e.arity {
      return count == a + 1
    }
    return name == ["walk"]
  }
}
