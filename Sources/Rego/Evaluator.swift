import Foundation

/// Backtracking evaluator with OPA's semantics, written in continuation-passing
/// style: every construct calls its continuation once per solution, so
/// enumeration, unification and negation compose without building solution lists.
final class Evaluator {
  let program: Program
  let limits: Limits
  let context: BuiltinContext
  var input: Value?
  var dataOverrides: [[String]: Value] = [:]
  var functionOverrides: [String: (Term, Scope)] = [:]
  var ruleCache: [[String]: Value?] = [:]
  var functionCache: [FunctionKey: Value?] = [:]
  var inProgress: Set<[String]> = []
  var steps = 0
  var callDepth = 0
  var stopCounter = 0
  let deadline: UInt64
  /// Errors of builtins that made an expression undefined (OPA's non-strict mode).
  var builtinErrors: [RegoError] = []
  var strictBuiltinErrors = false

  struct FunctionKey: Hashable {
    var path: [String]
    var args: [Value]
  }

  struct Stop: Error {
    let id: Int
  }

  init(program: Program, input: Value?, limits: Limits, context: BuiltinContext) {
    self.program = program
    self.input = input
    self.limits = limits
    self.context = context
    self.deadline = DispatchTime.now().uptimeNanoseconds &+ limits.timeoutNanoseconds
  }

  // MARK: - budget

  func tick() throws {
    steps += 1
    if steps > limits.maxSteps {
      throw RegoError(.limitExceeded, "evaluation exceeded \(limits.maxSteps) steps")
    }
    if steps & 1023 == 0, DispatchTime.now().uptimeNanoseconds > deadline {
      throw RegoError(
        .limitExceeded,
        "evaluation exceeded the time budget of \(limits.timeoutNanoseconds / 1_000_000) ms")
    }
  }

  /// Runs `body`; a `stop()` thrown from inside ends it early without error.
  func withStop(_ body: (_ stop: Stop) throws -> Void) throws {
    stopCounter += 1
    let s = Stop(id: stopCounter)
    do {
      try body(s)
    } catch let e as Stop where e.id == s.id {
      return
    }
  }

  // MARK: - bodies and literals

  func evalBody(_ lits: [Literal], _ i: Int, _ env: Env, _ k: (Env) throws -> Void) throws {
    if i == lits.count { return try k(env) }
    if let j = nextReady(lits, i, env) {
      var reordered = lits
      let l = reordered.remove(at: j)
      reordered.insert(l, at: i)
      return try evalBody(reordered, i, env, k)
    }
    try evalLiteral(lits[i], env) { e in try self.evalBody(lits, i + 1, e, k) }
  }

  func evalLiteral(_ lit: Literal, _ env: Env, _ k: (Env) throws -> Void) throws {
    try tick()
    if lit.withs.isEmpty { return try evalLiteralNegation(lit, env, k) }
    var results: [Env] = []
    try applyingWiths(lit.withs, env) {
      try self.evalLiteralNegation(lit, env) { results.append($0) }
    }
    for r in results { try k(r) }
  }

  /// Runs `body` with the `with` modifiers in force, restoring the previous
  /// input, data, function replacements and caches afterwards (even on error).
  /// Does nothing when a replacement value is undefined.
  func applyingWiths(_ withs: [Literal.With], _ env: Env, _ body: () throws -> Void) throws {
    var replacements: [(Literal.With, Value?)] = []
    for w in withs {
      var value: Value? = nil
      if isFunctionTarget(w.target, env) {
        replacements.append((w, nil))
        continue
      }
      try withStop { stop in
        try evalTerm(w.value, env) { v, _ in
          value = v
          throw stop
        }
      }
      guard let value else { return }
      replacements.append((w, value))
    }
    let savedInput = input
    let savedData = dataOverrides
    let savedFunctions = functionOverrides
    let savedCache = ruleCache
    let savedFunctionCache = functionCache
    defer {
      input = savedInput
      dataOverrides = savedData
      functionOverrides = savedFunctions
      ruleCache = savedCache
      functionCache = savedFunctionCache
    }
    for (w, v) in replacements {
      try applyWith(w, v, env)
    }
    ruleCache = [:]
    functionCache = [:]
    try body()
  }

  func isFunctionTarget(_ target: [String], _ env: Env) -> Bool {
    guard let first = target.first else { return false }
    if first == "input" { return false }
    if first == "data" {
      if let defs = program.rules[Array(target.dropFirst())], case .function = defs[0].rule.kind {
        return true
      }
      return false
    }
    if let p = resolveTargetPath(target, env) {
      if let defs = program.rules[p], case .function = defs[0].rule.kind { return true }
      return false
    }
    return program.builtins.has(target.joined(separator: "."))
  }

