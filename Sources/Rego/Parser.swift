/// Recursive-descent parser for Rego v1 (and v0 with `v0Compatible`).
///
/// Every error carries the file, line and column of the offending token.
public struct Parser {
  public struct Options: Sendable, Hashable {
    /// Accept OPA v0 syntax: rule bodies without `if`, `p[x] { … }` partial sets.
    public var v0Compatible: Bool
    /// Maximum nesting of terms and bodies (hostile sources).
    public var maxDepth: Int
    public init(v0Compatible: Bool = false, maxDepth: Int = 200) {
      self.v0Compatible = v0Compatible
      self.maxDepth = maxDepth
    }
  }

  let file: String
  let options: Options
  var tokens: [Token]
  var pos = 0
  /// >0 inside brackets/parens, where line breaks do not end a literal.
  var nesting = 0
  var depth = 0
  var wildcardCounter = 0

  init(tokens: [Token], file: String, options: Options) {
    self.tokens = tokens
    self.file = file
    self.options = options
  }

  /// Parses one module.
  public static func parseModule(
    _ source: String, file: String, options: Options = Options()
  ) throws -> Module {
    var lexer = Lexer(source: source, file: file)
    var p = Parser(tokens: try lexer.tokenize(), file: file, options: options)
    return try p.module()
  }

  /// Parses a query (a body: literals separated by `;` or newlines).
  public static func parseQuery(
    _ source: String, file: String = "<query>", options: Options = Options()
  ) throws -> [Literal] {
    var lexer = Lexer(source: source, file: file)
    var p = Parser(tokens: try lexer.tokenize(), file: file, options: options)
    let body = try p.bodyLiterals(terminator: nil)
    guard p.cur.kind == .eof else { throw p.error("unexpected \(p.describe(p.cur))") }
    return body
  }

  /// Parses a single term (e.g. the value of a `with` given on the command line).
  public static func parseTerm(_ source: String, file: String = "<term>") throws -> Term {
    var lexer = Lexer(source: source, file: file)
    var p = Parser(tokens: try lexer.tokenize(), file: file, options: Options())
    let t = try p.expr()
    guard p.cur.kind == .eof else { throw p.error("unexpected \(p.describe(p.cur))") }
    return t
  }

  // MARK: - token helpers

  var cur: Token { tokens[pos] }
  var next: Token { tokens[min(pos + 1, tokens.count - 1)] }
  var loc: SourceLocation { SourceLocation(file: file, row: cur.row, col: cur.col) }

  func error(_ m: String, at t: Token? = nil) -> RegoError {
    let t = t ?? cur
    return RegoError(.parseError, m, at: SourceLocation(file: file, row: t.row, col: t.col))
  }

  func describe(_ t: Token) -> String {
    switch t.kind {
    case .eof: return "end of file"
    case .string: return "string"
    default: return "token '\(t.text)'"
    }
  }

  func isPunct(_ s: String) -> Bool { cur.kind == .punct && cur.text == s }
  func isIdent(_ s: String) -> Bool { cur.kind == .ident && cur.text == s }

  /// A line break ends the current literal unless we are inside brackets.
  var atLineBreak: Bool { nesting == 0 && cur.newlineBefore }

  mutating func advance() {
    if pos < tokens.count - 1 { pos += 1 }
  }

  mutating func expectPunct(_ s: String) throws {
    guard isPunct(s) else { throw error("expected '\(s)' but found \(describe(cur))") }
    advance()
  }

  mutating func expectIdent() throws -> String {
    guard cur.kind == .ident else { throw error("expected identifier but found \(describe(cur))") }
    let s = cur.text
    advance()
    return s
  }

  mutating func enter() throws {
    depth += 1
    if depth > options.maxDepth { throw error("nesting deeper than \(options.maxDepth)") }
  }

  static let keywords: Set<String> = [
    "not", "some", "every", "with", "as", "default", "else", "import", "package", "if", "contains",
    "in",
  ]

  // MARK: - module

