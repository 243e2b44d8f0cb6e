import ByteFormats
import Crypto
import Foundation

// Argument helpers: a wrong type is an `eval_type_error` naming the builtin.
func argString(_ a: [Value], _ i: Int, _ name: String) throws -> String {
  guard i < a.count, case .string(let s) = a[i] else {
    throw typeError(
      name, "operand \(i + 1) must be string but got \(i < a.count ? a[i].typeName : "nothing")")
  }
  return s
}

func argNumber(_ a: [Value], _ i: Int, _ name: String) throws -> Number {
  guard i < a.count, case .number(let n) = a[i] else {
    throw typeError(name, "operand \(i + 1) must be number")
  }
  return n
}

func argInt(_ a: [Value], _ i: Int, _ name: String) throws -> Int {
  let n = try argNumber(a, i, name)
  guard let v = n.intValue else { throw typeError(name, "operand \(i + 1) must be integer") }
  return v
}

func argArray(_ a: [Value], _ i: Int, _ name: String) throws -> [Value] {
  guard i < a.count, case .array(let v) = a[i] else {
    throw typeError(name, "operand \(i + 1) must be array")
  }
  return v
}

func argObject(_ a: [Value], _ i: Int, _ name: String) throws -> [Value: Value] {
  guard i < a.count, case .object(let v) = a[i] else {
    throw typeError(name, "operand \(i + 1) must be object")
  }
  return v
}

func argSet(_ a: [Value], _ i: Int, _ name: String) throws -> Set<Value> {
  guard i < a.count, case .set(let v) = a[i] else {
    throw typeError(name, "operand \(i + 1) must be set")
  }
  return v
}

/// Elements of an array or set (sets in sort order).
func argCollection(_ a: [Value], _ i: Int, _ name: String) throws -> [Value] {
  guard i < a.count else { throw typeError(name, "missing operand") }
  switch a[i] {
  case .array(let v): return v
  case .set(let s): return s.sorted()
  default: throw typeError(name, "operand \(i + 1) must be array or set")
  }
}

func checkSize(_ n: Int, _ ctx: BuiltinContext, _ name: String) throws {
  if n > ctx.limits.maxCollectionSize {
    throw RegoError(.limitExceeded, "\(name): result larger than \(ctx.limits.maxCollectionSize)")
  }
}

func checkString(_ s: String, _ ctx: BuiltinContext, _ name: String) throws -> Value {
  if s.utf8.count > ctx.limits.maxStringBytes {
    throw RegoError(
      .limitExceeded, "\(name): string larger than \(ctx.limits.maxStringBytes) bytes")
  }
  return .string(s)
}

extension Builtins {
  mutating func registerStandard() {
    registerAggregates()
    registerStrings()
    registerCollections()
    registerTypes()
    registerEncoding()
    registerMisc()
    registerRegex()
    registerTime()
    registerCore()
    registerNet()
    registerGraph()
    registerX509()
    registerJWT()
  }