  func resolveTargetPath(_ target: [String], _ env: Env) -> [String]? {
    guard let first = target.first else { return nil }
    if let imp = env.scope.imports[first], imp.first == "data" {
      return Array(imp.dropFirst()) + target.dropFirst()
    }
    let local = env.scope.package + target
    if program.rules[local] != nil { return local }
    return nil
  }

  func applyWith(_ w: Literal.With, _ value: Value?, _ env: Env) throws {
    let t = w.target
    guard let value else {
      // function replacement
      var key = t.joined(separator: ".")
      if t.first == "data" {
        key = "data." + t.dropFirst().joined(separator: ".")
      } else if let p = resolveTargetPath(t, env) {
        key = "data." + p.joined(separator: ".")
      }
      functionOverrides[key] = (w.value, env.scope)
      return
    }
    if t.first == "input" {
      input = patch(input, Array(t.dropFirst()), value)
    } else if t.first == "data" {
      dataOverrides[Array(t.dropFirst())] = value
    } else if let imp = env.scope.imports[t[0]] {
      if imp.first == "input" {
        input = patch(input, Array(imp.dropFirst()) + t.dropFirst(), value)
      } else {
        dataOverrides[Array(imp.dropFirst()) + t.dropFirst()] = value
      }
    } else {
      dataOverrides[env.scope.package + t] = value
    }
  }

  func patch(_ base: Value?, _ path: [String], _ value: Value) -> Value {
    guard let first = path.first else { return value }
    var obj = base?.objectValue ?? [:]
    obj[.string(first)] = patch(obj[.string(first)], Array(path.dropFirst()), value)
    return .object(obj)
  }

  func evalLiteralNegation(_ lit: Literal, _ env: Env, _ k: (Env) throws -> Void) throws {
    if !lit.negated { return try evalLiteralCore(lit, env, k) }
    var found = false
    try withStop { stop in
      try evalLiteralCore(lit, env) { _ in
        found = true
        throw stop
      }
    }
    if !found { try k(env) }
  }

  func evalLiteralCore(_ lit: Literal, _ env: Env, _ k: (Env) throws -> Void) throws {
    switch lit.kind {
    case .some(let names):
      try k(env.declaring(Set(names)))
    case .someIn(let key, let value, let coll):
      var fresh = Set<String>()
      if let key { patternVars(key, into: &fresh) }
      patternVars(value, into: &fresh)
      try evalTerm(coll, env) { c, env1 in
        let e2 = env1.declaring(fresh)
        try self.iterate(c) { kv, vv in
          try self.tick()
          if let key {
            try self.unifyValue(key, kv, e2) { e3 in
              try self.unifyValue(value, vv, e3) { e4 in try k(e4) }
            }
          } else {
            try self.unifyValue(value, vv, e2) { e3 in try k(e3) }
          }
        }
      }
    case .every(let key, let value, let coll, let body):
      var domain: Value? = nil
      try withStop { stop in
        try evalTerm(coll, env) { c, _ in
          domain = c
          throw stop
        }
      }
      guard let domain else { return }
      var ok = true
      try withStop { outer in
        try iterate(domain) { kv, vv in
          var e = env.declaring(Set([key, value].compactMap { $0 }))
          if let key { e.vars[key] = kv }
          e.vars[value] = vv
          var found = false
          try self.withStop { stop in
            try self.evalBody(body, 0, e) { _ in
              found = true
              throw stop
            }
          }
          if !found {
            ok = false
            throw outer
          }
        }
      }
      if ok { try k(env) }
    case .expr(let t):
      switch t {
      case .binary(.assign, let lhs, let rhs):
        var fresh = Set<String>()
        patternVars(lhs, into: &fresh)
        try unify(lhs, rhs, env.declaring(fresh), k)
      case .binary(.unify, let lhs, let rhs):
        try unify(lhs, rhs, env, k)
      default:
        try evalTerm(t, env) { v, e in
          if v != .bool(false) { try k(e) }
        }
      }
    }
  }

  /// Variables a pattern (var / array / object values) would bind.
  func patternVars(_ t: Term, into s: inout Set<String>) {
    switch t {
    case .variable(let v): s.insert(v)
    case .array(let a): for e in a { patternVars(e, into: &s) }
    case .object(let items): for i in items { patternVars(i.value, into: &s) }
    default: break
    }
  }

