import Foundation

extension Builtins {
  /// Concatenation, formatting, prefix/suffix tests, splitting and replacing.
  mutating func registerStrings() {
    register("concat", arity: 2) { a, ctx in
      let sep = try argString(a, 0, "concat")
      var parts: [String] = []
      for v in try argCollection(a, 1, "concat") {
        guard case .string(let s) = v else {
          throw typeError("concat", "operand 2 must be array of strings")
        }
        parts.append(s)
      }
      return try checkString(parts.joined(separator: sep), ctx, "concat")
    }
    register("sprintf", arity: 2) { a, ctx in
      let f = try argString(a, 0, "sprintf")
      return try checkString(Formatting.sprintf(f, try argArray(a, 1, "sprintf")), ctx, "sprintf")
    }
    register("startswith", arity: 2) { a, _ in
      .bool(try argString(a, 0, "startswith").hasPrefixBytes(try argString(a, 1, "startswith")))
    }
    register("endswith", arity: 2) { a, _ in
      .bool(try argString(a, 0, "endswith").hasSuffixBytes(try argString(a, 1, "endswith")))
    }
    register("contains", arity: 2) { a, _ in
      let s = try argString(a, 0, "contains")
      let sub = try argString(a, 1, "contains")
      return .bool(sub.isEmpty || s.utf8.firstRange(of: sub.utf8) != nil)
    }
    register("strings.any_prefix_match", arity: 2) { a, _ in
      let xs = try Builtins.stringOrCollection(a, 0, "strings.any_prefix_match")
      let ps = try Builtins.stringOrCollection(a, 1, "strings.any_prefix_match")
      return .bool(xs.contains { x in ps.contains { x.hasPrefixBytes($0) } })
    }
    register("strings.any_suffix_match", arity: 2) { a, _ in
      let xs = try Builtins.stringOrCollection(a, 0, "strings.any_suffix_match")
      let ps = try Builtins.stringOrCollection(a, 1, "strings.any_suffix_match")
      return .bool(xs.contains { x in ps.contains { x.hasSuffixBytes($0) } })
    }
    register("split", arity: 2) { a, ctx in
      let s = try argString(a, 0, "split")
      let d = try argString(a, 1, "split")
      let parts = Builtins.splitString(s, d)
      try checkSize(parts.count, ctx, "split")
      return .array(parts.map { .string($0) })
    }
    register("replace", arity: 3) { a, ctx in
      let s = try argString(a, 0, "replace")
      let old = try argString(a, 1, "replace")
      let new = try argString(a, 2, "replace")
      return try checkString(Builtins.replaceAll(s, old, new, limit: -1), ctx, "replace")
    }
    register("strings.replace_n", arity: 2) { a, ctx in
      let pats = try argObject(a, 0, "strings.replace_n")
      var s = try argString(a, 1, "strings.replace_n")
      // Go's strings.NewReplacer: leftmost, first pattern in argument order wins.
      var pairs: [(String, String)] = []
      for k in pats.keys.sorted() {
        guard case .string(let ks) = k, case .string(let vs)? = pats[k] else {
          throw typeError("strings.replace_n", "operand 1 must be object of strings")
        }
        pairs.append((ks, vs))
      }
      s = Builtins.replaceMany(s, pairs)
      return try checkString(s, ctx, "strings.replace_n")
    }
    registerTrimming()
    registerCaseAndSearch()
  }

  /// `strings.count`, `strings.reverse` and the `trim*` family.
  mutating func registerTrimming() {
    register("strings.count", arity: 2) { a, _ in
      let s = try argString(a, 0, "strings.count")
      let sub = try argString(a, 1, "strings.count")
      if sub.isEmpty { return .int(s.unicodeScalars.count + 1) }
      return .int(Builtins.splitString(s, sub).count - 1)
    }
    register("strings.reverse", arity: 1) { a, _ in
      .string(String(try argString(a, 0, "strings.reverse").reversed()))
    }
    register("trim", arity: 2) { a, _ in
      let cut = Set(try argString(a, 1, "trim").unicodeScalars)
      return .string(
        Builtins.trimScalars(try argString(a, 0, "trim"), left: true, right: true) {
          cut.contains($0)
        })
    }
    register("trim_left", arity: 2) { a, _ in
      let cut = Set(try argString(a, 1, "trim_left").unicodeScalars)
      return .string(
        Builtins.trimScalars(try argString(a, 0, "trim_left"), left: true, right: false) {
          cut.contains($0)
        })
    }
    register("trim_right", arity: 2) { a, _ in
      let cut = Set(try argString(a, 1, "trim_right").unicodeScalars)
      return .string(
        Builtins.trimScalars(try argString(a, 0, "trim_right"), left: false, right: true) {
          cut.contains($0)
        })
    }
    register("trim_space", arity: 1) { a, _ in
      .string(
        Builtins.trimScalars(try argString(a, 0, "trim_space"), left: true, right: true) {
          $0.properties.isWhitespace
        })
    }
    register("trim_prefix", arity: 2) { a, _ in
      let s = try argString(a, 0, "trim_prefix")
      let p = try argString(a, 1, "trim_prefix")
      return .string(
        s.hasPrefixBytes(p)
          ? String(decoding: Array(s.utf8).dropFirst(p.utf8.count), as: UTF8.self) : s)
    }
    register("trim_suffix", arity: 2) { a, _ in
      let s = try argString(a, 0, "trim_suffix")
      let p = try argString(a, 1, "trim_suffix")
      return .string(
        s.hasSuffixBytes(p)
          ? String(decoding: Array(s.utf8).dropLast(p.utf8.count), as: UTF8.self) : s)
    }
  }