  mutating func registerAggregates() {
    register("count", arity: 1) { a, _ in
      switch a.first {
      case .array(let v)?: return .int(v.count)
      case .set(let v)?: return .int(v.count)
      case .object(let v)?: return .int(v.count)
      case .string(let s)?: return .int(s.unicodeScalars.count)
      default: throw typeError("count", "operand 1 must be one of {array, object, set, string}")
      }
    }
    register("sum", arity: 1) { a, _ in
      var t = Number(0)
      for v in try argCollection(a, 0, "sum") {
        guard case .number(let n) = v else { throw typeError("sum", "elements must be numbers") }
        t = t + n
      }
      return .number(t)
    }
    register("product", arity: 1) { a, _ in
      var t = Number(1)
      for v in try argCollection(a, 0, "product") {
        guard case .number(let n) = v else {
          throw typeError("product", "elements must be numbers")
        }
        t = t * n
      }
      return .number(t)
    }
    register("max", arity: 1) { a, _ in try argCollection(a, 0, "max").max() }
    register("min", arity: 1) { a, _ in try argCollection(a, 0, "min").min() }
    register("sort", arity: 1) { a, _ in .array(try argCollection(a, 0, "sort").sorted()) }
    register("all", arity: 1) { a, _ in
      .bool(try argCollection(a, 0, "all").allSatisfy { $0 == .bool(true) })
    }
    register("any", arity: 1) { a, _ in
      .bool(try argCollection(a, 0, "any").contains(.bool(true)))
    }
    register("abs", arity: 1) { a, _ in
      let n = try argNumber(a, 0, "abs")
      if let i = n.intValue { return .int(abs(i)) }
      return .double(abs(n.doubleValue))
    }
    register("round", arity: 1) { a, _ in
      .double((try argNumber(a, 0, "round").doubleValue).rounded(.toNearestOrAwayFromZero))
    }
    register("ceil", arity: 1) { a, _ in
      .double((try argNumber(a, 0, "ceil").doubleValue).rounded(.up))
    }
    register("floor", arity: 1) { a, _ in
      .double((try argNumber(a, 0, "floor").doubleValue).rounded(.down))
    }
    register("numbers.range", arity: 2) { a, ctx in
      let x = try argInt(a, 0, "numbers.range")
      let y = try argInt(a, 1, "numbers.range")
      try checkSize(abs(y - x) + 1, ctx, "numbers.range")
      return .array(x <= y ? (x...y).map { .int($0) } : (y...x).reversed().map { .int($0) })
    }
    register("numbers.range_step", arity: 3) { a, ctx in
      let x = try argInt(a, 0, "numbers.range_step")
      let y = try argInt(a, 1, "numbers.range_step")
      let s = try argInt(a, 2, "numbers.range_step")
      guard s > 0 else {
        throw builtinError("numbers.range_step", "step must be a positive number above zero")
      }
      try checkSize(abs(y - x) / s + 1, ctx, "numbers.range_step")
      return .array(
        x <= y
          ? stride(from: x, through: y, by: s).map { .int($0) }
          : stride(from: x, through: y, by: -s).map { .int($0) })
    }
    for (name, op) in [("plus", "+"), ("minus", "-"), ("mul", "*"), ("div", "/"), ("rem", "%")] {
      register(name, arity: 2) { a, _ in
        let x = try argNumber(a, 0, name)
        let y = try argNumber(a, 1, name)
        switch op {
        case "+": return .number(x + y)
        case "-": return .number(x - y)
        case "*": return .number(x * y)
        case "/":
          guard y.doubleValue != 0 else { throw builtinError(name, "divide by zero") }
          return .double(x.doubleValue / y.doubleValue)
        default:
          guard let xi = x.intValue, let yi = y.intValue, yi != 0 else {
            throw builtinError(name, "modulo by zero or non-integer")
          }
          return .int(xi % yi)
        }
      }
    }
    register("to_number", arity: 1) { a, _ in
      switch a.first {
      case .number?: return a[0]
      case .bool(let b)?: return .int(b ? 1 : 0)
      case .null?: return .int(0)
      case .string(let s)?:
        guard let n = Number(parsing: s.trimmingCharacters(in: .whitespaces)), !s.isEmpty else {
          throw builtinError("to_number", "invalid syntax")
        }
        return .number(n)
      default:
        throw typeError("to_number", "operand 1 must be one of {boolean, null, number, string}")
      }
    }
  }