  /// Calls `body(key, value)` for each element: arrays by index, objects by key,
  /// sets with the element as both.
  func iterate(_ c: Value, _ body: (Value, Value) throws -> Void) throws {
    switch c {
    case .array(let a):
      for (i, v) in a.enumerated() { try body(.int(i), v) }
    case .object(let o):
      for key in o.keys.sorted() { try body(key, o[key] ?? .null) }
    case .set(let s):
      for v in s.sorted() { try body(v, v) }
    default: return
    }
  }

  // MARK: - variables

  enum Resolved {
    case value(Value)
    case unbound
    case data([String])
    case input([String])
  }

  func resolve(_ name: String, _ env: Env) -> Resolved {
    if let v = env.vars[name] { return .value(v) }
    if name.hasPrefix("_$") || env.declared.contains(name) { return .unbound }
    if name == "input" { return .input([]) }
    if name == "data" { return .data([]) }
    if let imp = env.scope.imports[name] {
      return imp.first == "data" ? .data(Array(imp.dropFirst())) : .input(Array(imp.dropFirst()))
    }
    if program.children[env.scope.package]?.contains(name) == true {
      return .data(env.scope.package + [name])
    }
    return .unbound
  }

  func isUnboundVar(_ t: Term, _ env: Env) -> Bool {
    guard case .variable(let name) = t else { return false }
    if case .unbound = resolve(name, env) { return true }
    return false
  }

  /// True if a term has unbound variables in pattern positions.
  func isPattern(_ t: Term, _ env: Env) -> Bool {
    switch t {
    case .variable: return isUnboundVar(t, env)
    case .array(let a): return a.contains { isPattern($0, env) }
    case .object(let items): return items.contains { isPattern($0.value, env) }
    default: return false
    }
  }

  // MARK: - unification

  func unify(_ a: Term, _ b: Term, _ env: Env, _ k: (Env) throws -> Void) throws {
    if isUnboundVar(a, env), isUnboundVar(b, env) {
      throw RegoError(.compileError, "unsafe variables in unification")
    }
    if case .array(let xa) = a, case .array(let xb) = b {
      guard xa.count == xb.count else { return }
      return try unifyPairs(xa, xb, 0, env, k)
    }
    if isPattern(a, env) {
      return try evalTerm(b, env) { v, e in try self.unifyValue(a, v, e, k) }
    }
    if isPattern(b, env) {
      return try evalTerm(a, env) { v, e in try self.unifyValue(b, v, e, k) }
    }
    try evalTerm(a, env) { va, e1 in
      try self.evalTerm(b, e1) { vb, e2 in
        if va == vb { try k(e2) }
      }
    }
  }

  func unifyPairs(_ a: [Term], _ b: [Term], _ i: Int, _ env: Env, _ k: (Env) throws -> Void)
    throws
  {
    if i == a.count { return try k(env) }
    try unify(a[i], b[i], env) { e in try self.unifyPairs(a, b, i + 1, e, k) }
  }

  func unifyValue(_ p: Term, _ v: Value, _ env: Env, _ k: (Env) throws -> Void) throws {
    switch p {
    case .variable(let name):
      switch resolve(name, env) {
      case .unbound:
        if name.hasPrefix("_$") { return try k(env) }
        return try k(env.binding(v, to: name))
      default: break
      }
    case .array(let items):
      guard isPattern(p, env) else { break }
      guard case .array(let vs) = v, vs.count == items.count else { return }
      return try unifyArray(items, vs, 0, env, k)
    case .object(let items):
      guard isPattern(p, env) else { break }
      guard case .object(let o) = v, o.count == items.count else { return }
      return try unifyObject(items, o, 0, env, k)
    default: break
    }
    try evalTerm(p, env) { pv, e in
      if pv == v { try k(e) }
    }
  }

  func unifyArray(_ p: [Term], _ v: [Value], _ i: Int, _ env: Env, _ k: (Env) throws -> Void)
    throws
  {
    if i == p.count { return try k(env) }
    try unifyValue(p[i], v[i], env) { e in try self.unifyArray(p, v, i + 1, e, k) }
  }

  func unifyObject(
    _ p: [Term.ObjectItem], _ o: [Value: Value], _ i: Int, _ env: Env, _ k: (Env) throws -> Void
  ) throws {
    if i == p.count { return try k(env) }
    try evalTerm(p[i].key, env) { key, e in
      guard let v = o[key] else { return }
      try self.unifyValue(p[i].value, v, e) { e2 in try self.unifyObject(p, o, i + 1, e2, k) }
    }
  }

