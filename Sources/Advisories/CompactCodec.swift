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

  static func unescape<S: StringProtocol>(_ s: S) -> String {
    guard s.contains("%") else { return String(s) }
    return String(s).replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(
      of: "%0D", with: "\r"
    )
    .replacingOccurrences(of: "%09", with: "\t").replacingOccurrences(of: "%25", with: "%")
  }

  static func encodeList(_ items: [String]) -> String { items.map(escape).joined(separator: "\n") }

  static func decodeList(_ text: String) -> [String] {
    text.isEmpty
      ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map { unescape($0) }
  }

  static func encodeSeverities(_ items: [SeverityVector]) -> String {
    items.map { escape($0.type) + "\t" + escape($0.score) }.joined(separator: "\n")
  }

  static func decodeSeverities(_ text: String) -> [SeverityVector] {
    guard !text.isEmpty else { return [] }
    return text.split(separator: "\n").compactMap { line in
      let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
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
    return text.split(separator: "\n").compactMap { line in
      let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard parts.count >= 2, let kind = AffectedRange.Kind(rawValue: String(parts[0])) else {
        return nil
      }
      var events: [RangeEvent] = []
      for p in parts.dropFirst(2) {
        guard p.count >= 2, let code = p.first, let k = eventCodes.first(where: { $0.1 == code })?.0
        else { continue }
        events.append(RangeEvent(k, unescape(p.dropFirst(2))))
      }
      let repo = unescape(parts[1])
      return AffectedRange(kind: kind, repo: repo.isEmpty ? nil : repo, events: events)
    }
  }
}
