/// Trimming and line splitting for the text files catalogers read (package metadata, RECORD
/// lists), on Unicode scalars rather than through Foundation's `NSString` bridge or the
/// grapheme-by-grapheme `Character` view: a Python METADATA file carries its whole README, and
/// splitting or trimming that per grapheme cost more than the rest of the cataloger.
enum TextScanning {
  /// `CharacterSet.whitespaces`: tab and the space separators (Unicode category Zs).
  static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
    if s.value < 0x80 { return s == " " || s == "\t" }
    return s.properties.generalCategory == .spaceSeparator
  }

  /// `CharacterSet.newlines`: U+000A–U+000D, U+0085, U+2028, U+2029.
  static func isNewline(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
    default: false
    }
  }

  /// `text` without leading and trailing scalars that `drop` accepts.
  static func trim(_ text: Substring, _ drop: (Unicode.Scalar) -> Bool) -> Substring {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !drop($0) }) else {
      return text[text.endIndex...]
    }
    let last = scalars.lastIndex(where: { !drop($0) })!
    return text[first..<scalars.index(after: last)]
  }

  /// `trimmingCharacters(in: .whitespaces)`.
  static func trimWhitespace(_ text: Substring) -> Substring { trim(text, isWhitespace) }

  /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
  static func trimWhitespaceAndNewlines(_ text: Substring) -> Substring {
    trim(text) { isWhitespace($0) || isNewline($0) }
  }

  /// `text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)`: lines end
  /// at any newline character (`CharacterSet.newlines`), and CR LF counts as one.
  static func lines(_ text: String) -> [Substring] {
    var out: [Substring] = []
    let scalars = text.unicodeScalars
    var start = scalars.startIndex
    var i = start
    while i < scalars.endIndex {
      let s = scalars[i]
      guard isNewline(s) else {
        i = scalars.index(after: i)
        continue
      }
      out.append(text[start..<i])
      i = scalars.index(after: i)
      if s == "\r", i < scalars.endIndex, scalars[i] == "\n" { i = scalars.index(after: i) }
      start = i
    }
    out.append(text[start...])
    return out
  }
}
