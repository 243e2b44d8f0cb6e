import TailguardModel

/// One paragraph of a Debian control file (`var/lib/dpkg/status`, a distroless `status.d` file).
public struct DpkgStanza: Sendable, Hashable {
  /// Fields by lowercased name (field names are case-insensitive in deb822). Continuation lines
  /// are joined with `\n`; the value of a repeated field is the last one.
  public var fields: [String: String]
  /// 1-based line where the stanza starts.
  public var line: Int

  public init(fields: [String: String], line: Int) {
    self.fields = fields
    self.line = line
  }

  public subscript(_ name: String) -> String? { fields[name.lowercased()] }
}

/// A deb822 paragraph reader for dpkg databases (Debian Policy §5.1: `Name: value` fields,
/// continuation lines start with a space or tab, paragraphs are separated by blank lines).
///
/// It never throws: a status file with one bad paragraph still yields the others, and every
/// line it cannot read becomes a `Diagnostic` naming the file and line. Limits bound memory on
/// hostile input (a single huge paragraph, millions of fields).
public struct DpkgControlParser: Sendable {
  public struct Limits: Sendable, Hashable {
    public var maxStanzaBytes: Int
    public var maxFieldsPerStanza: Int
    public var maxStanzas: Int
    public init(
      maxStanzaBytes: Int = 4 << 20, maxFieldsPerStanza: Int = 512, maxStanzas: Int = 200_000
    ) {
      self.maxStanzaBytes = maxStanzaBytes
      self.maxFieldsPerStanza = maxFieldsPerStanza
      self.maxStanzas = maxStanzas
    }
  }

  public var limits: Limits
  public init(limits: Limits = Limits()) { self.limits = limits }

  /// Splits `bytes` into stanzas. `path` and `source` only label diagnostics.
  public func parse(_ bytes: [UInt8], path: String, source: String = "dpkg") -> (
    stanzas: [DpkgStanza], diagnostics: [Diagnostic]
  ) {
    var stanzas: [DpkgStanza] = []
    var diagnostics: [Diagnostic] = []
    var fields: [String: String] = [:]
    var currentName: String?
    var stanzaLine = 0
    var stanzaBytes = 0
    // The current stanza exceeded a limit; ignore it up to the next blank line.
    var skipping = false

    func finish() {
      if !skipping, !fields.isEmpty {
        stanzas.append(DpkgStanza(fields: fields, line: stanzaLine))
      }
      fields = [:]
      currentName = nil
      stanzaBytes = 0
      skipping = false
    }
    func problem(_ level: Diagnostic.Level, _ code: String, _ message: String, line: Int) {
      if diagnostics.count < 1000 {
        diagnostics.append(
          Diagnostic(level, code: code, message, source: source, path: path, line: line))
      }
    }

    var lineNumber = 0
    var start = 0
    let n = bytes.count
    while start <= n {
      if stanzas.count >= limits.maxStanzas {
        problem(
          .warning, "dpkg.limit",
          "more than \(limits.maxStanzas) paragraphs; the rest of the file is ignored",
          line: lineNumber + 1)
        return (stanzas, diagnostics)
      }
      var end = start
      while end < n, bytes[end] != 0x0A { end += 1 }
      if start == n { break }
      lineNumber += 1
      var lineEnd = end
      if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }  // CRLF
      let line = bytes[start..<lineEnd]
      start = end + 1

      let isBlank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
      if isBlank {
        finish()
        continue
      }
      if fields.isEmpty, currentName == nil, !skipping { stanzaLine = lineNumber }
      stanzaBytes += line.count + 1
      if skipping { continue }
      if stanzaBytes > limits.maxStanzaBytes {
        problem(
          .warning, "dpkg.stanza-too-large",
          "paragraph starting at line \(stanzaLine) exceeds \(limits.maxStanzaBytes) bytes; it is skipped",
          line: stanzaLine)
        skipping = true
        continue
      }
      if let first = line.first, first == 0x20 || first == 0x09 {
        guard let name = currentName else {
          problem(.warning, "dpkg.bad-line", "continuation line without a field", line: lineNumber)
          continue
        }
        var text = String(decoding: line.dropFirst(), as: UTF8.self)
        if text == "." { text = "" }  // an empty line inside a multi-line value
        fields[name, default: ""] += "\n" + text
        continue
      }
      if line.first == 0x23 { continue }  // comment (allowed in deb822 files)
      guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
        problem(
          .warning, "dpkg.bad-line", "line is neither a 'Field: value' line nor a continuation",
          line: lineNumber)
        currentName = nil
        continue
      }
      let nameBytes = line[line.startIndex..<colon]
      let name = String(decoding: nameBytes, as: UTF8.self).lowercased()
      guard !nameBytes.contains(0x20), !nameBytes.contains(0x09) else {
        problem(
          .warning, "dpkg.bad-line", "field name '\(name.prefix(60))' contains whitespace",
          line: lineNumber)
        currentName = nil
        continue
      }
      if fields[name] == nil, fields.count >= limits.maxFieldsPerStanza {
        problem(
          .warning, "dpkg.stanza-too-large",
          "paragraph starting at line \(stanzaLine) has more than \(limits.maxFieldsPerStanza) fields; it is skipped",
          line: stanzaLine)
        skipping = true
        continue
      }
      // Trimmed as bytes (spaces, tabs, stray CRs), then decoded once.
      var value = line[(colon + 1)...]
      while let f = value.first, f == 0x20 || f == 0x09 || f == 0x0D { value = value.dropFirst() }
      while let l = value.last, l == 0x20 || l == 0x09 || l == 0x0D { value = value.dropLast() }
      fields[name] = String(decoding: value, as: UTF8.self)
      currentName = name
    }
    finish()
    return (stanzas, diagnostics)
  }
}

extension DpkgControlParser {
  /// Trims spaces, tabs and stray carriage returns at both ends.
  static func trim(_ text: String) -> String {
    var s = Substring(text)
    while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
    return String(s)
  }
}
