/// Shell-style variable substitution as Docker (ARG in `FROM`) and Compose do it:
/// `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
/// `${VAR:?err}`, `${VAR?err}`; Compose also turns `$$` into a literal `$`.
///
/// The result is nil when a variable stays unresolved (unset and no default), because a
/// half-substituted reference would be a lie about which image runs.
public enum Interpolation {
  /// Upper bound on nesting of `${…${…}}` (inputs are hostile).
  static let maxDepth = 8

  /// Whether the text still contains something that a template engine or shell would replace.
  public static func containsPlaceholder(_ text: String) -> Bool {
    text.contains("$") || text.contains("{{")
  }

  /// Substitutes variables. `dollarEscape`: Compose's `$$`. Returns nil when unresolved.
  public static func substitute(
    _ text: String, variables: [String: String], dollarEscape: Bool = false
  ) -> String? {
    if text.contains("{{") { return nil }
    var out = ""
    var ok = true
    var chars = Array(text)
    if chars.count > 4096 { chars = Array(chars.prefix(4096)) }
    var i = 0
    expand(chars, &i, until: nil, variables, dollarEscape, depth: 0, into: &out, ok: &ok)
    return ok ? out : nil
  }

  private static func isNameChar(_ c: Character) -> Bool {
    c == "_" || (c.isASCII && (c.isLetter || c.isNumber))
  }

  /// Expands from `i` until `until` (a closing brace at this level) or the end.
  private static func expand(
    _ c: [Character], _ i: inout Int, until: Character?, _ vars: [String: String],
    _ dollarEscape: Bool, depth: Int, into out: inout String, ok: inout Bool
  ) {
    while i < c.count {
      let ch = c[i]
      if let until, ch == until { return }
      if ch != "$" {
        out.append(ch)
        i += 1
        continue
      }
      // ch == "$"
      if i + 1 >= c.count {
        out.append("$")
        i += 1
        continue
      }
      let next = c[i + 1]
      if dollarEscape && next == "$" {
        out.append("$")
        i += 2
        continue
      }
      if next == "{" {
        i += 2
        var name = ""
        while i < c.count, isNameChar(c[i]) {
          name.append(c[i])
          i += 1
        }
        var op = ""
        if i < c.count, c[i] == ":" {
          op = ":"
          i += 1
        }
        if i < c.count, "-+?".contains(c[i]) {
          op.append(c[i])
          i += 1
        }
        var word = ""
        var wordOK = true
        if !op.isEmpty {
          if depth < maxDepth {
            expand(
              c, &i, until: "}", vars, dollarEscape, depth: depth + 1, into: &word, ok: &wordOK)
          } else {
            ok = false
          }
        }
        // Expect the closing brace.
        if i < c.count, c[i] == "}" { i += 1 } else { ok = false }
        if name.isEmpty { ok = false }
        let value = vars[name]
        switch op {
        case "":
          if let value { out += value } else { ok = false }
        case ":-":
          if let value, !value.isEmpty {
            out += value
          } else {
            out += word
            if !wordOK { ok = false }
          }
        case "-":
          if let value {
            out += value
          } else {
            out += word
            if !wordOK { ok = false }
          }
        case ":+":
          if let value, !value.isEmpty {
            out += word
            if !wordOK { ok = false }
          }
        case "+":
          if value != nil {
            out += word
            if !wordOK { ok = false }
          }
        case ":?":
          if let value, !value.isEmpty { out += value } else { ok = false }
        case "?":
          if let value { out += value } else { ok = false }
        default:
          ok = false
        }
        continue
      }
      if isNameChar(next) && !next.isNumber {
        i += 1
        var name = ""
        while i < c.count, isNameChar(c[i]) {
          name.append(c[i])
          i += 1
        }
        if let value = vars[name] { out += value } else { ok = false }
        continue
      }
      out.append("$")
      i += 1
    }
  }
}
