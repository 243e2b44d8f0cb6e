import Foundation

/// The two text formats inside Java archives that carry coordinates.
enum JavaArchiveText {
  /// `java.util.Properties` text (`pom.properties`): `key=value`, `key: value` or `key value`,
  /// `#`/`!` comments, backslash line continuation and escapes. Later keys win, as in Java.
  static func properties(_ text: String, maxEntries: Int = 10_000) -> [String: String] {
    var result: [String: String] = [:]
    var logical: [String] = []
    var pending = ""
    var continuing = false
    for raw in text.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    ) {
      var line = Substring(raw)
      line = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
      if !continuing && (line.isEmpty || line.first == "#" || line.first == "!") { continue }
      // An odd number of trailing backslashes continues the line.
      let trailing = line.reversed().prefix { $0 == "\\" }.count
      if trailing % 2 == 1 {
        pending += line.dropLast()
        continuing = true
        continue
      }
      pending += line
      logical.append(pending)
      pending = ""
      continuing = false
      if logical.count >= maxEntries { break }
    }
    if !pending.isEmpty { logical.append(pending) }
    for line in logical {
      var key = ""
      var chars = Substring(line)
      var escaped = false
      // Key ends at the first unescaped '=', ':' or whitespace.
      while let c = chars.first {
        if escaped {
          key.append(c)
          escaped = false
        } else if c == "\\" {
          escaped = true
        } else if c == "=" || c == ":" || c == " " || c == "\t" || c == "\u{0C}" {
          break
        } else {
          key.append(c)
        }
        chars = chars.dropFirst()
      }
      // Separator: whitespace, then at most one '=' or ':', then whitespace.
      chars = chars.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
      if chars.first == "=" || chars.first == ":" { chars = chars.dropFirst() }
      chars = chars.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
      result[key] = unescape(chars)
    }
    return result
  }

  private static func unescape(_ s: Substring) -> String {
    var out = ""
    var chars = s
    while let c = chars.first {
      chars = chars.dropFirst()
      guard c == "\\", let e = chars.first else {
        if c != "\\" { out.append(c) }
        continue
      }
      chars = chars.dropFirst()
      switch e {
      case "t": out.append("\t")
      case "n": out.append("\n")
      case "r": out.append("\r")
      case "f": out.append("\u{0C}")
      case "u":
        let hex = String(chars.prefix(4))
        if hex.count == 4, let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) {
          out.unicodeScalars.append(scalar)
          chars = chars.dropFirst(4)
        } else {
          out.append("u")
        }
      default: out.append(e)
      }
    }
    return out
  }

  /// The main section of a `META-INF/MANIFEST.MF` (JAR File Specification): `Name: value`
  /// headers, continuation lines start with one space, the main section ends at the first
  /// empty line. Keys are case-insensitive (stored lowercased).
  static func manifestMainSection(_ text: String, maxEntries: Int = 10_000) -> [String: String] {
    var result: [String: String] = [:]
    var lastKey: String? = nil
    // Lines end at LF, CR or CR LF; only the main section is read (signed jars follow it with
    // a digest section per entry).
    TextScanning.forEachLine(text, endingAt: { $0 == "\n" || $0 == "\r" }) { raw in
      if raw.isEmpty {
        return lastKey == nil && result.isEmpty
      }
      if raw.utf8.first == UInt8(ascii: " ") {
        if let k = lastKey { result[k, default: ""] += raw.dropFirst() }
        return true
      }
      guard let colon = raw.utf8.firstIndex(of: UInt8(ascii: ":")) else {
        lastKey = nil
        return true
      }
      let key = raw[..<colon].lowercased()
      var value = raw[raw.utf8.index(after: colon)...]
      if value.utf8.first == UInt8(ascii: " ") { value = value.dropFirst() }
      result[key] = String(value)
      lastKey = key
      return result.count < maxEntries
    }
    return result.mapValues { String(TextScanning.trimWhitespace($0[...])) }
  }

  /// License names declared in a `pom.xml` (`<licenses><license><name>…</name>`). A plain text
  /// scan, not an XML parser: comments are removed and the five predefined entities decoded;
  /// anything else is taken as written. Licenses inherited from a parent POM are not visible.
  static func pomLicenses(_ xml: String, maxLicenses: Int = 100) -> [String] {
    var text = Substring(xml)
    // Drop comments so a commented-out block is not read.
    var clean = ""
    while let open = TextScanning.firstRange(of: "<!--", in: text) {
      clean += text[..<open.lowerBound]
      guard let close = TextScanning.firstRange(of: "-->", in: text[open.upperBound...]) else {
        text = ""
        break
      }
      text = text[close.upperBound...]
    }
    clean += text
    guard let start = TextScanning.firstRange(of: "<licenses>", in: clean[...]),
      let end = TextScanning.firstRange(of: "</licenses>", in: clean[start.upperBound...])
    else { return [] }
    var block = clean[start.upperBound..<end.lowerBound]
    var names: [String] = []
    while names.count < maxLicenses, let open = TextScanning.firstRange(of: "<name>", in: block),
      let close = TextScanning.firstRange(of: "</name>", in: block[open.upperBound...])
    {
      let raw = TextScanning.trimWhitespaceAndNewlines(block[open.upperBound..<close.lowerBound])
      let decoded = raw.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(
        of: "&gt;", with: ">"
      )
      .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
      .replacingOccurrences(of: "&amp;", with: "&")
      if !decoded.isEmpty { names.append(decoded) }
      block = block[close.upperBound...]
    }
    return names
  }

  /// `name-1.2.3` from an archive file name (`log4j-core-2.19.0.jar`): the name ends at the
  /// first `-` followed by a digit.
  static func nameAndVersion(fromFileName file: String) -> (name: String, version: String?) {
    var base = Substring(file)
    if let dot = base.lastIndex(of: ".") { base = base[..<dot] }
    var index = base.startIndex
    while let dash = base[index...].firstIndex(of: "-") {
      let next = base.index(after: dash)
      if next < base.endIndex, base[next].isASCII, base[next].isNumber {
        return (String(base[..<dash]), String(base[next...]))
      }
      index = next
    }
    return (String(base), nil)
  }
}