  mutating func registerCollections() {
    register("array.concat", arity: 2) { a, ctx in
      let r = try argArray(a, 0, "array.concat") + argArray(a, 1, "array.concat")
      try checkSize(r.count, ctx, "array.concat")
      return .array(r)
    }
    register("array.slice", arity: 3) { a, _ in
      let arr = try argArray(a, 0, "array.slice")
      var s = max(0, try argInt(a, 1, "array.slice"))
      let e = min(arr.count, try argInt(a, 2, "array.slice"))
      if s > e { s = e }
      return .array(Array(arr[s..<e]))
    }
    register("array.reverse", arity: 1) { a, _ in
      .array(try argArray(a, 0, "array.reverse").reversed())
    }
    register("intersection", arity: 1) { a, _ in
      let sets = try argSet(a, 0, "intersection")
      var r: Set<Value>? = nil
      for s in sets {
        guard case .set(let x) = s else { throw typeError("intersection", "elements must be sets") }
        r = r.map { $0.intersection(x) } ?? x
      }
      return .set(r ?? [])
    }
    register("union", arity: 1) { a, _ in
      var r = Set<Value>()
      for s in try argSet(a, 0, "union") {
        guard case .set(let x) = s else { throw typeError("union", "elements must be sets") }
        r.formUnion(x)
      }
      return .set(r)
    }
    register("object.get", arity: 3) { a, _ in
      let o = a.first ?? .null
      guard case .object = o else { throw typeError("object.get", "operand 1 must be object") }
      let key = a[1]
      let def = a[2]
      if case .array(let path) = key {
        var cur = o
        for p in path {
          switch cur {
          case .object(let m):
            guard let n = m[p] else { return def }
            cur = n
          case .array(let arr):
            guard case .number(let n) = p, let i = n.intValue, i >= 0, i < arr.count else {
              return def
            }
            cur = arr[i]
          case .set(let s):
            guard s.contains(p) else { return def }
            cur = p
          default: return def
          }
        }
        return cur
      }
      return o.objectValue?[key] ?? def
    }
    register("object.keys", arity: 1) { a, _ in .set(Set(try argObject(a, 0, "object.keys").keys)) }
    register("object.remove", arity: 2) { a, _ in
      var o = try argObject(a, 0, "object.remove")
      let keys: [Value]
      switch a[1] {
      case .array(let x): keys = x
      case .set(let x): keys = Array(x)
      case .object(let x): keys = Array(x.keys)
      default: throw typeError("object.remove", "operand 2 must be one of {array, object, set}")
      }
      for k in keys { o[k] = nil }
      return .object(o)
    }
    register("object.filter", arity: 2) { a, _ in
      let o = try argObject(a, 0, "object.filter")
      let keys: [Value]
      switch a[1] {
      case .array(let x): keys = x
      case .set(let x): keys = Array(x)
      case .object(let x): keys = Array(x.keys)
      default: throw typeError("object.filter", "operand 2 must be one of {array, object, set}")
      }
      var r: [Value: Value] = [:]
      for k in keys { if let v = o[k] { r[k] = v } }
      return .object(r)
    }
    register("object.union", arity: 2) { a, _ in
      .object(
        Builtins.mergeObjects(
          try argObject(a, 0, "object.union"), try argObject(a, 1, "object.union")))
    }
    register("object.union_n", arity: 1) { a, _ in
      var r: [Value: Value] = [:]
      for o in try argArray(a, 0, "object.union_n") {
        guard case .object(let m) = o else {
          throw typeError("object.union_n", "elements must be objects")
        }
        r = Builtins.mergeObjects(r, m)
      }
      return .object(r)
    }
    register("json.patch", arity: 2) { a, ctx in
      // OPA: a failing patch makes the call undefined (no error, even in strict mode).
      try JSONPatch.apply(a[0], try argArray(a, 1, "json.patch"), budget: ctx.limits.maxSteps)
    }
    register("json.remove", arity: 2) { a, _ in
      let o = try argObject(a, 0, "json.remove")
      let trie = try JSONPatch.pathTrie(a[1], "json.remove")
      return JSONPatch.remove(.object(o), .object(trie))
    }
    register("json.filter", arity: 2) { a, _ in
      let o = try argObject(a, 0, "json.filter")
      let trie = try JSONPatch.pathTrie(a[1], "json.filter")
      return JSONPatch.filter(.object(o), .object(trie))
    }
  }

  /// `object.union`: right wins; nested objects merge recursively.
  static func mergeObjects(_ a: [Value: Value], _ b: [Value: Value]) -> [Value: Value] {
    var r = a
    for (k, v) in b {
      if case .object(let x)? = r[k], case .object(let y) = v {
        r[k] = .object(mergeObjects(x, y))
      } else {
        r[k] = v
      }
    }
    return r
  }

