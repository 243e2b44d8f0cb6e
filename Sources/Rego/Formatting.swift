import Foundation

/// Text forms of values: Rego's own syntax (for `%v`, `print`) and Go's `fmt`
/// verbs as `sprintf` implements them.
enum Formatting {
  /// Rego literal syntax: `["a", 1]`, `{"k": "v"}`, `{1, 2}`, `set()`.
  static func regoText(_ v: Value) -> String {
    switch v {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return n.description
    case .string(let s): return JSONCodec.quote(s)
    case .array(let a): return "[" + a.map(regoText).joined(separator: ", ") + "]"
    case .set(let s):
      if s.isEmpty { return "set()" }
      return "{" + s.sorted().map(regoText).joined(separator: ", ") + "}"
    case .object(let o):
      return "{"
        + o.keys.sorted().map { regoText($0) + ": " + regoText(o[$0] ?? .null) }.joined(
          separator: ", ") + "}"
    }
  }

  /// Go `fmt.Sprintf` for the verbs policies use: %v %s %d %q %x %X %f %e %g %t %%,
  /// with width, precision and the `-`, `+`, `0`, ` ` flags.
  static func sprintf(_ format: String, _ args: [Value]) -> String {
    var out = ""
    let chars = Array(format.unicodeScalars)
    var i = 0
    var argIndex = 0
    while i < chars.count {
      let c = chars[i]
      if c != "%" {
        out.unicodeScalars.append(c)
        i += 1
        continue
      }
      i += 1
      guard i < chars.count else {
        out += "%!(NOVERB)"
        break
      }
      if chars[i] == "%" {
        out += "%"
        i += 1
        continue
      }
      var minus = false
      var plus = false
      var zero = false
      var space = false
      var sharp = false
      while i < chars.count, "-+0 #".unicodeScalars.contains(chars[i]) {
        switch chars[i] {
        case "-": minus = true
        case "+": plus = true
        case "0": zero = true
        case " ": space = true
        default: sharp = true
        }
        i += 1
      }
      var width: Int? = nil
      while i < chars.count, let d = Int(String(chars[i])) {
        width = (width ?? 0) * 10 + d
        i += 1
      }
      var precision: Int? = nil
      if i < chars.count, chars[i] == "." {
        i += 1
        precision = 0
        while i < chars.count, let d = Int(String(chars[i])) {
          precision = (precision ?? 0) * 10 + d
          i += 1
        }
      }
      guard i < chars.count else {
        out += "%!(NOVERB)"
        break
      }
      // Bound hostile widths and precisions (Go would allocate them; we refuse to).
      if let w = width, w > 10_000 { width = 10_000 }
      if let p = precision, p > 1_000 { precision = 1_000 }
      let verb = chars[i]
      i += 1
      guard argIndex < args.count else {
        out += "%!\(verb)(MISSING)"
        continue
      }
      let arg = args[argIndex]
      argIndex += 1
      var s: String
      switch verb {
      case "v", "s":
        if case .string(let str) = arg {
          s = str
        } else {
          s = regoText(arg)
        }
        if let p = precision, verb == "s" { s = String(s.prefix(p)) }
      case "q":
        if case .string(let str) = arg { s = JSONCodec.quote(str) } else { s = regoText(arg) }
      case "d":
        if case .number(let n) = arg, let iv = n.intValue {
          s = String(abs(iv))
          if iv < 0 { s = "-" + s } else if plus { s = "+" + s } else if space { s = " " + s }
        } else {
          s = "%!d(" + goTypeName(arg) + "=" + regoText(arg) + ")"
        }
      case "t":
        if case .bool(let b) = arg {
          s = b ? "true" : "false"
        } else {
          s = "%!t(" + regoText(arg) + ")"
        }
      case "x", "X":
        switch arg {
        case .number(let n):
          if let iv = n.intValue {
            s = String(abs(iv), radix: 16, uppercase: verb == "X")
            if iv < 0 { s = "-" + s }
            if sharp { s = (verb == "X" ? "0X" : "0x") + s }
          } else {
            s = "%!x(" + regoText(arg) + ")"
          }
        case .string(let str):
          s = str.utf8.map { String(format: verb == "X" ? "%02X" : "%02x", $0) }.joined()
        default: s = "%!x(" + regoText(arg) + ")"
        }
      case "f", "F", "e", "E", "g", "G":
        guard case .number(let n) = arg else {
          s = "%!\(verb)(" + regoText(arg) + ")"
          break
        }
        let d = n.doubleValue
        switch verb {
        case "f", "F": s = String(format: "%.\(precision ?? 6)f", d)
        case "e", "E":
          s = String(format: "%.\(precision ?? 6)\(verb)", d)
        default:
          if let precision {
            s = String(format: "%.\(precision)\(verb)", d)
          } else {
            s = n.description
          }
        }
        if plus, d >= 0 { s = "+" + s } else if space, d >= 0 { s = " " + s }
      default:
        s = "%!\(verb)(" + regoText(arg) + ")"
      }
      if let width, s.count < width {
        let pad = String(repeating: zero && !minus ? "0" : " ", count: width - s.count)
        if minus {
          s += pad
        } else if zero, s.hasPrefix("-") || s.hasPrefix("+") {
          s = String(s.prefix(1)) + pad + s.dropFirst()
        } else {
          s = pad + s
        }
      }
      out += s
    }
    if argIndex < args.count {
      out += "%!(EXTRA "
      out += args[argIndex...].map { goTypeName($0) + "=" + plainText($0) }.joined(separator: ", ")
      out += ")"
    }
    return out
  }

  static func plainText(_ v: Value) -> String {
    if case .string(let s) = v { return s }
    return regoText(v)
  }

  static func goTypeName(_ v: Value) -> String {
    switch v {
    case .string: return "string"
    case .number(let n): return n.intValue != nil ? "int" : "float64"
    case .bool: return "bool"
    default: return "ast." + v.typeName.capitalized
    }
  }
}
