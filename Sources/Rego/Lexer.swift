/// Splits Rego source into tokens, reporting errors with line and column.
struct Lexer {
  static let maxSourceBytes = 16 << 20
  static let maxTokens = 4_000_000

  let file: String
  let bytes: [UInt8]
  var pos = 0
  var row = 1
  var col = 1

  init(source: String, file: String) {
    self.file = file
    self.bytes = Array(source.utf8)
  }

  func error(_ m: String, _ r: Int, _ c: Int) -> RegoError {
    RegoError(.parseError, m, at: SourceLocation(file: file, row: r, col: c))
  }

  mutating func advance() {
    if bytes[pos] == 10 {
      row += 1
      col = 1
    } else if bytes[pos] & 0xC0 != 0x80 {
      col += 1
    }
    pos += 1
  }

  static func isIdentStart(_ c: UInt8) -> Bool {
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c == 0x5f
  }
  static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

  mutating func tokenize() throws -> [Token] {
    if bytes.count > Lexer.maxSourceBytes {
      throw error("source larger than \(Lexer.maxSourceBytes) bytes", 1, 1)
    }
    var out: [Token] = []
    var sawNewline = true
    while true {
      // whitespace and comments
      while pos < bytes.count {
        let c = bytes[pos]
        if c == 10 {
          sawNewline = true
          advance()
        } else if c == 0x20 || c == 0x09 || c == 0x0d {
          advance()
        } else if c == UInt8(ascii: "#") {
          while pos < bytes.count, bytes[pos] != 10 { advance() }
        } else {
          break
        }
      }
      if out.count > Lexer.maxTokens { throw error("too many tokens", row, col) }
      let r = row
      let cl = col
      guard pos < bytes.count else {
        out.append(Token(kind: .eof, text: "", row: r, col: cl, newlineBefore: true))
        return out
      }
      let c = bytes[pos]
      var tok: Token
      if Lexer.isIdentStart(c) {
        let s = pos
        while pos < bytes.count, Lexer.isIdentStart(bytes[pos]) || Lexer.isDigit(bytes[pos]) {
          advance()
        }
        tok = Token(
          kind: .ident, text: String(decoding: bytes[s..<pos], as: UTF8.self), row: r, col: cl,
          newlineBefore: sawNewline)
      } else if Lexer.isDigit(c) {
        let s = pos
        while pos < bytes.count, Lexer.isDigit(bytes[pos]) { advance() }
        if pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "."), Lexer.isDigit(bytes[pos + 1]) {
          advance()
          while pos < bytes.count, Lexer.isDigit(bytes[pos]) { advance() }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
          advance()
          if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") {
            advance()
          }
          while pos < bytes.count, Lexer.isDigit(bytes[pos]) { advance() }
        }
        tok = Token(
          kind: .number, text: String(decoding: bytes[s..<pos], as: UTF8.self), row: r, col: cl,
          newlineBefore: sawNewline)
      } else if c == UInt8(ascii: "\"") {
        tok = Token(
          kind: .string, text: try quoted(), row: r, col: cl, newlineBefore: sawNewline)
      } else if c == UInt8(ascii: "`") {
        advance()
        let s = pos
        while pos < bytes.count, bytes[pos] != UInt8(ascii: "`") { advance() }
        guard pos < bytes.count else { throw error("unterminated raw string", r, cl) }
        let text = String(decoding: bytes[s..<pos], as: UTF8.self)
        advance()
        tok = Token(kind: .string, text: text, row: r, col: cl, newlineBefore: sawNewline)
      } else {
        let two = pos + 1 < bytes.count ? String(decoding: bytes[pos...pos + 1], as: UTF8.self) : ""
        if [":=", "==", "!=", "<=", ">="].contains(two) {
          advance()
          advance()
          tok = Token(kind: .punct, text: two, row: r, col: cl, newlineBefore: sawNewline)
        } else if "{}[]().,;:=<>+-*/%|&!".utf8.contains(c) {
          advance()
          tok = Token(
            kind: .punct, text: String(UnicodeScalar(c)), row: r, col: cl, newlineBefore: sawNewline
          )
        } else {
          throw error("unexpected character '\(String(UnicodeScalar(c)))'", r, cl)
        }
      }
      out.append(tok)
      sawNewline = false
    }
  }

  mutating func quoted() throws -> String {
    let r = row
    let cl = col
    advance()
    var out: [UInt8] = []
    while pos < bytes.count {
      let c = bytes[pos]
      if c == 10 { throw error("unterminated string (newline in string)", r, cl) }
      let er = row
      let ec = col
      advance()
      if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
      if c == UInt8(ascii: "\\") {
        guard pos < bytes.count else { break }
        switch StringEscape.decode(bytes, at: pos, into: &out) {
        case .success(let used): for _ in 0..<used { advance() }
        case .failure(.badUnicode): throw error("invalid \\u escape", er, ec)
        case .failure(.badEscape(let e)):
          throw error("invalid escape sequence '\\\(String(UnicodeScalar(e)))'", er, ec)
        }
      } else {
        out.append(c)
      }
    }
    throw error("unterminated string", r, cl)
  }
}