  // MARK: - terms

  func evalTerm(_ t: Term, _ env: Env, _ k: (Value, Env) throws -> Void) throws {
    switch t {
    case .scalar(let v): try k(v, env)
    case .variable(let name):
      switch resolve(name, env) {
      case .value(let v): try k(v, env)
      case .unbound:
        throw RegoError(
          .compileError, "var \(name.hasPrefix("_$") ? "_" : name) is unsafe")
      case .data(let p): try walkData(p, [], 0, env, k)
      case .input(let p):
        guard let input else { return }
        try indexValue(input, p.map { .scalar(.string($0)) }, 0, env, k)
      }
    case .ref(let head, let path):
      if case .variable(let name) = head {
        switch resolve(name, env) {
        case .value(let v): return try indexValue(v, path, 0, env, k)
        case .unbound:
          throw RegoError(.compileError, "var \(name) is unsafe")
        case .data(let p): return try walkData(p, path, 0, env, k)
        case .input(let p):
          guard let input else { return }
          return try indexValue(input, p.map { .scalar(.string($0)) } + path, 0, env, k)
        }
      }
      try evalTerm(head, env) { v, e in try self.indexValue(v, path, 0, e, k) }
    case .call(let name, let args, let loc):
      try evalCall(name, args, loc, env, k)
    case .array(let items):
      try evalList(items, 0, [], env) { vs, e in try k(.array(vs), e) }
    case .set(let items):
      try evalList(items, 0, [], env) { vs, e in try k(.set(Set(vs)), e) }
    case .object(let items):
      try evalObject(items, 0, [:], env) { o, e in try k(.object(o), e) }
    case .arrayComprehension(let head, let body):
      var out: [Value] = []
      try evalBody(body, 0, env) { e in
        try self.evalTerm(head, e) { v, _ in
          out.append(v)
          if out.count > self.limits.maxCollectionSize {
            throw RegoError(
              .limitExceeded, "comprehension larger than \(self.limits.maxCollectionSize)")
          }
        }
      }
      try k(.array(out), env)
    case .setComprehension(let head, let body):
      var out = Set<Value>()
      try evalBody(body, 0, env) { e in
        try self.evalTerm(head, e) { v, _ in
          out.insert(v)
          if out.count > self.limits.maxCollectionSize {
            throw RegoError(
              .limitExceeded, "comprehension larger than \(self.limits.maxCollectionSize)")
          }
        }
      }
      try k(.set(out), env)
    case .objectComprehension(let kt, let vt, let body):
      var out: [Value: Value] = [:]
      try evalBody(body, 0, env) { e in
        try self.evalTerm(kt, e) { key, e2 in
          try self.evalTerm(vt, e2) { v, _ in
            if let old = out[key], old != v {
              throw RegoError(.conflictError, "object keys must be unique")
            }
            out[key] = v
          }
        }
      }
      try k(.object(out), env)
    case .binary(let op, let a, let b):
      switch op {
      case .assign, .unify:
        try unify(a, b, env) { e in try k(.bool(true), e) }
      default:
        try evalTerm(a, env) { va, e1 in
          try self.evalTerm(b, e1) { vb, e2 in
            if let r = try self.binary(op, va, vb) { try k(r, e2) }
          }
        }
      }
    case .negate(let a):
      try evalTerm(a, env) { v, e in
        guard case .number(let n) = v else { return }
        try k(.number(Number(0) - n), e)
      }
    case .membership(let key, let value, let coll):
      try evalTerm(coll, env) { c, e1 in
        if let key {
          try self.evalTerm(key, e1) { kv, e2 in
            try self.evalTerm(value, e2) { vv, e3 in
              var found = false
              switch c {
              case .array(let a):
                if let i = kv.numberValue?.intValue, i >= 0, i < a.count { found = a[i] == vv }
              case .object(let o): found = o[kv] == vv
              case .set(let s): found = kv == vv && s.contains(vv)
              default: break
              }
              try k(.bool(found), e3)
            }
          }
        } else {
          try self.evalTerm(value, e1) { vv, e2 in
            var found = false
            switch c {
            case .array(let a): found = a.contains(vv)
            case .object(let o): found = o.values.contains(vv)
            case .set(let s): found = s.contains(vv)
            default: break
            }
            try k(.bool(found), e2)
          }
        }
      }
    }
  }

  func evalList(
    _ items: [Term], _ i: Int, _ acc: [Value], _ env: Env, _ k: ([Value], Env) throws -> Void
  ) throws {
    if i == items.count { return try k(acc, env) }
    try evalTerm(items[i], env) { v, e in
      var a = acc
      a.append(v)
      try self.evalList(items, i + 1, a, e, k)
    }
  }