  mutating func module() throws -> Module {
    guard isIdent("package") else { throw error("expected 'package' but found \(describe(cur))") }
    advance()
    let pkg = try dottedPath()
    var imports: [Import] = []
    var rules: [Rule] = []
    while isIdent("import") {
      let t = cur
      advance()
      let path = try dottedPath()
      var alias = path.last ?? ""
      if isIdent("as") {
        advance()
        alias = try expectIdent()
      }
      guard let root = path.first, ["data", "input", "future", "rego"].contains(root) else {
        throw error("invalid import path (must begin with data, input, future or rego)", at: t)
      }
      if root == "future" {
        guard path.count >= 2, path[1] == "keywords" else {
          throw error("invalid future import", at: t)
        }
        continue
      }
      if root == "rego" {
        guard path == ["rego", "v1"] else { throw error("invalid rego import", at: t) }
        continue
      }
      imports.append(Import(path: path, alias: alias))
    }
    while cur.kind != .eof {
      if isIdent("import") { throw error("imports must come before rules") }
      if isIdent("package") { throw error("unexpected 'package' (one package per file)") }
      rules.append(contentsOf: try rule())
    }
    return Module(file: file, package: pkg, imports: imports, rules: rules)
  }

  /// `a.b["c"].d` as plain strings (package and import paths).
  mutating func dottedPath() throws -> [String] {
    var out = [try expectIdent()]
    while !cur.newlineBefore {
      if isPunct(".") {
        advance()
        out.append(try expectIdent())
      } else if isPunct("[") {
        advance()
        guard cur.kind == .string else { throw error("expected string in path") }
        out.append(cur.text)
        advance()
        try expectPunct("]")
      } else {
        break
      }
    }
    return out
  }

  // MARK: - rules

  mutating func rule() throws -> [Rule] {
    let start = loc
    var isDefault = false
    if isIdent("default") {
      isDefault = true
      advance()
    }
    guard cur.kind == .ident, !Parser.keywords.contains(cur.text) else {
      throw error("expected rule name but found \(describe(cur))")
    }
    var path = [cur.text]
    advance()
    var key: Term? = nil
    var args: [Term]? = nil
    // ref head: .a, ["a"], [x]
    while !cur.newlineBefore, isPunct(".") || isPunct("[") {
      if key != nil { throw error("rule head key must be the last element") }
      if isPunct(".") {
        advance()
        path.append(try expectIdent())
      } else {
        advance()
        nesting += 1
        let t = try expr()
        nesting -= 1
        try expectPunct("]")
        if case .scalar(.string(let s)) = t, isPunct(".") || isPunct("[") {
          path.append(s)
        } else {
          key = t
        }
      }
    }
    if isPunct("(") && !cur.newlineBefore {
      advance()
      nesting += 1
      var a: [Term] = []
      if !isPunct(")") {
        while true {
          a.append(try expr())
          if isPunct(",") {
            advance()
            continue
          }
          break
        }
      }
      nesting -= 1
      try expectPunct(")")
      args = a
    }
    var contains: Term? = nil
    if isIdent("contains") {
      advance()
      contains = try expr()
    }
    var value: Term? = nil
    if isPunct(":=") || isPunct("=") {
      advance()
      value = try exprNoAssign()
    }
    if isDefault {
      guard let value, key == nil, contains == nil else {
        throw error("default rules must have the form 'default name := value'", at: nil)
      }
      try checkGround(value)
      let kind: Rule.Kind = args.map { .function($0, value) } ?? .complete(value)
      return [
        Rule(path: path, kind: kind, isDefault: true, body: [], elses: [], location: start)
      ]
    }
    // body
    let bodyToken = cur
    let (body, usedIf) = try ruleBody()
    if !options.v0Compatible, !body.isEmpty, !usedIf {
      throw error("`if` keyword is required before rule body", at: bodyToken)
    }
    let kind: Rule.Kind
    if let args {
      kind = .function(args, value ?? .scalar(.bool(true)))
    } else if let contains {
      kind = .partialSet(contains)
    } else if let key {
      if let value {
        kind = .partialObject(key, value)
      } else if usedIf || !options.v0Compatible {
        kind = .partialObject(key, .scalar(.bool(true)))
      } else {
        kind = .partialSet(key)
      }
    } else {
      kind = .complete(value ?? .scalar(.bool(true)))
    }
    var elses: [Rule.ElseClause] = []
    while isIdent("else") {
      advance()
      var v: Term = .scalar(.bool(true))
      if isPunct(":=") || isPunct("=") {
        advance()
        v = try exprNoAssign()
      }
      let (b, _) = try ruleBody()
      elses.append(Rule.ElseClause(value: v, body: b))
    }
    var rules = [
      Rule(path: path, kind: kind, isDefault: false, body: body, elses: elses, location: start)
    ]
    // v0: additional bodies `p { a } { b }` define the same rule again.
    while options.v0Compatible, isPunct("{"), !usedIf {
      let (b, _) = try ruleBody()
      rules.append(
        Rule(path: path, kind: kind, isDefault: false, body: b, elses: [], location: start))
    }
    return rules
  }

