/// Variable bindings of one evaluation path (value type: backtracking is free).
struct Env {
  var vars: [String: Value] = [:]
  /// Names declared by `some`, `:=` or patterns but not bound yet; they shadow rules.
  var declared: Set<String> = []
  var scope: Scope

  init(scope: Scope) { self.scope = scope }

  func binding(_ v: Value, to name: String) -> Env {
    var e = self
    e.vars[name] = v
    return e
  }

  /// Forgets outer bindings of the given names (fresh locals).
  func declaring(_ names: Set<String>) -> Env {
    var e = self
    for n in names {
      e.vars[n] = nil
      e.declared.insert(n)
    }
    return e
  }
}
