extension Builtins {
  static func compiled(_ pattern: String, _ name: String) throws -> RE2Regex {
    do { return try RegexCache.shared.regex(pattern) } catch let e as RegexError {
      throw builtinError(name, "error parsing regexp: \(e.message)")
    }
  }

  mutating func registerRegex() {
    for name in ["regex.match", "re_match"] {
      register(name, arity: 2) { a, _ in
        let r = try Builtins.compiled(try argString(a, 0, name), name)
        return .bool(r.matches(try argString(a, 1, name)))
      }
    }
    register("regex.is_valid", arity: 1) { a, _ in
      guard case .string(let p)? = a.first else { return .bool(false) }
      return .bool((try? RegexCache.shared.regex(p)) != nil)
    }
    register("regex.find_n", arity: 3) { a, ctx in
      let r = try Builtins.compiled(try argString(a, 0, "regex.find_n"), "regex.find_n")
      let out = r.findStrings(
        try argString(a, 1, "regex.find_n"), limit: try argInt(a, 2, "regex.find_n"))
      try checkSize(out.count, ctx, "regex.find_n")
      return .array(out.map { .string($0) })
    }
    register("regex.find_all_string_submatch_n", arity: 3) { a, ctx in
      let name = "regex.find_all_string_submatch_n"
      let r = try Builtins.compiled(try argString(a, 0, name), name)
      let out = r.findSubmatches(try argString(a, 1, name), limit: try argInt(a, 2, name))
      try checkSize(out.count, ctx, name)
      return .array(out.map { .array($0.map { .string($0) }) })
    }
    register("regex.split", arity: 2) { a, _ in
      let r = try Builtins.compiled(try argString(a, 0, "regex.split"), "regex.split")
      return .array(r.split(try argString(a, 1, "regex.split")).map { .string($0) })
    }
    register("regex.replace", arity: 3) { a, ctx in
      let s = try argString(a, 0, "regex.replace")
      let r = try Builtins.compiled(try argString(a, 1, "regex.replace"), "regex.replace")
      return try checkString(
        r.replaceAll(s, with: try argString(a, 2, "regex.replace")), ctx, "regex.replace")
    }
    // gorilla/mux-style templates: literal text outside the delimiters, a regular
    // expression inside each pair; the whole value must match.
    register("regex.template_match", arity: 4) { a, _ in
      let name = "regex.template_match"
      let template = Array(try argString(a, 0, name).utf8)
      let value = try argString(a, 1, name)
      let start = Array(try argString(a, 2, name).utf8)
      let end = Array(try argString(a, 3, name).utf8)
      guard start.count == 1 else {
        throw builtinError(
          name, "start delimiter has to be exactly one character long but is \(start.count) long")
      }
      guard end.count == 1 else {
        throw builtinError(
          name, "end delimiter has to be exactly one character long but is \(end.count) long")
      }
      var idxs: [Int] = []
      var level = 0
      var open = 0
      for (i, c) in template.enumerated() {
        if c == start[0] {
          level += 1
          if level == 1 { open = i }
        } else if c == end[0] {
          level -= 1
          if level == 0 {
            idxs += [open, i + 1]
          } else if level < 0 {
            throw builtinError(
              name,
              "unbalanced braces in \(JSONCodec.quote(String(decoding: template, as: UTF8.self)))")
          }
        }
      }
      if level != 0 {
        throw builtinError(
          name, "unbalanced braces in \(JSONCodec.quote(String(decoding: template, as: UTF8.self)))"
        )
      }
      var pattern = "^"
      var last = 0
      for i in stride(from: 0, to: idxs.count, by: 2) {
        let raw = String(decoding: template[last..<idxs[i]], as: UTF8.self)
        last = idxs[i + 1]
        let inner = String(decoding: template[(idxs[i] + 1)..<(last - 1)], as: UTF8.self)
        _ = try Builtins.compiled("^" + inner + "$", name)
        pattern += Builtins.quoteMeta(raw) + "(" + inner + ")"
      }
      pattern += Builtins.quoteMeta(String(decoding: template[last...], as: UTF8.self)) + "$"
      return .bool(try Builtins.compiled(pattern, name).matches(value))
    }
  }

  /// Go's `regexp.QuoteMeta`.
  static func quoteMeta(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
      if "\\.+*?()|[]{}^$".unicodeScalars.contains(c) { out.unicodeScalars.append("\\") }
      out.unicodeScalars.append(c)
    }
    return out
  }
}