  func checkGround(_ t: Term) throws {
    switch t {
    case .variable(let v) where v != "_":
      throw error("default rule value cannot contain variable \(v)")
    default: return
    }
  }

  /// `if { … }`, `if literal`, `{ … }` or nothing. Returns (body, used `if`).
  mutating func ruleBody() throws -> ([Literal], Bool) {
    if isIdent("if") {
      advance()
      if isPunct("{") {
        return (try block(), true)
      }
      let saved = nesting
      nesting = 0
      defer { nesting = saved }
      return ([try literal()], true)
    }
    if isPunct("{") && !(cur.newlineBefore && false) {
      return (try block(), false)
    }
    return ([], false)
  }

  mutating func block() throws -> [Literal] {
    try expectPunct("{")
    try enter()
    defer { depth -= 1 }
    let saved = nesting
    nesting = 0
    let b = try bodyLiterals(terminator: "}")
    nesting = saved
    try expectPunct("}")
    if b.isEmpty { throw error("rule body must not be empty") }
    return b
  }

  /// Literals separated by `;` or line breaks, up to `terminator` (or EOF).
  mutating func bodyLiterals(terminator: String?) throws -> [Literal] {
    var out: [Literal] = []
    while true {
      if let terminator, isPunct(terminator) { break }
      if cur.kind == .eof { break }
      out.append(try literal())
      if isPunct(";") {
        advance()
        continue
      }
      if let terminator, isPunct(terminator) { break }
      if cur.kind == .eof { break }
      if !cur.newlineBefore {
        throw error("unexpected \(describe(cur)), expected end of expression")
      }
    }
    return out
  }

  mutating func literal() throws -> Literal {
    let l = loc
    if isIdent("some") {
      advance()
      var terms: [Term] = [try exprNoIn()]
      while isPunct(",") {
        advance()
        terms.append(try exprNoIn())
      }
      if isIdent("in") {
        advance()
        let coll = try exprNoAssign()
        guard terms.count <= 2 else { throw error("too many variables in 'some … in'") }
        let k = terms.count == 2 ? terms[0] : nil
        return Literal(
          kind: .someIn(k, terms[terms.count - 1], coll), negated: false, withs: try withs(),
          location: l)
      }
      var names: [String] = []
      for t in terms {
        guard let v = t.varName else { throw error("expected variable after 'some'", at: nil) }
        names.append(v)
      }
      return Literal(kind: .some(names), negated: false, withs: [], location: l)
    }
    if isIdent("every") {
      advance()
      var names = [try expectIdent()]
      if isPunct(",") {
        advance()
        names.append(try expectIdent())
      }
      guard isIdent("in") else { throw error("expected 'in' in every") }
      advance()
      let coll = try exprNoAssign()
      let body = try block()
      let k = names.count == 2 ? names[0] : nil
      return Literal(
        kind: .every(k, names[names.count - 1], coll, body), negated: false, withs: try withs(),
        location: l)
    }
    var negated = false
    if isIdent("not") {
      advance()
      negated = true
    }
    var e = try expr()
    // `k, v in xs` as a literal
    if isPunct(","), nesting == 0 {
      advance()
      let v = try exprNoIn()
      guard isIdent("in") else { throw error("expected 'in'") }
      advance()
      let coll = try exprBelowIn()
      e = .membership(e, v, coll)
    }
    return Literal(kind: .expr(e), negated: negated, withs: try withs(), location: l)
  }

  mutating func withs() throws -> [Literal.With] {
    var out: [Literal.With] = []
    while isIdent("with") {
      advance()
      let target = try dottedPath()
      guard isIdent("as") else { throw error("expected 'as' in with modifier") }
      advance()
      let v = try exprNoAssign()
      out.append(Literal.With(target: target, value: v))
    }
    return out
  }

