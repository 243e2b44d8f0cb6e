/// A small strict JSON reader/writer for `Value`.
///
/// Written here rather than using Foundation so that numbers keep their exact
/// integer form, booleans never turn into numbers, object keys come out sorted,
/// and hostile documents hit explicit depth and size limits.
public enum JSONCodec {
  public static let maxDepth = 512
  public static let maxBytes = 256 << 20

  /// Decodes one JSON document.
  public static func decode(_ text: String, file: String = "<json>") throws -> Value {
    var p = Reader(bytes: Array(text.utf8), file: file)
    if p.bytes.count > maxBytes { throw RegoError(.dataError, "JSON document too large") }
    p.skipWS()
    let v = try p.value(depth: 0)
    p.skipWS()
    if p.pos != p.bytes.count { throw p.error("trailing characters after JSON value") }
    return v
  }

  /// Encodes compactly with sorted keys; sets become sorted arrays.
  public static func encode(_ v: Value) -> String {
    var out = ""
    write(v, into: &out, indent: nil, level: 0)
    return out
  }

  /// Encodes with two-space indentation (for `-o pretty`).
  public static func encodePretty(_ v: Value) -> String {
    var out = ""
    write(v, into: &out, indent: "  ", level: 0)
    return out
  }

  static func write(_ v: Value, into out: inout String, indent: String?, level: Int) {
    switch v {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let n): out += n.description
    case .string(let s): quote(s, into: &out)
    case .array(let a):
      writeArray(a, into: &out, indent: indent, level: level)
    case .set(let s):
      writeArray(s.sorted(), into: &out, indent: indent, level: level)
    case .object(let o):
      if o.isEmpty {
        out += "{}"
        return
      }
      out += "{"
      var first = true
      for k in o.keys.sorted() {
        if !first { out += "," }
        first = false
        newline(&out, indent, level + 1)
        if case .string(let s) = k { quote(s, into: &out) } else { quote(encode(k), into: &out) }
        out += indent == nil ? ":" : ": "
        write(o[k] ?? .null, into: &out, indent: indent, level: level + 1)
      }
      newline(&out, indent, level)
      out += "}"
    }
  }

  static func newline(_ out: inout String, _ indent: String?, _ l: Int) {
    if let indent {
      out += "\n"
      for _ in 0..<l { out += indent }
    }
  }

  static func writeArray(_ a: [Value], into out: inout String, indent: String?, level: Int) {
    if a.isEmpty {
      out += "[]"
      return
    }
    out += "["
    for (i, e) in a.enumerated() {
      if i > 0 { out += "," }
      newline(&out, indent, level + 1)
      write(e, into: &out, indent: indent, level: level + 1)
    }
    newline(&out, indent, level)
    out += "]"
  }

  /// JSON string quoting as Go's encoding/json does (HTML-unsafe characters kept as is).
  public static func quote(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let h = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    out += "\""
  }

  public static func quote(_ s: String) -> String {
    var o = ""
    quote(s, into: &o)
    return o
  }

  struct Reader {
    let bytes: [UInt8]
    let file: String
    var pos = 0

    init(bytes: [UInt8], file: String) {
      self.bytes = bytes
      self.file = file
    }

    func error(_ m: String) -> RegoError {
      var line = 1
      var col = 1
      for b in bytes[0..<min(pos, bytes.count)] {
        if b == 10 {
          line += 1
          col = 1
        } else {
          col += 1
        }
      }
      return RegoError(.dataError, m, at: SourceLocation(file: file, row: line, col: col))
    }

    mutating func skipWS() {
      while pos < bytes.count, [0x20, 0x0a, 0x0d, 0x09].contains(bytes[pos]) { pos += 1 }
    }

    mutating func value(depth: Int) throws -> Value {
      if depth > JSONCodec.maxDepth {
        throw error("JSON nesting deeper than \(JSONCodec.maxDepth)")
      }
      guard pos < bytes.count else { throw error("unexpected end of JSON") }
      switch bytes[pos] {
      case UInt8(ascii: "{"):
        pos += 1
        var o: [Value: Value] = [:]
        skipWS()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
          pos += 1
          return .object(o)
        }
        while true {
          skipWS()
          guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
            throw error("expected object key")
          }
          let k = try string()
          skipWS()
          guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
            throw error("expected ':'")
          }
          pos += 1
          skipWS()
          o[.string(k)] = try value(depth: depth + 1)
          skipWS()
          guard pos < bytes.count else { throw error("unexpected end of JSON") }
          if bytes[pos] == UInt8(ascii: ",") {
            pos += 1
            continue
          }
          if bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object(o)
          }
          throw error("expected ',' or '}'")
        }
      case UInt8(ascii: "["):
        pos += 1
        var a: [Value] = []
        skipWS()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
          pos += 1
          return .array(a)
        }
        while true {
          skipWS()
          a.append(try value(depth: depth + 1))
          skipWS()
          guard pos < bytes.count else { throw error("unexpected end of JSON") }
          if bytes[pos] == UInt8(ascii: ",") {
            pos += 1
            continue
          }
          if bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(a)
          }
          throw error("expected ',' or ']'")
        }
      case UInt8(ascii: "\""):
        return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      default:
        let start = pos
        while pos < bytes.count,
          let c = Optional(bytes[pos]),
          (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2b || c == 0x2e || c == 0x65 || c == 0x45
        {
          pos += 1
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        guard !text.isEmpty, let n = Number(parsing: text) else {
          throw error("invalid JSON value")
        }
        return .number(n)
      }
    }

    mutating func literal(_ word: String, _ v: Value) throws -> Value {
      let w = Array(word.utf8)
      guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else {
        throw error("invalid JSON literal")
      }
      pos += w.count
      return v
    }

    mutating func string() throws -> String {
      pos += 1
      var out: [UInt8] = []
      while pos < bytes.count {
        let c = bytes[pos]
        pos += 1
        if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
        if c == UInt8(ascii: "\\") {
          guard pos < bytes.count else { break }
          switch StringEscape.decode(bytes, at: pos, into: &out) {
          case .success(let used): pos += used
          case .failure(.badUnicode):
            pos += 1
            throw error("invalid \\u escape")
          case .failure(.badEscape):
            pos += 1
            throw error("invalid escape")
          }
        } else {
          out.append(c)
        }
      }
      throw error("unterminated string")
    }
  }
}
