import ByteFormats
import Foundation

/// The public entry point: load policies and data, then evaluate queries or run
/// `test_*` rules. A value type; `compile()` freezes it into a `Program`.
public struct Engine: Sendable {
  public struct Options: Sendable {
    public var parser: Parser.Options
    public var limits: Limits
    public var builtins: Builtins
    /// Make builtin errors fail the query instead of making the expression undefined.
    public var strictBuiltinErrors: Bool
    public init(
      v0Compatible: Bool = false, limits: Limits = Limits(), builtins: Builtins = Builtins(),
      strictBuiltinErrors: Bool = false
    ) {
      self.parser = Parser.Options(v0Compatible: v0Compatible)
      self.limits = limits
      self.builtins = builtins
      self.strictBuiltinErrors = strictBuiltinErrors
    }
  }

  public var options: Options
  public private(set) var modules: [Module] = []
  public private(set) var data: Value = .emptyObject

  public init(options: Options = Options()) { self.options = options }

  /// Parses and adds one module.
  public mutating func addModule(_ source: String, file: String) throws {
    modules.append(try Parser.parseModule(source, file: file, options: options.parser))
  }

  /// Merges a base document into `data` at `path`. Objects merge key by key;
  /// any other overlap is an error, as in OPA.
  public mutating func addData(_ value: Value, at path: [String] = []) throws {
    var v = value
    for p in path.reversed() { v = .object([.string(p): v]) }
    data = try Engine.merge(data, v, path: [])
  }

  static func merge(_ a: Value, _ b: Value, path: [String]) throws -> Value {
    guard case .object(var x) = a, case .object(let y) = b else {
      throw RegoError(
        .dataError, "data merge conflict at data.\(path.joined(separator: "."))")
    }
    for (k, v) in y {
      if let old = x[k] {
        x[k] = try merge(old, v, path: path + [Formatting.plainText(k)])
      } else {
        x[k] = v
      }
    }
    return .object(x)
  }

  /// Loads `.rego`, `.json`, `.yaml`/`.yml` files from files or directories (like
  /// `opa -d`). Data files are placed at the path of their directory relative to the
  /// root given (`a/b/data.json` → `data.a.b`); a file given directly goes at the root.
  /// `regoOnly` loads only `.rego` files and `data.json`/`data.yaml` from directories
  /// (`policy test` uses it: check directories often hold example YAML that is not
  /// meant as `data`).
  /// The largest policy or data file `load` reads (OPA has no limit; a bundle's data file of a
  /// few MiB is common, a 50 GiB file passed by mistake must not exhaust memory).
  public static let maxFileBytes = 256 << 20

  public mutating func load(paths: [String], regoOnly: Bool = false) throws {
    let fm = FileManager.default
    for root in paths {
      var isDir: ObjCBool = false
      guard fm.fileExists(atPath: root, isDirectory: &isDir) else {
        throw RegoError(.dataError, "no such file or directory: \(root)")
      }
      if !isDir.boolValue {
        try loadFile(root, dataPath: [])
        continue
      }
      guard let en = fm.enumerator(atPath: root) else { continue }
      var files: [String] = []
      while let rel = en.nextObject() as? String {
        var d: ObjCBool = false
        if fm.fileExists(atPath: root + "/" + rel, isDirectory: &d), !d.boolValue {
          files.append(rel)
        }
      }
      for rel in files.sorted() {
        let comps = rel.split(separator: "/").map(String.init)
        if comps.contains(where: { $0.hasPrefix(".") }) { continue }
        if regoOnly, !rel.lowercased().hasSuffix(".rego"),
          !["data.json", "data.yaml", "data.yml"].contains(comps.last?.lowercased() ?? "")
        {
          continue
        }
        try loadFile(root + "/" + rel, dataPath: Array(comps.dropLast()))
      }
    }
  }

  mutating func loadFile(_ path: String, dataPath: [String]) throws {
    let lower = path.lowercased()
    let isRego = lower.hasSuffix(".rego")
    let isJSON = lower.hasSuffix(".json")
    let isYAML = lower.hasSuffix(".yaml") || lower.hasSuffix(".yml")
    guard isRego || isJSON || isYAML else { return }
    let bytes: [UInt8]
    do throws(ByteFormatError) {
      bytes = try BoundedFile.read(path: path, limit: Self.maxFileBytes)
    } catch {
      throw RegoError(.dataError, error.description)
    }
    guard let text = String(bytes: bytes, encoding: .utf8) else {
      throw RegoError(.dataError, "\(path) is not UTF-8")
    }
    if isRego {
      try addModule(text, file: path)
    } else if isJSON {
      try addData(try JSONCodec.decode(text, file: path), at: dataPath)
    } else {
      let v = try YAMLCodec.decode(text, file: path)
      if v == .null { return }
      try addData(v, at: dataPath)
    }
  }

  public func compile() throws -> Program {
    try Program(modules: modules, data: data, builtins: options.builtins)
  }

