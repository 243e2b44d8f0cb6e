/// Name-resolution context of one module: its package and import aliases.
struct Scope: Sendable, Hashable {
  var package: [String]
  var imports: [String: [String]]
}

/// One rule definition together with the module scope it was written in.
struct RuleDefinition: Sendable {
  var rule: Rule
  var scope: Scope
}

/// The compiled policy set: rules indexed by their path under `data`, the base
/// documents, and the static checks (unknown functions, mixed rule kinds) done once.
public struct Program: Sendable {
  public let modules: [Module]
  public let baseData: Value
  /// Rule definitions by full path under `data` (no "data" prefix).
  let rules: [[String]: [RuleDefinition]]
  /// Every prefix of a rule path, with the child keys below it.
  let children: [[String]: Set<String>]
  let builtins: Builtins

  /// Compiles modules and base data. Throws `compileError` for unknown functions,
  /// mixed rule kinds at one path and several default rules.
  public init(modules: [Module], data: Value = .emptyObject, builtins: Builtins = Builtins()) throws
  {
    self.modules = modules
    self.baseData = data
    self.builtins = builtins
    var rules: [[String]: [RuleDefinition]] = [:]
    var children: [[String]: Set<String>] = [:]
    for m in modules {
      var imports: [String: [String]] = [:]
      for imp in m.imports { imports[imp.alias] = imp.path }
      let scope = Scope(package: m.package, imports: imports)
      // the package itself is a node even without rules
      for i in 0..<m.package.count {
        children[Array(m.package[0..<i]), default: []].insert(m.package[i])
      }
      children[m.package, default: []] = children[m.package, default: []]
      for r in m.rules {
        let full = m.package + r.path
        rules[full, default: []].append(RuleDefinition(rule: r, scope: scope))
        for i in 0..<full.count {
          children[Array(full[0..<i]), default: []].insert(full[i])
        }
      }
    }
    self.rules = rules
    self.children = children
    try check()
  }

  func check() throws {
    for (path, defs) in rules {
      var kinds = Set<Int>()
      var defaults = 0
      for d in defs {
        switch d.rule.kind {
        case .complete: kinds.insert(0)
        case .partialSet: kinds.insert(1)
        case .partialObject: kinds.insert(2)
        case .function(let args, _): kinds.insert(100 + args.count)
        }
        if d.rule.isDefault { defaults += 1 }
      }
      if kinds.count > 1 {
        throw RegoError(
          .compileError, "conflicting rules data.\(path.joined(separator: ".")) found",
          at: defs[0].rule.location)
      }
      if defaults > 1 {
        throw RegoError(
          .compileError, "multiple default rules data.\(path.joined(separator: ".")) found",
          at: defs[0].rule.location)
      }
      for d in defs {
        do {
          try checkTerms(d)
        } catch var e as RegoError where e.message.hasPrefix(Program.unsupportedPrefix) {
          e.message += " (called in rule data.\(path.joined(separator: ".")))"
          throw e
        }
      }
    }
  }

  func checkTerms(_ d: RuleDefinition) throws {
    var terms: [Term] = []
    var lits: [Literal] = d.rule.body
    for e in d.rule.elses {
      lits += e.body
      terms.append(e.value)
    }
    switch d.rule.kind {
    case .complete(let v): terms.append(v)
    case .partialSet(let k): terms.append(k)
    case .partialObject(let k, let v): terms += [k, v]
    case .function(let a, let v): terms += a + [v]
    }
    var locals = Set<String>()
    if case .function(let args, _) = d.rule.kind {
      for a in args { collectVars(a, into: &locals) }
    }
    try checkLiterals(lits, scope: d.scope, locals: locals)
    for t in terms { try checkTerm(t, scope: d.scope, locals: locals) }
  }

  func collectVars(_ t: Term, into s: inout Set<String>) {
    switch t {
    case .variable(let v): s.insert(v)
    case .array(let a): for e in a { collectVars(e, into: &s) }
    case .object(let o): for i in o { collectVars(i.value, into: &s) }
    default: break
    }
  }