  func evalObject(
    _ items: [Term.ObjectItem], _ i: Int, _ acc: [Value: Value], _ env: Env,
    _ k: ([Value: Value], Env) throws -> Void
  ) throws {
    if i == items.count { return try k(acc, env) }
    try evalTerm(items[i].key, env) { key, e in
      try self.evalTerm(items[i].value, e) { v, e2 in
        var a = acc
        a[key] = v
        try self.evalObject(items, i + 1, a, e2, k)
      }
    }
  }

  func binary(_ op: Term.BinaryOp, _ a: Value, _ b: Value) throws -> Value? {
    switch op {
    case .eq: return .bool(a == b)
    case .ne: return .bool(a != b)
    case .lt: return .bool(Value.compare(a, b) < 0)
    case .le: return .bool(Value.compare(a, b) <= 0)
    case .gt: return .bool(Value.compare(a, b) > 0)
    case .ge: return .bool(Value.compare(a, b) >= 0)
    case .plus, .times, .divide, .modulo:
      guard case .number(let x) = a, case .number(let y) = b else {
        return try reportBuiltin(typeError(op.rawValue, "operands must be numbers"))
      }
      switch op {
      case .plus: return .number(x + y)
      case .times: return .number(x * y)
      case .divide:
        if y.doubleValue == 0 { return try reportBuiltin(builtinError("div", "divide by zero")) }
        if let xi = x.intValue, let yi = y.intValue, xi % yi == 0 { return .int(xi / yi) }
        return .double(x.doubleValue / y.doubleValue)
      default:
        guard let xi = x.intValue, let yi = y.intValue else {
          return try reportBuiltin(builtinError("rem", "modulo on floating-point number"))
        }
        if yi == 0 { return try reportBuiltin(builtinError("rem", "modulo by zero")) }
        return .int(xi % yi)
      }
    case .minus:
      if case .number(let x) = a, case .number(let y) = b { return .number(x - y) }
      if case .set(let x) = a, case .set(let y) = b { return .set(x.subtracting(y)) }
      return try reportBuiltin(typeError("minus", "operands must be numbers or sets"))
    case .or:
      guard case .set(let x) = a, case .set(let y) = b else {
        return try reportBuiltin(typeError("or", "operands must be sets"))
      }
      return .set(x.union(y))
    case .and:
      guard case .set(let x) = a, case .set(let y) = b else {
        return try reportBuiltin(typeError("and", "operands must be sets"))
      }
      return .set(x.intersection(y))
    case .assign, .unify: return .bool(true)
    }
  }

  func reportBuiltin(_ e: RegoError) throws -> Value? {
    if strictBuiltinErrors { throw e }
    if builtinErrors.count < 100 { builtinErrors.append(e) }
    return nil
  }

  // MARK: - references

  func lookup(_ v: Value, _ key: Value) -> Value? {
    switch v {
    case .array(let a):
      guard case .number(let n) = key, let i = n.intValue, i >= 0, i < a.count else { return nil }
      return a[i]
    case .object(let o): return o[key]
    case .set(let s): return s.contains(key) ? key : nil
    default: return nil
    }
  }

  func indexValue(
    _ v: Value, _ path: [Term], _ i: Int, _ env: Env, _ k: (Value, Env) throws -> Void
  ) throws {
    if i == path.count { return try k(v, env) }
    let el = path[i]
    if case .variable(let name) = el, isUnboundVar(el, env) {
      let wildcard = name.hasPrefix("_$")
      return try iterate(v) { key, val in
        try self.tick()
        let e = wildcard ? env : env.binding(key, to: name)
        try self.indexValue(val, path, i + 1, e, k)
      }
    }
    if isPattern(el, env) {
      return try iterate(v) { key, val in
        try self.unifyValue(el, key, env) { e in try self.indexValue(val, path, i + 1, e, k) }
      }
    }
    try evalTerm(el, env) { key, e in
      if let next = self.lookup(v, key) { try self.indexValue(next, path, i + 1, e, k) }
    }
  }

  func baseData(at path: [String]) -> Value? {
    var v = program.baseData
    for p in path {
      guard case .object(let o) = v, let n = o[.string(p)] else { return nil }
      v = n
    }
    return v
  }