  // MARK: - expressions (lowest to highest precedence)

  mutating func expr() throws -> Term {
    try enter()
    defer { depth -= 1 }
    let lhs = try exprNoAssign()
    if !atLineBreak, isPunct(":=") || isPunct("=") {
      let op: Term.BinaryOp = cur.text == ":=" ? .assign : .unify
      advance()
      let rhs = try exprNoAssign()
      return .binary(op, lhs, rhs)
    }
    return lhs
  }

  mutating func exprNoAssign() throws -> Term {
    var lhs = try exprBelowIn()
    while !atLineBreak, isIdent("in") {
      advance()
      let rhs = try exprBelowIn()
      lhs = .membership(nil, lhs, rhs)
    }
    return lhs
  }

  /// Operand of `some x in` (no `in`, no assignment).
  mutating func exprNoIn() throws -> Term { try exprBelowIn() }

  mutating func exprBelowIn() throws -> Term {
    var lhs = try exprAnd()
    while !atLineBreak, isPunct("|") {
      advance()
      lhs = .binary(.or, lhs, try exprAnd())
    }
    return lhs
  }

  mutating func exprAnd() throws -> Term {
    var lhs = try exprCompare()
    while !atLineBreak, isPunct("&") {
      advance()
      lhs = .binary(.and, lhs, try exprCompare())
    }
    return lhs
  }

  mutating func exprCompare() throws -> Term {
    var lhs = try exprAdd()
    while !atLineBreak, cur.kind == .punct,
      let op = Term.BinaryOp(rawValue: cur.text), [.eq, .ne, .lt, .le, .gt, .ge].contains(op)
    {
      advance()
      lhs = .binary(op, lhs, try exprAdd())
    }
    return lhs
  }

  mutating func exprAdd() throws -> Term {
    var lhs = try exprMul()
    while !atLineBreak, isPunct("+") || isPunct("-") {
      let op: Term.BinaryOp = cur.text == "+" ? .plus : .minus
      advance()
      lhs = .binary(op, lhs, try exprMul())
    }
    return lhs
  }

  mutating func exprMul() throws -> Term {
    var lhs = try unary()
    while !atLineBreak, isPunct("*") || isPunct("/") || isPunct("%") {
      let op: Term.BinaryOp = cur.text == "*" ? .times : (cur.text == "/" ? .divide : .modulo)
      advance()
      lhs = .binary(op, lhs, try unary())
    }
    return lhs
  }

  mutating func unary() throws -> Term {
    if isPunct("-") {
      advance()
      let t = try unary()
      if case .scalar(.number(let n)) = t { return .scalar(.number(Number(0) - n)) }
      return .negate(t)
    }
    return try postfix()
  }

  mutating func postfix() throws -> Term {
    try enter()
    defer { depth -= 1 }
    let startTok = cur
    var t = try primary()
    while !cur.newlineBefore || nesting > 0 {
      if isPunct(".") {
        advance()
        let name = try expectIdent()
        t = appendRef(t, .scalar(.string(name)))
      } else if isPunct("[") {
        advance()
        nesting += 1
        let idx = try expr()
        nesting -= 1
        try expectPunct("]")
        t = appendRef(t, idx)
      } else if isPunct("(") {
        guard let name = t.dottedName else { throw error("invalid call target") }
        advance()
        nesting += 1
        var args: [Term] = []
        if !isPunct(")") {
          while true {
            args.append(try expr())
            if isPunct(",") {
              advance()
              if isPunct(")") { break }
              continue
            }
            break
          }
        }
        nesting -= 1
        try expectPunct(")")
        if name == ["set"], args.isEmpty {
          t = .set([])
        } else {
          t = .call(name, args, SourceLocation(file: file, row: startTok.row, col: startTok.col))
        }
      } else {
        break
      }
    }
    return t
  }

  func appendRef(_ t: Term, _ el: Term) -> Term {
    if case .ref(let h, var p) = t {
      p.append(el)
      return .ref(h, p)
    }
    return .ref(t, [el])
  }