  /// Case, integer formatting, `indexof*` and `substring` (offsets in code points, as OPA).
  mutating func registerCaseAndSearch() {
    register("lower", arity: 1) { a, _ in .string(try argString(a, 0, "lower").lowercased()) }
    register("upper", arity: 1) { a, _ in .string(try argString(a, 0, "upper").uppercased()) }
    register("format_int", arity: 2) { a, _ in
      let n = try argNumber(a, 0, "format_int")
      let base = try argInt(a, 1, "format_int")
      guard [2, 8, 10, 16].contains(base) else {
        throw builtinError("format_int", "operand 2 must be one of {2, 8, 10, 16}")
      }
      let i = Int(n.doubleValue.rounded(.towardZero))
      return .string(String(i, radix: base))
    }
    register("indexof", arity: 2) { a, _ in
      let s = Array(try argString(a, 0, "indexof").unicodeScalars)
      let sub = Array(try argString(a, 1, "indexof").unicodeScalars)
      // OPA: an empty search string is an error
      if sub.isEmpty { throw builtinError("indexof", "empty search character") }
      if sub.count <= s.count {
        for i in 0...(s.count - sub.count) where Array(s[i..<i + sub.count]) == sub {
          return .int(i)
        }
      }
      return .int(-1)
    }
    register("indexof_n", arity: 2) { a, _ in
      let s = Array(try argString(a, 0, "indexof_n").unicodeScalars)
      let sub = Array(try argString(a, 1, "indexof_n").unicodeScalars)
      if sub.isEmpty { throw builtinError("indexof_n", "empty search character") }
      var out: [Value] = []
      if !sub.isEmpty, sub.count <= s.count {
        for i in 0...(s.count - sub.count) where Array(s[i..<i + sub.count]) == sub {
          out.append(.int(i))
        }
      }
      return .array(out)
    }
    register("substring", arity: 3) { a, _ in
      let s = Array(try argString(a, 0, "substring").unicodeScalars)
      let start = try argInt(a, 1, "substring")
      let len = try argInt(a, 2, "substring")
      guard start >= 0 else { throw builtinError("substring", "negative offset") }
      if start >= s.count { return .string("") }
      let end = len < 0 ? s.count : min(s.count, start + len)
      var out = String.UnicodeScalarView()
      out.append(contentsOf: s[start..<end])
      return .string(String(out))
    }
  }

  static func stringOrCollection(_ a: [Value], _ i: Int, _ name: String) throws -> [String] {
    if case .string(let s) = a[i] { return [s] }
    return try argCollection(a, i, name).map {
      guard case .string(let s) = $0 else { throw typeError(name, "elements must be strings") }
      return s
    }
  }

  /// Go's strings.Split: an empty separator splits into scalars.
  static func splitString(_ s: String, _ d: String) -> [String] {
    if d.isEmpty { return s.unicodeScalars.map { String($0) } }
    let bytes = Array(s.utf8)
    let sep = Array(d.utf8)
    var out: [String] = []
    var start = 0
    var i = 0
    while i + sep.count <= bytes.count {
      if bytes[i] == sep[0], Array(bytes[i..<i + sep.count]) == sep {
        out.append(String(decoding: bytes[start..<i], as: UTF8.self))
        i += sep.count
        start = i
      } else {
        i += 1
      }
    }
    out.append(String(decoding: bytes[start...], as: UTF8.self))
    return out
  }

  static func replaceAll(_ s: String, _ old: String, _ new: String, limit: Int) -> String {
    if old.isEmpty {
      var out = new
      for c in s.unicodeScalars {
        out.unicodeScalars.append(c)
        out += new
      }
      return out
    }
    return splitString(s, old).joined(separator: new)
  }

  static func replaceMany(_ s: String, _ pairs: [(String, String)]) -> String {
    let bytes = Array(s.utf8)
    let ps = pairs.map { (Array($0.0.utf8), Array($0.1.utf8)) }
    var out: [UInt8] = []
    var i = 0
    outer: while i < bytes.count {
      for (old, new) in ps where !old.isEmpty && i + old.count <= bytes.count {
        if Array(bytes[i..<i + old.count]) == old {
          out += new
          i += old.count
          continue outer
        }
      }
      out.append(bytes[i])
      i += 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func trimScalars(_ s: String, left: Bool, right: Bool, _ cut: (Unicode.Scalar) -> Bool)
    -> String
  {
    var sc = Array(s.unicodeScalars)
    if right { while let l = sc.last, cut(l) { sc.removeLast() } }
    var start = 0
    if left { while start < sc.count, cut(sc[start]) { start += 1 } }
    var v = String.UnicodeScalarView()
    v.append(contentsOf: sc[start...])
    return String(v)
  }
}

extension String {
  func hasPrefixBytes(_ p: String) -> Bool { self.utf8.starts(with: p.utf8) }
  func hasSuffixBytes(_ p: String) -> Bool { self.utf8.reversed().starts(with: p.utf8.reversed()) }
}