  func overrideValue(_ prefix: [String]) -> Value? {
    if dataOverrides.isEmpty { return nil }
    for (p, v) in dataOverrides where p.count <= prefix.count && Array(prefix[0..<p.count]) == p {
      var cur: Value? = v
      for s in prefix[p.count...] {
        guard let c = cur else { break }
        cur = lookup(c, .string(s))
      }
      return cur ?? .null
    }
    return nil
  }

  func hasOverride(_ prefix: [String]) -> Bool {
    if dataOverrides.isEmpty { return false }
    return dataOverrides.keys.contains { p in
      p.count <= prefix.count && Array(prefix[0..<p.count]) == p
    }
  }

  /// Next path segments of `with data.…` overrides that lie below `prefix`.
  func overrideKeysBelow(_ prefix: [String]) -> Set<String> {
    if dataOverrides.isEmpty { return [] }
    var out = Set<String>()
    for p in dataOverrides.keys where p.count > prefix.count && Array(p[0..<prefix.count]) == prefix
    {
      out.insert(p[prefix.count])
    }
    return out
  }

  func walkData(
    _ prefix: [String], _ path: [Term], _ i: Int, _ env: Env, _ k: (Value, Env) throws -> Void
  ) throws {
    if hasOverride(prefix) {
      guard let v = overrideValue(prefix) else { return }
      return try indexValue(v, path, i, env, k)
    }
    if program.rules[prefix] != nil {
      guard let v = try ruleValue(prefix) else { return }
      return try indexValue(v, path, i, env, k)
    }
    let below = overrideKeysBelow(prefix)
    guard let kids = program.children[prefix] ?? (below.isEmpty ? nil : below) else {
      guard let v = baseData(at: prefix) else { return }
      return try indexValue(v, path, i, env, k)
    }
    if i == path.count {
      guard let v = try dataValue(prefix) else { return }
      return try k(v, env)
    }
    let el = path[i]
    if case .variable(let name) = el, isUnboundVar(el, env) {
      var keys = kids.union(below)
      if case .object(let o)? = baseData(at: prefix) {
        for key in o.keys { if case .string(let s) = key { keys.insert(s) } }
      }
      for key in keys.sorted() {
        let e = name.hasPrefix("_$") ? env : env.binding(.string(key), to: name)
        try walkData(prefix + [key], path, i + 1, e, k)
      }
      return
    }
    try evalTerm(el, env) { key, e in
      guard case .string(let s) = key else { return }
      try self.walkData(prefix + [s], path, i + 1, e, k)
    }
  }

  /// The full document at a data path: base data merged with rule values below it.
  func dataValue(_ path: [String]) throws -> Value? {
    if hasOverride(path) { return overrideValue(path) }
    if program.rules[path] != nil { return try ruleValue(path) }
    let below = overrideKeysBelow(path)
    guard let kids = program.children[path] ?? (below.isEmpty ? nil : below) else {
      return baseData(at: path)
    }
    var obj = baseData(at: path)?.objectValue ?? [:]
    for kid in kids.union(below).sorted() {
      if let defs = program.rules[path + [kid]], case .function = defs[0].rule.kind { continue }
      if let v = try dataValue(path + [kid]) { obj[.string(kid)] = v }
    }
    return .object(obj)
  }

  // MARK: - rules

  func ruleValue(_ path: [String]) throws -> Value? {
    if let cached = ruleCache[path] { return cached }
    guard let defs = program.rules[path] else { return nil }
    if case .function = defs[0].rule.kind { return nil }
    if inProgress.contains(path) {
      throw RegoError(
        .compileError, "rule data.\(path.joined(separator: ".")) is recursive",
        at: defs[0].rule.location)
    }
    callDepth += 1
    defer { callDepth -= 1 }
    if callDepth > limits.maxCallDepth {
      throw RegoError(.limitExceeded, "evaluation deeper than \(limits.maxCallDepth) calls")
    }
    inProgress.insert(path)
    defer { inProgress.remove(path) }
    let v = try computeRule(path, defs)
    ruleCache[path] = v
    return v
  }

