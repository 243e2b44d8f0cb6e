import Foundation

/// RFC 6902 subset for `json.patch` (add, remove, replace) plus the path helpers of
/// `json.remove` / `json.filter`.
enum JSONPatch {
  static func apply(_ doc: Value, _ ops: [Value]) throws -> Value? {
    var v = doc
    for op in ops {
      guard case .object(let o) = op, case .string(let kind)? = o["op"], let p = o["path"] else {
        throw builtinError("json.patch", "invalid patch operation")
      }
      let path: [String]
      switch p {
      case .string(let s):
        path = s.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
          $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
      case .array(let a): path = a.map(Formatting.plainText)
      default: throw builtinError("json.patch", "invalid path")
      }
      switch kind {
      case "add", "replace":
        guard let value = o["value"], let nv = set(v, path[...], value, insert: kind == "add")
        else { return nil }
        v = nv
      case "remove": v = remove(v, path[...])
      default: return nil
      }
    }
    return v
  }

  static func set(_ v: Value, _ path: ArraySlice<String>, _ value: Value, insert: Bool) -> Value? {
    guard let first = path.first else { return value }
    let rest = path.dropFirst()
    switch v {
    case .object(var o):
      if rest.isEmpty {
        o[.string(first)] = value
        return .object(o)
      }
      guard let child = o[.string(first)], let nv = set(child, rest, value, insert: insert) else {
        return nil
      }
      o[.string(first)] = nv
      return .object(o)
    case .array(var a):
      if rest.isEmpty {
        if first == "-" {
          a.append(value)
          return .array(a)
        }
        guard let i = Int(first), i >= 0, i <= a.count else { return nil }
        if insert {
          a.insert(value, at: i)
        } else if i < a.count {
          a[i] = value
        } else {
          return nil
        }
        return .array(a)
      }
      guard let i = Int(first), i >= 0, i < a.count, let nv = set(a[i], rest, value, insert: insert)
      else {
        return nil
      }
      a[i] = nv
      return .array(a)
    default: return nil
    }
  }

  static func remove(_ v: Value, _ path: ArraySlice<String>) -> Value {
    guard let first = path.first else { return v }
    let rest = path.dropFirst()
    switch v {
    case .object(var o):
      if rest.isEmpty {
        o[.string(first)] = nil
      } else if let c = o[.string(first)] {
        o[.string(first)] = remove(c, rest)
      }
      return .object(o)
    case .array(var a):
      guard let i = Int(first), i >= 0, i < a.count else { return v }
      if rest.isEmpty { a.remove(at: i) } else { a[i] = remove(a[i], rest) }
      return .array(a)
    default: return v
    }
  }

  static func filter(_ v: Value, _ paths: [[String]]) -> Value {
    if paths.contains(where: { $0.isEmpty }) { return v }
    guard case .object(let o) = v else { return v }
    var out: [Value: Value] = [:]
    for (k, child) in o {
      let key = Formatting.plainText(k)
      let sub = paths.filter { $0.first == key }.map { Array($0.dropFirst()) }
      if !sub.isEmpty { out[k] = filter(child, sub) }
    }
    return .object(out)
  }
}