  /// Evaluates a query against a compiled program.
  public static func evaluate(
    query: String, program: Program, input: Value?, options: Options = Options()
  ) throws -> QueryResult {
    let body = try Parser.parseQuery(query, options: options.parser)
    return try evaluate(
      body: body, text: query, program: program, input: input, options: options)
  }

  public static func evaluate(
    body: [Literal], text: String, program: Program, input: Value?, options: Options
  ) throws -> QueryResult {
    try program.checkQuery(body)
    return try LargeStack.run {
      let ctx = BuiltinContext(
        nowNanoseconds: Int(Date().timeIntervalSince1970 * 1e9), limits: options.limits)
      let ev = Evaluator(program: program, input: input, limits: options.limits, context: ctx)
      ev.strictBuiltinErrors = options.strictBuiltinErrors
      var rows: [QueryResult.Row] = []
      let names = Engine.queryVariables(body)
      let texts = Engine.literalTexts(body, text)
      try ev.evalQuery(body, 0, Env(scope: Scope(package: [], imports: [:])), []) { values, env in
        var bindings: [String: Value] = [:]
        for n in names { if let v = env.vars[n] { bindings[n] = v } }
        let exprs = zip(values, body).enumerated().map { i, pair in
          QueryResult.Expression(value: pair.0, text: texts[i], location: pair.1.location)
        }
        rows.append(QueryResult.Row(expressions: exprs, bindings: bindings))
        if rows.count > options.limits.maxCollectionSize {
          throw RegoError(.limitExceeded, "too many query results")
        }
      }
      return QueryResult(rows: rows, output: ctx.output, builtinErrors: ev.builtinErrors)
    }
  }

  static func literalTexts(_ body: [Literal], _ text: String) -> [String] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var out: [String] = []
    for (i, l) in body.enumerated() {
      if body.count == 1 {
        out.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
        continue
      }
      let row = l.location.row - 1
      guard row >= 0, row < lines.count else {
        out.append("")
        continue
      }
      let line = Array(lines[row])
      var start = max(0, l.location.col - 1)
      if start > line.count { start = line.count }
      var end = line.count
      if i + 1 < body.count, body[i + 1].location.row == l.location.row {
        end = min(line.count, max(start, body[i + 1].location.col - 1))
      }
      var s = String(line[start..<end]).trimmingCharacters(in: .whitespaces)
      if s.hasSuffix(";") { s.removeLast() }
      out.append(s.trimmingCharacters(in: .whitespaces))
    }
    return out
  }

  /// User-visible variables of a query (wildcards excluded), in order of appearance.
  static func queryVariables(_ body: [Literal]) -> [String] {
    var out: [String] = []
    func term(_ t: Term) {
      switch t {
      case .variable(let v):
        if !v.hasPrefix("_$"), !["input", "data"].contains(v), !out.contains(v) { out.append(v) }
      case .ref(let h, let p):
        if case .variable = h {
        } else {
          term(h)
        }
        for e in p { term(e) }
      case .call(_, let a, _): a.forEach(term)
      case .array(let a), .set(let a): a.forEach(term)
      case .object(let items):
        for i in items {
          term(i.key)
          term(i.value)
        }
      case .binary(_, let a, let b):
        term(a)
        term(b)
      case .negate(let a): term(a)
      case .membership(let k, let v, let c):
        if let k { term(k) }
        term(v)
        term(c)
      default: break
      }
    }
    for l in body {
      switch l.kind {
      case .expr(let t): term(t)
      case .some(let names): for n in names where !out.contains(n) { out.append(n) }
      case .someIn(let k, let v, _):
        if let k { term(k) }
        term(v)
      case .every: break
      }
    }
    return out
  }
}

/// The answer to a query: one row per solution, like `opa eval`'s `result` array.
public struct QueryResult: Sendable {
  public struct Expression: Sendable {
    public var value: Value
    public var text: String
    public var location: SourceLocation
  }
  public struct Row: Sendable {
    public var expressions: [Expression]
    public var bindings: [String: Value]
  }
  public var rows: [Row]
  /// `print` / `trace` output.
  public var output: [String]
  /// Builtin errors that made expressions undefined (OPA's non-strict default).
  public var builtinErrors: [RegoError]

  /// `opa eval`'s JSON shape: `{"result":[{"expressions":[…],"bindings":{…}}]}`
  /// (an undefined query gives `{}`).
  public var json: Value {
    if rows.isEmpty { return .emptyObject }
    let rs: [Value] = rows.map { r in
      var o: [Value: Value] = [
        "expressions": .array(
          r.expressions.map { e in
            .object([
              "value": e.value, "text": .string(e.text),
              "location": .object(["row": .int(e.location.row), "col": .int(e.location.col)]),
            ])
          })
      ]
      if !r.bindings.isEmpty {
        var b: [Value: Value] = [:]
        for (k, v) in r.bindings { b[.string(k)] = v }
        o["bindings"] = .object(b)
      }
      return .object(o)
    }
    return .object(["result": .array(rs)])
  }
}

extension Value: ExpressibleByStringLiteral {
  public init(stringLiteral value: String) { self = .string(value) }
}
