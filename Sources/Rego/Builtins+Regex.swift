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
  }
}
