import ByteFormats
import Foundation
import TailguardModel
import Yams

/// Small helpers over Yams nodes shared by the YAML extractors: string lookups, the 1-based
/// line of a node, and the byte span of a scalar's text in the file.
enum YAMLSupport {
  /// Upper bound on documents per file and on tree depth walked.
  static let maxDocuments = 10_000
  static let maxDepth = 64

  /// Parses every document; a parse error becomes a diagnostic with the line Yams reports.
  static func documents(_ text: String, file: String) -> ([Node], Diagnostic?) {
    do {
      // The basic resolver: every scalar stays a string (no YAML 1.1 regex tag resolution, which
      // dominated the profile); the extractors convert numbers themselves.
      var seq = try Yams.compose_all(yaml: text, .basic)
      var docs: [Node] = []
      while let n = seq.next() {
        docs.append(n)
        if docs.count >= maxDocuments { break }
      }
      if let e = seq.error { return (docs, diagnostic(e, file: file)) }
      return (docs, nil)
    } catch {
      return ([], diagnostic(error, file: file))
    }
  }

  static func diagnostic(_ error: any Error, file: String) -> Diagnostic {
    var line: Int?
    var message = String(describing: error)
    if let y = error as? YamlError {
      switch y {
      case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
        .composer(_, let problem, let mark, _):
        line = mark.line
        message = problem
      case .duplicatedKeysInMapping(let duplicates, let context):
        line = context.mark.line
        message = "duplicated key(s) " + duplicates.joined(separator: ", ")
      default: break
      }
    }
    message = message.split(separator: "\n").first.map(String.init) ?? message
    if message.count > 300 { message = String(message.prefix(300)) }
    return Diagnostic(
      .error, code: "yaml.parse", "YAML does not parse: \(message)", source: "fleet", path: file,
      line: line ?? 1)
  }

  static func string(_ node: Node?) -> String? {
    guard case .scalar(let s)? = node else { return nil }
    return s.string
  }

  static func int(_ node: Node?) -> Int? {
    guard let s = string(node) else { return nil }
    return Int(s.trimmingCharacters(in: .whitespaces))
  }

  static func mapping(_ node: Node?) -> Node.Mapping? {
    guard case .mapping(let m)? = node else { return nil }
    return m
  }

  static func sequence(_ node: Node?) -> Node.Sequence? {
    guard case .sequence(let s)? = node else { return nil }
    return s
  }

  static func line(_ node: Node) -> Int { node.mark?.line ?? 1 }

  /// The span of `token` written at or after the node's position on its line.
  static func span(of token: String, node: Node, in text: TextLines) -> ByteSpan? {
    guard let mark = node.mark, mark.line >= 1, mark.line <= text.count else { return nil }
    let lineIndex = mark.line - 1
    let lineText = text.lines[lineIndex]
    let colBytes = String(lineText.unicodeScalars.prefix(max(mark.column - 1, 0))).utf8.count
    let from = text.starts[lineIndex] + colBytes
    return text.find(token, from: from, to: text.lineEnd(lineIndex))
  }

  /// The empty place inside an empty quoted scalar (`""` or `''`) at `node`: where a value can
  /// be written without touching anything else. Nil for plain or non-empty scalars.
  static func emptyQuotedSlot(node: Node, in text: TextLines) -> ByteSpan? {
    guard let mark = node.mark, mark.line >= 1, mark.line <= text.count,
      YAMLSupport.string(node) == ""
    else { return nil }
    let lineIndex = mark.line - 1
    let lineText = text.lines[lineIndex]
    let prefix = String(lineText.unicodeScalars.prefix(max(mark.column - 1, 0)))
    let rest = lineText.utf8.dropFirst(prefix.utf8.count)
    guard rest.count >= 2, let q = rest.first, q == UInt8(ascii: "\"") || q == UInt8(ascii: "'"),
      rest.dropFirst().first == q
    else { return nil }
    let at = text.starts[lineIndex] + prefix.utf8.count + 1
    return ByteSpan(start: at, end: at)
  }

  /// For YAML that does not parse (templates, duplicated keys): `image:` lines read one by one,
  /// so the references in a broken file are still reported (next to the parse diagnostic).
  static func fallbackImageLines(_ text: TextLines, file: String, source: ReferenceSource)
    -> [FleetReference]
  {
    var out: [FleetReference] = []
    for (i, raw) in text.lines.enumerated() {
      var l = Substring(raw).drop(while: { $0 == " " || $0 == "\t" })
      if l.hasPrefix("- ") { l = l.dropFirst(2).drop(while: { $0 == " " }) }
      guard l.hasPrefix("image:") else { continue }
      var v = l.dropFirst(6).drop(while: { $0 == " " || $0 == "\t" })
      if let hash = v.range(of: " #") { v = v[..<hash.lowerBound] }
      while let last = v.last, last == " " || last == "\t" { v.removeLast() }
      if v.count >= 2, let f = v.first, f == "\"" || f == "'", v.last == f {
        v = v.dropFirst().dropLast()
      }
      guard !v.isEmpty, v.first != "{", v.first != "|", v.first != ">" else { continue }
      let token = String(v)
      let span = text.find(token, from: text.starts[i], to: text.lineEnd(i))
      out.append(
        FleetReference.make(
          file: file, line: i + 1, written: token, substituted: nil, source: source, span: span))
    }
    return out
  }
}
