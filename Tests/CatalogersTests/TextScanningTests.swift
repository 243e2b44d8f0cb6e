import Foundation
import TailguardTesting
import Testing

@testable import Catalogers

/// The scalar-level trimming and line splitting agree with what they replace (Foundation's
/// `trimmingCharacters(in:)` and `split(whereSeparator: \.isNewline)`) on strings made of the
/// awkward pieces: every kind of newline, CR LF, Unicode spaces, combining marks, emoji.
@Suite struct TextScanningTests {
  static let pieces: [String] = [
    "a", "Name", ":", " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}",
    "\u{2029}", "\u{A0}", "\u{3000}", "\u{2009}", "é", "e\u{301}", "👩‍👩‍👧", "/", ",", "\"", "",
  ]

  static func samples() -> [String] {
    var g = SeededGenerator(seed: 11)
    return (0..<4000).map { _ in
      (0..<Int(g.next() % 12)).map { _ in pieces[Int(g.next() % UInt64(pieces.count))] }.joined()
    }
  }

  @Test func trimmingMatchesFoundation() {
    for s in Self.samples() {
      #expect(
        String(TextScanning.trimWhitespace(s[...])) == s.trimmingCharacters(in: .whitespaces),
        "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
      #expect(
        String(TextScanning.trimWhitespaceAndNewlines(s[...]))
          == s.trimmingCharacters(in: .whitespacesAndNewlines),
        "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
    }
  }

  @Test func linesMatchCharacterSplitting() {
    for s in Self.samples() {
      #expect(
        TextScanning.lines(s).map(String.init)
          == s.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(
            String.init),
        "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
    }
  }

  @Test func firstRangeMatchesFoundation() {
    var g = SeededGenerator(seed: 12)
    let needles = ["<!--", "-->", "<name>", "</licenses>", "é", "a"]
    let parts = ["<", "!", "-", ">", "<!-", "<name", "</name>", "é", "e\u{301}", "a", " ", "\n"]
    for _ in 0..<4000 {
      let s = (0..<Int(g.next() % 14)).map { _ in parts[Int(g.next() % UInt64(parts.count))] }
        .joined()
      for needle in needles {
        let mine = TextScanning.firstRange(of: needle, in: s[...]).map {
          s.utf8.distance(from: s.startIndex, to: $0.lowerBound)
        }
        let literal = s.range(of: needle, options: .literal).map {
          s.utf8.distance(from: s.startIndex, to: $0.lowerBound)
        }
        #expect(mine == literal, "\(needle) in \(s.debugDescription)")
      }
    }
  }

  @Test func forEachLineStopsWhenAsked() {
    var seen: [String] = []
    TextScanning.forEachLine("a\r\nb\rc\n\nd", endingAt: { $0 == "\n" || $0 == "\r" }) {
      seen.append(String($0))
      return !$0.isEmpty
    }
    #expect(seen == ["a", "b", "c", ""])
  }

  @Test func archiveExtensionIgnoresCase() {
    let names = [
      "a.jar", "A.JAR", "x/y.War", "lib.ear", "p.PAR", "z.jpi", "h.hpi", "jar", ".jar",
      "a.jarx", "a.zip", "é.jar", "a.ja", "", "a.JaR/",
    ]
    for name in names {
      #expect(
        JavaCataloger.hasArchiveExtension(name)
          == JavaCataloger.archiveExtensions.contains { name.lowercased().hasSuffix($0) }, "\(name)"
      )
    }
  }
}