  mutating func registerTypes() {
    let checks: [(String, @Sendable (Value) -> Bool)] = [
      ("is_string", { if case .string = $0 { true } else { false } }),
      ("is_number", { if case .number = $0 { true } else { false } }),
      ("is_boolean", { if case .bool = $0 { true } else { false } }),
      ("is_array", { if case .array = $0 { true } else { false } }),
      ("is_set", { if case .set = $0 { true } else { false } }),
      ("is_object", { if case .object = $0 { true } else { false } }),
      ("is_null", { if case .null = $0 { true } else { false } }),
    ]
    for (name, f) in checks {
      register(name, arity: 1) { a, _ in
        guard let v = a.first else { return nil }
        return f(v) ? .bool(true) : .bool(false)
      }
    }
    register("type_name", arity: 1) { a, _ in a.first.map { .string($0.typeName) } }
  }

  mutating func registerMisc() {
    // Intercepted by the evaluator (they need evaluator state); registered so that
    // the compile-time check knows them.
    register("print", arity: nil) { _, _ in .bool(true) }
    register("walk", arity: 1) { _, _ in nil }
    register("trace", arity: 1) { a, ctx in
      ctx.output.append(try argString(a, 0, "trace"))
      return .bool(true)
    }
    register("opa.runtime", arity: 0) { _, _ in
      .object(["env": .emptyObject, "version": "tailguard", "config": .emptyObject])
    }
    register("semver.is_valid", arity: 1) { a, _ in
      guard case .string(let s)? = a.first else { return .bool(false) }
      return .bool(SemVer(s) != nil)
    }
    register("semver.compare", arity: 2) { a, _ in
      guard let x = SemVer(try argString(a, 0, "semver.compare")) else {
        throw builtinError("semver.compare", "operand 1: string is not a valid SemVer")
      }
      guard let y = SemVer(try argString(a, 1, "semver.compare")) else {
        throw builtinError("semver.compare", "operand 2: string is not a valid SemVer")
      }
      return .int(x.compare(y))
    }
    register("crypto.sha256", arity: 1) { a, _ in
      .string(Hex.encode(SHA256.hash(data: Array(try argString(a, 0, "crypto.sha256").utf8))))
    }
    register("crypto.sha1", arity: 1) { a, _ in
      .string(Hex.encode(Insecure.SHA1.hash(data: Array(try argString(a, 0, "crypto.sha1").utf8))))
    }
    register("crypto.md5", arity: 1) { a, _ in
      .string(Hex.encode(Insecure.MD5.hash(data: Array(try argString(a, 0, "crypto.md5").utf8))))
    }
    register("units.parse_bytes", arity: 1) { a, _ in
      try Units.parse(try argString(a, 0, "units.parse_bytes"), bytes: true)
    }
    register("units.parse", arity: 1) { a, _ in
      try Units.parse(try argString(a, 0, "units.parse"), bytes: false)
    }
    register("glob.match", arity: 3) { a, _ in
      let pattern = try argString(a, 0, "glob.match")
      // OPA: null means no delimiters; an empty array means the default ["."].
      var delims: [Character] = ["."]
      switch a[1] {
      case .null: delims = []
      case .array(let d):
        delims = d.compactMap { $0.stringValue?.first }
        if delims.isEmpty { delims = ["."] }
      default: throw typeError("glob.match", "operand 2 must be array or null")
      }
      let g = try Glob(pattern, delimiters: delims)
      return .bool(g.matches(try argString(a, 2, "glob.match")))
    }
    register("glob.quote_meta", arity: 1) { a, _ in
      var out = ""
      for c in try argString(a, 0, "glob.quote_meta") {
        if "*?\\[]{}".contains(c) { out.append("\\") }
        out.append(c)
      }
      return .string(out)
    }
  }

