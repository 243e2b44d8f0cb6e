import Foundation

/// The core-metadata file of an installed Python distribution (`METADATA` in a dist-info,
/// `PKG-INFO` in an egg-info): RFC 822 style headers up to the first empty line, where a line
/// starting with whitespace continues the previous header. Keys repeat (`Classifier`).
struct PythonMetadataParser: Sendable {
  var fields: [(key: String, value: String)] = []

  init(parsing text: String, maxFields: Int = 10_000) {
    let lines = text.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    var index = 0
    while index < lines.count {
      let raw = lines[index]
      index += 1
      let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
      if line.isEmpty {
        // The body (long description) follows an empty line, except that old setuptools wrote
        // empty lines inside an indented `Description:` header, and more headers after it.
        // Runs of empty lines are skipped in one step, so the scan stays linear.
        guard let last = fields.last, last.key.lowercased() == "description" else { break }
        var next = index
        while next < lines.count && lines[next].isEmpty { next += 1 }
        guard next < lines.count else { break }
        let following = lines[next]
        guard following.first == " " || following.first == "\t" || Self.looksLikeHeader(following)
        else { break }
        index = next
        continue
      }
      if line.first == " " || line.first == "\t" {
        if !fields.isEmpty {
          fields[fields.count - 1].value += "\n" + line.trimmingCharacters(in: .whitespaces)
        }
        continue
      }
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingCharacters(in: .whitespaces)
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
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
      let parts = c.components(separatedBy: "::").map { $0.trimmingCharacters(in: .whitespaces) }
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