  func computeRule(_ path: [String], _ defs: [RuleDefinition]) throws -> Value? {
    switch defs[0].rule.kind {
    case .partialSet:
      var out = Set<Value>()
      for d in defs {
        guard case .partialSet(let key) = d.rule.kind else { continue }
        try evalBody(d.rule.body, 0, Env(scope: d.scope)) { e in
          try self.evalTerm(key, e) { v, _ in
            out.insert(v)
            if out.count > self.limits.maxCollectionSize {
              throw RegoError(
                .limitExceeded, "rule set larger than \(self.limits.maxCollectionSize)")
            }
          }
        }
      }
      return .set(out)
    case .partialObject:
      var out: [Value: Value] = [:]
      for d in defs {
        guard case .partialObject(let key, let value) = d.rule.kind else { continue }
        try evalBody(d.rule.body, 0, Env(scope: d.scope)) { e in
          try self.evalTerm(key, e) { kv, e2 in
            try self.evalTerm(value, e2) { vv, _ in
              if let old = out[kv], old != vv {
                throw RegoError(
                  .conflictError, "object keys must be unique", at: d.rule.location)
              }
              out[kv] = vv
            }
          }
        }
      }
      return .object(out)
    case .complete:
      var result: Value? = nil
      var defaultRule: RuleDefinition? = nil
      for d in defs {
        if d.rule.isDefault {
          defaultRule = d
          continue
        }
        guard case .complete(let valueTerm) = d.rule.kind else { continue }
        let clauses = [Rule.ElseClause(value: valueTerm, body: d.rule.body)] + d.rule.elses
        let v = try evalClauses(clauses, Env(scope: d.scope), d.rule.location)
        if let v {
          if let r = result, r != v {
            throw RegoError(
              .conflictError, "complete rules must not produce multiple outputs",
              at: d.rule.location)
          }
          result = v
        }
      }
      if result == nil, let d = defaultRule, case .complete(let t) = d.rule.kind {
        try withStop { stop in
          try evalTerm(t, Env(scope: d.scope)) { v, _ in
            result = v
            throw stop
          }
        }
      }
      return result
    case .function:
      return nil
    }
  }

  /// Evaluates `body [else …]` clauses: the first clause with a solution gives the value.
  func evalClauses(_ clauses: [Rule.ElseClause], _ env: Env, _ loc: SourceLocation) throws
    -> Value?
  {
    for c in clauses {
      var result: Value? = nil
      let constant: Bool = {
        if case .scalar = c.value { return true }
        return false
      }()
      try withStop { stop in
        try evalBody(c.body, 0, env) { e in
          try self.evalTerm(c.value, e) { v, _ in
            if let r = result, r != v {
              throw RegoError(
                .conflictError, "complete rules must not produce multiple outputs", at: loc)
            }
            result = v
            if constant { throw stop }
          }
        }
      }
      if let result { return result }
    }
    return nil
  }

  // MARK: - calls

  func evalCall(
    _ name: [String], _ args: [Term], _ loc: SourceLocation, _ env: Env,
    _ k: (Value, Env) throws -> Void
  ) throws {
    let joined = name.joined(separator: ".")
    if joined == "print" {
      var parts: [String] = []
      for a in args {
        var texts: [String] = []
        try evalTerm(a, env) { v, _ in texts.append(Self.printText(v)) }
        parts.append(texts.isEmpty ? "<undefined>" : texts.joined(separator: " "))
      }
      context.output.append(parts.joined(separator: " "))
      return try k(.bool(true), env)
    }
    if joined == "walk" {
      guard args.count >= 1 else { return }
      return try evalTerm(args[0], env) { root, e in
        var pairs: [Value] = []
        Self.walk(root, [], into: &pairs)
        for p in pairs {
          try self.tick()
          if args.count == 2 {
            try self.unifyValue(args[1], p, e) { e2 in try k(.bool(true), e2) }
          } else {
            try k(p, e)
          }
        }
      }
    }
    guard let target = resolveCallTarget(name, env) else {
      throw Program.unresolvedCall(name, builtins: program.builtins, at: loc)
    }
    // Old-style output argument (`count(xs, n)`): evaluate only the inputs.
    var arity: Int? = nil
    switch target {
    case .user(let path): arity = functionArity(path)
    case .builtin(let b): arity = program.builtins.entry(b)?.arity
    }
    let inputs = arity.map { args.count == $0 + 1 ? Array(args.dropLast()) : args } ?? args
    try evalList(inputs, 0, [], env) { vals0, e in
      let vals = inputs.count < args.count ? vals0 + [.null] : vals0
      switch target {
      case .user(let path):
        let key = "data." + path.joined(separator: ".")
        let (params, out) = self.splitOutput(vals, arity: self.functionArity(path))
        if let (t, scope) = self.functionOverrides[key] {
          if let r = try self.callReplacement(t, scope, params, loc) {
            try self.emit(r, out, args, e, k)
          }
          return
        }
        if let r = try self.callUser(path, params, loc) { try self.emit(r, out, args, e, k) }
      case .builtin(let b):
        let entry = self.program.builtins.entry(b)
        let (params, out) = self.splitOutput(vals, arity: entry?.arity)
        if let (t, scope) = self.functionOverrides[b] {
          if let r = try self.callReplacement(t, scope, params, loc) {
            try self.emit(r, out, args, e, k)
          }
          return
        }
        guard let entry else { return }
        let r: Value?
        do {
          r = try entry.function(params, self.context)
        } catch let err as RegoError where err.code != .limitExceeded {
          var err2 = err
          if err2.location == nil { err2.location = loc }
          r = try self.reportBuiltin(err2)
        }
        if let r { try self.emit(r, out, args, e, k) }
      }
    }
  }

