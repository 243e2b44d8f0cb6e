import Foundation

/// The core-metadata file of an installed Python distribution (`METADATA` in a dist-info,
/// `PKG-INFO` in an egg-info): RFC 822 style headers up to the first empty line, where a line
/// starting with whitespace continues the previous header. Keys repeat (`Classifier`).
struct PythonMetadataParser: Sendable {
  var fields: [(key: String, value: String)] = []

  init(parsing text: String, maxFields: Int = 10_000) {
    // Lines are taken one at a time (split at LF, a trailing CR dropped) and the scan stops
    // at the body: the long description that follows can be far larger than the headers.
    var cursor = text.utf8.startIndex
    func nextLine() -> Substring? {
      guard cursor < text.utf8.endIndex else { return nil }
      let end = text.utf8[cursor...].firstIndex(of: UInt8(ascii: "\n")) ?? text.utf8.endIndex
      var line = text[cursor..<end]
      cursor = end < text.utf8.endIndex ? text.utf8.index(after: end) : end
      while line.utf8.last == UInt8(ascii: "\r") { line = line.dropLast() }
      return line
    }
    func startsIndented(_ line: Substring) -> Bool {
      line.utf8.first == UInt8(ascii: " ") || line.utf8.first == UInt8(ascii: "\t")
    }
    while let line = nextLine() {
      if line.isEmpty {
        // The body (long description) follows an empty line, except that old setuptools wrote
        // empty lines inside an indented `Description:` header, and more headers after it.
        // Runs of empty lines are skipped in one step, so the scan stays linear.
        guard let last = fields.last, last.key.lowercased() == "description" else { break }
        var following: Substring?
        var resume = cursor
        while let next = nextLine() {
          if !next.isEmpty {
            following = next
            break
          }
          resume = cursor
        }
        guard let following, startsIndented(following) || Self.looksLikeHeader(following) else {
          break
        }
        cursor = resume
        continue
      }
      if startsIndented(line) {
        if !fields.isEmpty {
          fields[fields.count - 1].value += "\n" + TextScanning.trimWhitespace(line)
        }
        continue
      }
      guard let colon = line.utf8.firstIndex(of: UInt8(ascii: ":")) else { continue }
      let key = String(TextScanning.trimWhitespace(line[..<colon]))
      let value = String(TextScanning.trimWhitespace(line[line.utf8.index(after: colon)...]))
      fields.append((key, value))
      if fields.count >= maxFields { break }
    }
  }

  static func looksLikeHeader(_ line: Substring) -> Bool {
    guard let colon = line.firstIndex(of: ":"), colon > line.startIndex else { return false }
    return line[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
  }

  /// First value of a header, compared case-insensitively (Metadata 2.x keys are case-insensitive).
  func first(_ key: String) -> String? {
    let k = key.lowercased()
    return fields.first { $0.key.lowercased() == k }?.value
  }

  func all(_ key: String) -> [String] {
    let k = key.lowercased()
    return fields.filter { $0.key.lowercased() == k }.map(\.value)
  }

  /// Declared licenses: `License-Expression` (PEP 639), else a short `License` field, else the
  /// license classifiers' last component (`License :: OSI Approved :: MIT License` → `MIT License`).
  var licenses: [String] {
    if let expression = first("License-Expression"), !expression.isEmpty { return [expression] }
    if let license = first("License"), !license.isEmpty, license != "UNKNOWN",
      !license.contains("\n"),
      license.count <= 200
    {
      return [license]
    }
    let fromClassifiers = all("Classifier").compactMap { c -> String? in
      let parts = c.split(separator: "::", omittingEmptySubsequences: false).map {
        String(TextScanning.trimWhitespace($0))
      }
      guard parts.count >= 2, parts[0] == "License", let last = parts.last, last != "OSI Approved"
      else { return nil }
      return last
    }
    return Array(Set(fromClassifiers)).sorted()
  }
}

extension PythonMetadataParser {
  /// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
  static func normalize(_ name: String) -> String {
    var out = ""
    var pendingDash = false
    for c in name.lowercased() {
      if c == "-" || c == "_" || c == "." {
        pendingDash = true
        continue
      }
      if pendingDash && !out.isEmpty { out.append("-") }
      pendingDash = false
      out.append(c)
    }
    return out
  }
}