  mutating func primary() throws -> Term {
    let t = cur
    switch t.kind {
    case .eof: throw error("unexpected end of file")
    case .string:
      advance()
      return .scalar(.string(t.text))
    case .number:
      advance()
      guard let n = Number(parsing: t.text) else { throw error("invalid number", at: t) }
      return .scalar(.number(n))
    case .ident:
      switch t.text {
      case "true":
        advance()
        return .scalar(.bool(true))
      case "false":
        advance()
        return .scalar(.bool(false))
      case "null":
        advance()
        return .scalar(.null)
      default:
        if Parser.keywords.contains(t.text) && !(t.text == "contains" && next.text == "(") {
          throw error("unexpected keyword '\(t.text)'", at: t)
        }
        advance()
        if t.text == "_" {
          wildcardCounter += 1
          return .variable("_$\(wildcardCounter)")
        }
        return .variable(t.text)
      }
    case .punct:
      switch t.text {
      case "(":
        advance()
        nesting += 1
        let e = try expr()
        nesting -= 1
        try expectPunct(")")
        return e
      case "[":
        advance()
        return try arrayTerm()
      case "{":
        advance()
        return try braceTerm()
      default:
        throw error("unexpected \(describe(t))", at: t)
      }
    }
  }

  /// After `[`: array literal or array comprehension.
  mutating func arrayTerm() throws -> Term {
    nesting += 1
    if isPunct("]") {
      nesting -= 1
      advance()
      return .array([])
    }
    let first = try exprBelowInNoOr()
    if isPunct("|") {
      advance()
      let body = try comprehensionBody(close: "]")
      nesting -= 1
      return .arrayComprehension(first, body)
    }
    var items = [try continueExpr(first)]
    while isPunct(",") {
      advance()
      if isPunct("]") { break }
      items.append(try expr())
    }
    nesting -= 1
    try expectPunct("]")
    return .array(items)
  }

  /// After `{`: object, set, or their comprehensions.
  mutating func braceTerm() throws -> Term {
    nesting += 1
    if isPunct("}") {
      nesting -= 1
      advance()
      return .object([])
    }
    let first = try exprBelowInNoOr()
    if isPunct(":") {
      advance()
      let v = try exprBelowInNoOr()
      if isPunct("|") {
        advance()
        let body = try comprehensionBody(close: "}")
        nesting -= 1
        return .objectComprehension(first, v, body)
      }
      var items = [Term.ObjectItem(key: first, value: try continueExpr(v))]
      while isPunct(",") {
        advance()
        if isPunct("}") { break }
        let k = try exprNoAssign()
        try expectPunct(":")
        items.append(Term.ObjectItem(key: k, value: try expr()))
      }
      nesting -= 1
      try expectPunct("}")
      return .object(items)
    }
    if isPunct("|") {
      advance()
      let body = try comprehensionBody(close: "}")
      nesting -= 1
      return .setComprehension(first, body)
    }
    var items = [try continueExpr(first)]
    while isPunct(",") {
      advance()
      if isPunct("}") { break }
      items.append(try expr())
    }
    nesting -= 1
    try expectPunct("}")
    return .set(items)
  }

  /// Comprehension heads stop before `|`; `&` and lower binaries still apply.
  mutating func exprBelowInNoOr() throws -> Term { try exprAnd() }

  /// Finishes an element whose head was parsed without `|`/`in`/assignment.
  mutating func continueExpr(_ first: Term) throws -> Term {
    var lhs = first
    while isPunct("|") {
      advance()
      lhs = .binary(.or, lhs, try exprAnd())
    }
    while isIdent("in") {
      advance()
      lhs = .membership(nil, lhs, try exprBelowIn())
    }
    if isPunct(":=") || isPunct("=") {
      let op: Term.BinaryOp = cur.text == ":=" ? .assign : .unify
      advance()
      lhs = .binary(op, lhs, try exprNoAssign())
    }
    return lhs
  }

  mutating func comprehensionBody(close: String) throws -> [Literal] {
    try enter()
    defer { depth -= 1 }
    let saved = nesting
    nesting = 0
    let b = try bodyLiterals(terminator: close)
    nesting = saved
    try expectPunct(close)
    if b.isEmpty { throw error("comprehension body must not be empty") }
    return b
  }
}