  /// Old-style output argument: `count(xs, n)` binds `n`.
  func splitOutput(_ vals: [Value], arity: Int?) -> ([Value], Bool) {
    if let arity, vals.count == arity + 1 { return (Array(vals.dropLast()), true) }
    return (vals, false)
  }

  func emit(
    _ r: Value, _ hasOutput: Bool, _ args: [Term], _ env: Env, _ k: (Value, Env) throws -> Void
  ) throws {
    if hasOutput, let last = args.last {
      return try unifyValue(last, r, env) { e in try k(.bool(true), e) }
    }
    try k(r, env)
  }

  func functionArity(_ path: [String]) -> Int? {
    guard let defs = program.rules[path], case .function(let a, _) = defs[0].rule.kind else {
      return nil
    }
    return a.count
  }

  func resolveCallTarget(_ name: [String], _ env: Env) -> Program.FunctionTarget? {
    return program.resolveFunction(name, scope: env.scope)
  }

  /// A `with f as g` replacement: a function name is called, anything else is the value.
  func callReplacement(_ t: Term, _ scope: Scope, _ args: [Value], _ loc: SourceLocation) throws
    -> Value?
  {
    if let name = t.dottedName, let target = program.resolveFunction(name, scope: scope) {
      switch target {
      case .user(let p):
        if functionArity(p) != nil { return try callUser(p, args, loc) }
      case .builtin(let b):
        guard let entry = program.builtins.entry(b) else { return nil }
        return try? entry.function(args, context)
      }
    }
    var out: Value? = nil
    try withStop { stop in
      try evalTerm(t, Env(scope: scope)) { v, _ in
        out = v
        throw stop
      }
    }
    return out
  }

  func callUser(_ path: [String], _ args: [Value], _ loc: SourceLocation) throws -> Value? {
    let key = FunctionKey(path: path, args: args)
    if let c = functionCache[key] { return c }
    guard let defs = program.rules[path] else { return nil }
    callDepth += 1
    defer { callDepth -= 1 }
    if callDepth > limits.maxCallDepth {
      throw RegoError(
        .limitExceeded, "evaluation deeper than \(limits.maxCallDepth) calls", at: loc)
    }
    var result: Value? = nil
    var defaultValue: (Term, Scope)? = nil
    for d in defs {
      guard case .function(let params, let valueTerm) = d.rule.kind, params.count == args.count
      else { continue }
      if d.rule.isDefault {
        defaultValue = (valueTerm, d.scope)
        continue
      }
      let clauses = [Rule.ElseClause(value: valueTerm, body: d.rule.body)] + d.rule.elses
      var fresh = Set<String>()
      for p in params { patternVars(p, into: &fresh) }
      let env0 = Env(scope: d.scope).declaring(fresh)
      try unifyArray(params, args, 0, env0) { env in
        if let v = try self.evalClauses(clauses, env, d.rule.location) {
          if let r = result, r != v {
            throw RegoError(
              .conflictError, "functions must not produce multiple outputs for same inputs",
              at: d.rule.location)
          }
          result = v
        }
      }
    }
    if result == nil, let (t, scope) = defaultValue {
      try withStop { stop in
        try evalTerm(t, Env(scope: scope)) { v, _ in
          result = v
          throw stop
        }
      }
    }
    functionCache[key] = result
    return result
  }

  // MARK: - helpers

  static func walk(_ v: Value, _ path: [Value], into out: inout [Value]) {
    out.append(.array([.array(path), v]))
    switch v {
    case .array(let a):
      for (i, e) in a.enumerated() { walk(e, path + [.int(i)], into: &out) }
    case .object(let o):
      for key in o.keys.sorted() { walk(o[key] ?? .null, path + [key], into: &out) }
    case .set(let s):
      for e in s.sorted() { walk(e, path + [e], into: &out) }
    default: break
    }
  }

  static func printText(_ v: Value) -> String {
    if case .string(let s) = v { return s }
    return Formatting.regoText(v)
  }
}
