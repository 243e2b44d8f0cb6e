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
    forEachLine(text, endingAt: isNewline) { line in
      out.append(line)
      return true
    }
    return out
  }

  /// Calls `body` with each line of `text` in turn (the last one possibly empty) until it
  /// returns false: lines end at a scalar `isEnd` accepts, CR LF counting as one. Lazy, so a
  /// reader that needs only the head of a large file stops there.
  static func forEachLine(
    _ text: String, endingAt isEnd: (Unicode.Scalar) -> Bool, _ body: (Substring) -> Bool
  ) {
    let scalars = text.unicodeScalars
    var start = scalars.startIndex
    var i = start
    while i < scalars.endIndex {
      let s = scalars[i]
      guard isEnd(s) else {
        i = scalars.index(after: i)
        continue
      }
      guard body(text[start..<i]) else { return }
      i = scalars.index(after: i)
      if s == "\r", i < scalars.endIndex, scalars[i] == "\n" { i = scalars.index(after: i) }
      start = i
    }
    _ = body(text[start...])
  }

  /// The first occurrence of `needle` (not empty) in `text`, compared as UTF-8 bytes: a
  /// scan for the first byte, then a comparison of the rest.
  static func firstRange(of needle: String, in text: Substring) -> Range<String.Index>? {
    let n = Array(needle.utf8)
    guard let first = n.first else { return nil }
    let hay = text.utf8
    var i = hay.startIndex
    while let at = hay[i...].firstIndex(of: first) {
      guard let end = hay.index(at, offsetBy: n.count, limitedBy: hay.endIndex) else {
        return nil
      }
      if hay[at..<end].elementsEqual(n) { return at..<end }
      i = hay.index(after: at)
    }
    return nil
  }
}
