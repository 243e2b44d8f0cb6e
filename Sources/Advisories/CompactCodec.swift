import TailguardModel

/// The compact text the database keeps for ranges and lists, so a match query decodes rows with
/// string splits instead of a JSON parser (the matcher reads thousands of rows per scan). The
/// raw OSV JSON stays beside it for anything this form leaves out.
///
/// Lists are newline-separated; a range is one line `KIND<TAB>repo<TAB>i=0<TAB>f=2.20.0…`.
/// `%`, tab and newline inside values are percent-escaped.
enum CompactCodec {
  static func escape(_ s: String) -> String {
    guard s.contains(where: { $0 == "%" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else {
      return s
    }
    var out = ""
    for ch in s {
      switch ch {
      case "%": out += "%25"
      case "\t": out += "%09"
      case "\n": out += "%0A"
      case "\r": out += "%0D"
      default: out.append(ch)
      }
    }
    return out
  }

  /// Reverses `escape` in one pass (any other `%` sequence is kept as written).
  static func unescape<S: StringProtocol>(_ s: S) -> String {
    guard s.utf8.contains(UInt8(ascii: "%")) else { return String(s) }
    let bytes = Array(s.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
      if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count {
        let code = (bytes[i + 1], bytes[i + 2])
        let decoded: UInt8? =
          switch code {
          case (UInt8(ascii: "2"), UInt8(ascii: "5")): UInt8(ascii: "%")
          case (UInt8(ascii: "0"), UInt8(ascii: "9")): UInt8(ascii: "\t")
          case (UInt8(ascii: "0"), UInt8(ascii: "A")): UInt8(ascii: "\n")
          case (UInt8(ascii: "0"), UInt8(ascii: "D")): UInt8(ascii: "\r")
          default: nil
          }
        if let decoded {
          out.append(decoded)
          i += 3
          continue
        }
      }
      out.append(bytes[i])
      i += 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func encodeList(_ items: [String]) -> String { items.map(escape).joined(separator: "\n") }

  static func decodeList(_ text: String) -> [String] {
    text.isEmpty ? [] : lines(text, omittingEmpty: false).map { unescape($0) }
  }

  /// Splits on a byte (the separators are ASCII), without the grapheme breaking a `Character`
  /// split pays for: the matcher decodes these fields for every advisory it reads.
  static func split(_ text: Substring, on byte: UInt8, omittingEmpty: Bool, maxSplits: Int = .max)
    -> [Substring]
  {
    text.utf8.split(
      separator: byte, maxSplits: maxSplits, omittingEmptySubsequences: omittingEmpty
    ).map { Substring($0) }
  }

  static func lines(_ text: String, omittingEmpty: Bool) -> [Substring] {
    split(Substring(text), on: UInt8(ascii: "\n"), omittingEmpty: omittingEmpty)
  }

  static func encodeSeverities(_ items: [SeverityVector]) -> String {
    items.map { escape($0.type) + "\t" + escape($0.score) }.joined(separator: "\n")
  }

  static func decodeSeverities(_ text: String) -> [SeverityVector] {
    guard !text.isEmpty else { return [] }
    return lines(text, omittingEmpty: true).compactMap { line in
      let parts = split(line, on: UInt8(ascii: "\t"), omittingEmpty: false, maxSplits: 1)
      guard parts.count == 2 else { return nil }
      return SeverityVector(type: unescape(parts[0]), score: unescape(parts[1]))
    }
  }

  private static let eventCodes: [(RangeEvent.Kind, Character)] = [
    (.introduced, "i"), (.fixed, "f"), (.lastAffected, "l"), (.limit, "m"),
  ]

  static func encodeRanges(_ ranges: [AffectedRange]) -> String {
    ranges.map { r in
      var parts = [r.kind.rawValue, escape(r.repo ?? "")]
      for e in r.events {
        let code = eventCodes.first { $0.0 == e.kind }?.1 ?? "i"
        parts.append("\(code)=\(escape(e.version))")
      }
      return parts.joined(separator: "\t")
    }.joined(separator: "\n")
  }

  static func decodeRanges(_ text: String) -> [AffectedRange] {
    guard !text.isEmpty else { return [] }
    return lines(text, omittingEmpty: true).compactMap { line in
      let parts = split(line, on: UInt8(ascii: "\t"), omittingEmpty: false)
      guard parts.count >= 2, let kind = AffectedRange.Kind(rawValue: String(parts[0])) else {
        return nil
      }
      var events: [RangeEvent] = []
      for p in parts.dropFirst(2) {
        let bytes = p.utf8
        guard bytes.count >= 2, let code = bytes.first,
          let k = eventCodes.first(where: { $0.1.asciiValue == code })?.0
        else { continue }
        events.append(RangeEvent(k, unescape(Substring(bytes.dropFirst(2)))))
      }
      let repo = unescape(parts[1])
      return AffectedRange(kind: kind, repo: repo.isEmpty ? nil : repo, events: events)
    }
  }
}
