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
}