  func checkLiterals(_ lits: [Literal], scope: Scope, locals: Set<String>) throws {
    for l in lits {
      switch l.kind {
      case .expr(let t): try checkTerm(t, scope: scope, locals: locals)
      case .some: break
      case .someIn(let k, let v, let c):
        if let k { try checkTerm(k, scope: scope, locals: locals) }
        try checkTerm(v, scope: scope, locals: locals)
        try checkTerm(c, scope: scope, locals: locals)
      case .every(_, _, let c, let body):
        try checkTerm(c, scope: scope, locals: locals)
        try checkLiterals(body, scope: scope, locals: locals)
      }
      for w in l.withs { try checkTerm(w.value, scope: scope, locals: locals) }
    }
  }

  func checkTerm(_ t: Term, scope: Scope, locals: Set<String>) throws {
    switch t {
    case .scalar, .variable: return
    case .ref(let h, let p):
      try checkTerm(h, scope: scope, locals: locals)
      for e in p { try checkTerm(e, scope: scope, locals: locals) }
    case .call(let name, let args, let loc):
      for a in args { try checkTerm(a, scope: scope, locals: locals) }
      if resolveFunction(name, scope: scope) == nil {
        throw Program.unresolvedCall(name, builtins: builtins, at: loc)
      }
    case .array(let a), .set(let a):
      for e in a { try checkTerm(e, scope: scope, locals: locals) }
    case .object(let items):
      for i in items {
        try checkTerm(i.key, scope: scope, locals: locals)
        try checkTerm(i.value, scope: scope, locals: locals)
      }
    case .arrayComprehension(let h, let b), .setComprehension(let h, let b):
      try checkTerm(h, scope: scope, locals: locals)
      try checkLiterals(b, scope: scope, locals: locals)
    case .objectComprehension(let k, let v, let b):
      try checkTerm(k, scope: scope, locals: locals)
      try checkTerm(v, scope: scope, locals: locals)
      try checkLiterals(b, scope: scope, locals: locals)
    case .binary(_, let a, let b):
      try checkTerm(a, scope: scope, locals: locals)
      try checkTerm(b, scope: scope, locals: locals)
    case .negate(let a): try checkTerm(a, scope: scope, locals: locals)
    case .membership(let k, let v, let c):
      if let k { try checkTerm(k, scope: scope, locals: locals) }
      try checkTerm(v, scope: scope, locals: locals)
      try checkTerm(c, scope: scope, locals: locals)
    }
  }

  static let unsupportedPrefix = "unsupported builtin: "

  /// The compile error for a call that resolves to nothing: an OPA builtin that
  /// tailguard does not implement is named as such ("unsupported builtin: X"),
  /// anything else is an undefined function.
  static func unresolvedCall(_ name: [String], builtins: Builtins, at loc: SourceLocation)
    -> RegoError
  {
    let joined = name.joined(separator: ".")
    if OPABuiltins.isUnsupported(joined, in: builtins) {
      return RegoError(.compileError, unsupportedPrefix + joined, at: loc)
    }
    return RegoError(.compileError, "undefined function \(joined)", at: loc)
  }

  /// Static check of a query body (calls must resolve), as for rule bodies.
  func checkQuery(_ body: [Literal]) throws {
    try checkLiterals(body, scope: Scope(package: [], imports: [:]), locals: [])
  }

  /// What a call name refers to: a user function (its data path) or a builtin.
  enum FunctionTarget {
    case user([String])
    case builtin(String)
  }

  func resolveFunction(_ name: [String], scope: Scope) -> FunctionTarget? {
    guard let first = name.first else { return nil }
    if first == "data" {
      let p = Array(name.dropFirst())
      return rules[p] != nil ? .user(p) : nil
    }
    if let imp = scope.imports[first], imp.first == "data" {
      let p = Array(imp.dropFirst()) + name.dropFirst()
      if rules[p] != nil { return .user(p) }
    }
    let local = scope.package + name
    if rules[local] != nil { return .user(local) }
    let joined = name.joined(separator: ".")
    if builtins.has(joined) { return .builtin(joined) }
    return nil
  }
}