  mutating func registerEncoding() {
    register("json.marshal", arity: 1) { a, _ in .string(JSONCodec.encode(a[0])) }
    register("json.marshal_with_options", arity: 2) { a, _ in
      let o = try argObject(a, 1, "json.marshal_with_options")
      if o["pretty"] == .bool(true) || o["indent"] != nil {
        return .string(JSONCodec.encodePretty(a[0]))
      }
      return .string(JSONCodec.encode(a[0]))
    }
    register("json.unmarshal", arity: 1) { a, _ in
      do { return try JSONCodec.decode(try argString(a, 0, "json.unmarshal")) } catch let e
        as RegoError
      {
        throw builtinError("json.unmarshal", e.message)
      }
    }
    register("json.is_valid", arity: 1) { a, _ in
      guard case .string(let s)? = a.first else { return .bool(false) }
      return .bool((try? JSONCodec.decode(s)) != nil)
    }
    register("yaml.marshal", arity: 1) { a, _ in .string(try YAMLCodec.encode(a[0])) }
    register("yaml.unmarshal", arity: 1) { a, _ in
      do { return try YAMLCodec.decode(try argString(a, 0, "yaml.unmarshal")) } catch let e
        as RegoError
      {
        throw builtinError("yaml.unmarshal", e.message)
      }
    }
    register("yaml.is_valid", arity: 1) { a, _ in
      guard case .string(let s)? = a.first else { return .bool(false) }
      return .bool((try? YAMLCodec.decodeAll(s)) != nil)
    }
    register("base64.encode", arity: 1) { a, _ in
      .string(Data(try argString(a, 0, "base64.encode").utf8).base64EncodedString())
    }
    register("base64.decode", arity: 1) { a, _ in
      try Builtins.base64Decode(
        try argString(a, 0, "base64.decode"), url: false, name: "base64.decode")
    }
    register("base64.is_valid", arity: 1) { a, _ in
      .bool(
        (try? Builtins.base64Decode(try argString(a, 0, "base64.is_valid"), url: false, name: ""))
          != nil)
    }
    register("base64url.encode", arity: 1) { a, _ in
      .string(
        Data(try argString(a, 0, "base64url.encode").utf8).base64EncodedString()
          .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
    }
    register("base64url.encode_no_pad", arity: 1) { a, _ in
      var s = Data(try argString(a, 0, "base64url.encode_no_pad").utf8).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      while s.hasSuffix("=") { s.removeLast() }
      return .string(s)
    }
    register("base64url.decode", arity: 1) { a, _ in
      try Builtins.base64Decode(
        try argString(a, 0, "base64url.decode"), url: true, name: "base64url.decode")
    }
    register("hex.encode", arity: 1) { a, _ in
      .string(Hex.encode(try argString(a, 0, "hex.encode").utf8))
    }
    register("urlquery.encode", arity: 1) { a, _ in
      .string(URLQuery.encode(try argString(a, 0, "urlquery.encode")))
    }
    register("urlquery.decode", arity: 1) { a, _ in
      guard let s = URLQuery.decode(try argString(a, 0, "urlquery.decode")) else {
        throw builtinError("urlquery.decode", "invalid URL escape")
      }
      return .string(s)
    }
    register("urlquery.encode_object", arity: 1) { a, _ in
      var parts: [String] = []
      let o = try argObject(a, 0, "urlquery.encode_object")
      for k in o.keys.sorted() {
        let key = URLQuery.encode(Formatting.plainText(k))
        switch o[k] ?? .null {
        case .array(let vs):
          for v in vs { parts.append(key + "=" + URLQuery.encode(Formatting.plainText(v))) }
        case .set(let vs):
          for v in vs.sorted() {
            parts.append(key + "=" + URLQuery.encode(Formatting.plainText(v)))
          }
        case let v: parts.append(key + "=" + URLQuery.encode(Formatting.plainText(v)))
        }
      }
      return .string(parts.joined(separator: "&"))
    }
  }

  static func base64Decode(_ s: String, url: Bool, name: String) throws -> Value {
    var t = s
    if url {
      t = t.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    }
    while t.count % 4 != 0 { t += "=" }
    guard let d = Data(base64Encoded: t) else { throw builtinError(name, "illegal base64 data") }
    return .string(String(decoding: d, as: UTF8.self))
  }
}
