import Foundation

/// `json.patch`, `json.remove` and `json.filter` with OPA's semantics
/// (`topdown/json.go` and its edit tree), restated on immutable values.
///
/// Paths: a string is a JSON pointer whose leading slashes are optional (OPA trims
/// every leading `/`, so `"securityContext"`, `"/securityContext"` and
/// `"//securityContext"` are the same path), split at `/`, each segment unescaped
/// `~1` → `/` then `~0` → `~`; `""` is the whole document. An array is a list of
/// segments used as they are (strings, numbers, or any value for object keys and
/// set members).
///
/// `json.patch` applies RFC 6902 operations in order (add, remove, replace, move,
/// copy, test). Any failing operation — a missing parent, a missing key to remove
/// or replace, an index out of range, a failed test, a malformed operation — makes
/// the whole call undefined, as in OPA (the builtin returns no value, not an error).
enum JSONPatch {
  static let operations: Set<String> = ["add", "remove", "replace", "move", "copy", "test"]

  // MARK: - paths

  /// OPA's `parsePath`: nil when the path is neither a string nor an array.
  static func parsePath(_ p: Value) -> [Value]? {
    switch p {
    case .string(let s):
      if s.isEmpty { return [] }
      let trimmed = String(s.drop(while: { $0 == "/" }))
      return Builtins.splitString(trimmed, "/").map {
        .string(
          $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~"))
      }
    case .array(let a): return a
    default: return nil
    }
  }

  /// OPA's `toIndex`: a number must be an integer; a string must be `-` (one past
  /// the end) or a base-10 integer (Go's `strconv.ParseInt`: optional sign) without
  /// leading zeros. Anything else cannot index an array.
  static func index(_ key: Value, count: Int) -> Int? {
    switch key {
    case .number(let n): return n.intValue
    case .string(let s):
      if s == "-" { return count }
      var body = Substring(s)
      var negative = false
      if let f = body.first, f == "+" || f == "-" {
        negative = f == "-"
        body = body.dropFirst()
      }
      guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
      if s != "0", s.hasPrefix("0") { return nil }
      guard let v = Int(body) else { return nil }
      return negative ? -v : v
    default: return nil
    }
  }

  // MARK: - json.patch

  /// Applies the operations; nil (undefined) when one of them fails. Every
  /// container rebuilt along a path counts its size against `budget` (an
  /// operation copies the containers on its path): hostile patch lists stop with
  /// `limitExceeded` instead of running quadratic.
  static func apply(_ doc: Value, _ ops: [Value], budget: Int = .max) throws -> Value? {
    var root: Value? = doc
    var work = 0
    for op in ops {
      work += 1 + pathCost(root, op)
      if work > budget {
        throw RegoError(.limitExceeded, "json.patch: more than \(budget) steps of work")
      }
      guard case .object(let o) = op, case .string(let kind)? = o["op"],
        operations.contains(kind), let pathTerm = o["path"]
      else { return nil }
      var from: [Value] = []
      if kind == "move" || kind == "copy" {
        guard let f = o["from"], let fp = parsePath(f) else { return nil }
        from = fp
      }
      var value = Value.null
      if kind == "add" || kind == "replace" || kind == "test" {
        guard let v = o["value"] else { return nil }
        value = v
      }
      guard let path = parsePath(pathTerm) else { return nil }
      switch kind {
      case "add":
        guard let r = insert(root, path[...], value) else { return nil }
        root = r
      case "remove":
        guard let r = delete(root, path[...]) else { return nil }
        root = r.value
      case "replace":
        guard let d = delete(root, path[...]), let r = insert(d.value, path[...], value) else {
          return nil
        }
        root = r
      case "move":
        guard let chunk = render(root, from[...]), let d = delete(root, from[...]),
          let r = insert(d.value, path[...], chunk)
        else { return nil }
        root = r
      case "copy":
        guard let chunk = render(root, from[...]), let r = insert(root, path[...], chunk) else {
          return nil
        }
        root = r
      default:  // test
        guard let chunk = render(root, path[...]), chunk == value else { return nil }
      }
    }
    return root
  }

  /// Sizes of the containers an operation's paths run through.
  static func pathCost(_ doc: Value?, _ op: Value) -> Int {
    guard case .object(let o) = op else { return 0 }
    var cost = 0
    for key in ["path", "from"] {
      guard let p = o[.string(key)], let path = parsePath(p), var cur = doc else { continue }
      cost += size(cur)
      for seg in path {
        guard let c = child(cur, seg) else { break }
        cur = c
        cost += size(cur)
      }
    }
    return cost
  }

  static func size(_ v: Value) -> Int {
    switch v {
    case .object(let o): return o.count
    case .array(let a): return a.count
    case .set(let s): return s.count
    default: return 0
    }
  }

  /// The value at `path`; nil when a segment does not exist.
  static func render(_ doc: Value?, _ path: ArraySlice<Value>) -> Value? {
    guard var cur = doc else { return nil }
    for key in path {
      guard let c = child(cur, key) else { return nil }
      cur = c
    }
    return cur
  }

  /// `doc` with `value` added at `path`: an object member is set (added or
  /// replaced), an array element inserted (`-` appends), a set member added (the
  /// key must equal the value). The parent must exist. An empty path replaces the
  /// document.
  static func insert(_ doc: Value?, _ path: ArraySlice<Value>, _ value: Value) -> Value? {
    guard let last = path.last else { return value }
    guard let doc else { return nil }
    return modify(doc, path.dropLast()) { parent in
      switch parent {
      case .object(var o):
        o[last] = value
        return .object(o)
      case .set(var s):
        guard last == value else { return nil }
        s.insert(value)
        return .set(s)
      case .array(var a):
        guard let i = index(last, count: a.count), i >= 0, i <= a.count else { return nil }
        a.insert(value, at: i)
        return .array(a)
      default: return nil
      }
    }
  }

  /// `doc` without the member at `path` (`value` nil when the whole document was
  /// removed); nil when it does not exist.
  struct Removed {
    var value: Value?
  }

  static func delete(_ doc: Value?, _ path: ArraySlice<Value>) -> Removed? {
    guard let doc else { return nil }
    guard let last = path.last else { return Removed(value: nil) }
    let r = modify(doc, path.dropLast()) { parent in
      switch parent {
      case .object(var o):
        guard o.removeValue(forKey: last) != nil else { return nil }
        return .object(o)
      case .set(var s):
        guard s.remove(last) != nil else { return nil }
        return .set(s)
      case .array(var a):
        guard let i = index(last, count: a.count), i >= 0, i < a.count else { return nil }
        a.remove(at: i)
        return .array(a)
      default: return nil
      }
    }
    return r.map { Removed(value: $0) }
  }

  /// An existing child: an object member, a set member (its own key) or an array
  /// element (index in range).
  static func child(_ v: Value, _ key: Value) -> Value? {
    switch v {
    case .object(let o): return o[key]
    case .set(let s): return s.contains(key) ? key : nil
    case .array(let a):
      guard let i = index(key, count: a.count), i >= 0, i < a.count else { return nil }
      return a[i]
    default: return nil
    }
  }

  /// Rebuilds `v` with the node at `path` replaced by `f(node)`; nil when the path
  /// does not exist or `f` fails.
  static func modify(_ v: Value, _ path: ArraySlice<Value>, _ f: (Value) -> Value?) -> Value? {
    guard let key = path.first else { return f(v) }
    guard let c = child(v, key), let nc = modify(c, path.dropFirst(), f) else { return nil }
    switch v {
    case .object(var o):
      o[key] = nc
      return .object(o)
    case .set(var s):
      s.remove(key)
      s.insert(nc)
      return .set(s)
    case .array(var a):
      guard let i = index(key, count: a.count) else { return nil }
      a[i] = nc
      return .array(a)
    default: return nil
    }
  }

  // MARK: - json.remove / json.filter

  /// The paths of `json.remove` / `json.filter`: an array or set of string or
  /// array paths, as a trie of objects with `null` leaves (OPA's `pathsToObject`:
  /// a shorter path wins over a longer one; an empty path is ignored).
  static func pathTrie(_ paths: Value, _ name: String) throws -> [Value: Value] {
    let list: [Value]
    switch paths {
    case .array(let a): list = a
    case .set(let s): list = s.sorted()
    default:
      throw typeError(name, "operand 2 must be one of {set, array} but got \(paths.typeName)")
    }
    var root: [Value: Value] = [:]
    for p in list {
      guard let path = parsePath(p) else {
        throw builtinError(
          name,
          "operand 2 must be one of {set, array} containing string paths or array of path segments but got \(p.typeName)"
        )
      }
      if path.isEmpty { continue }
      root = addPath(root, path[...])
    }
    return root
  }

  static func addPath(_ node: [Value: Value], _ path: ArraySlice<Value>) -> [Value: Value] {
    guard let key = path.first else { return node }
    var n = node
    let rest = path.dropFirst()
    if rest.isEmpty {
      n[key] = .null
      return n
    }
    switch n[key] {
    case .null?: return n
    case .object(let child)?: n[key] = .object(addPath(child, rest))
    default: n[key] = .object(addPath([:], rest))
    }
    return n
  }

  /// OPA's `jsonRemove`: nil when the value itself is removed.
  static func remove(_ a: Value, _ b: Value?) -> Value? {
    guard let b else { return a }
    if b == .null { return nil }
    guard case .object(let trie) = b else { return a }
    switch a {
    case .object(let o):
      var out: [Value: Value] = [:]
      for (k, v) in o { if let r = remove(v, trie[k]) { out[k] = r } }
      return .object(out)
    case .set(let s):
      var out = Set<Value>()
      for v in s { if let r = remove(v, trie[v]) { out.insert(r) } }
      return .set(out)
    case .array(let arr):
      var out: [Value] = []
      for (i, v) in arr.enumerated() {
        if let r = remove(v, trie[.string(String(i))]) { out.append(r) }
      }
      return .array(out)
    default: return a
    }
  }

  /// OPA's `filterObject`.
  static func filter(_ v: Value, _ filter: Value) -> Value {
    guard case .object(let trie) = filter else { return v }
    switch v {
    case .array(let arr):
      var out: [Value] = []
      for (i, e) in arr.enumerated() {
        if let sub = trie[.string(String(i))] { out.append(Self.filter(e, sub)) }
      }
      return .array(out)
    case .set(let s):
      var out = Set<Value>()
      for e in s { if let sub = trie[e] { out.insert(Self.filter(e, sub)) } }
      return .set(out)
    case .object(let o):
      var out: [Value: Value] = [:]
      for (k, e) in o { if let sub = trie[k] { out[k] = Self.filter(e, sub) } }
      return .object(out)
    default: return v
    }
  }
}
