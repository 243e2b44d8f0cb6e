extension GoBuildInfo {
  /// Parses the module-info text (`runtime/debug.BuildInfo.String` format): tab-separated
  /// `path`, `mod`, `dep`, `=>` (replaces the module on the line before) and `build` lines.
  /// Lines it cannot read are kept in `problems` rather than failing the whole binary.
  public init(parsingModInfo text: String, goVersion: String, limits: Limits = Limits())
    throws(ByteFormatError)
  {
    self.init(goVersion: goVersion)
    var lineCount = 0
    // Which module the next `=>` line replaces: -1 = main, n = dependencies[n].
    var last: Int? = nil
    for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
      lineCount += 1
      guard lineCount <= limits.maxLines else {
        throw ByteFormatError(
          .limitExceeded, "Go module info has more than \(limits.maxLines) lines")
      }
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      guard let tab = line.firstIndex(of: "\t") else {
        problems.append(String(line.prefix(200)))
        continue
      }
      let keyword = line[..<tab]
      let rest = line[line.index(after: tab)...]
      switch keyword {
      case "path":
        path = String(rest)
        last = nil
      case "mod", "dep":
        let f = rest.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard f.count >= 2, !f[0].isEmpty else {
          problems.append(String(line.prefix(200)))
          last = nil
          continue
        }
        let module = Module(
          path: f[0], version: f[1], sum: f.count > 2 && !f[2].isEmpty ? f[2] : nil)
        if keyword == "mod" {
          main = module
          last = -1
        } else {
          dependencies.append(module)
          last = dependencies.count - 1
        }
      case "=>":
        let f = rest.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard f.count >= 2, !f[0].isEmpty, let target = last else {
          problems.append(String(line.prefix(200)))
          continue
        }
        let replacement = Replacement(
          path: f[0], version: f[1], sum: f.count > 2 && !f[2].isEmpty ? f[2] : nil)
        if target == -1 {
          main?.replacement = replacement
        } else {
          dependencies[target].replacement = replacement
        }
        last = nil
      case "build":
        guard let setting = Self.parseSetting(rest) else {
          problems.append(String(line.prefix(200)))
          continue
        }
        settings.append(setting)
        last = nil
      default:
        problems.append(String(line.prefix(200)))
        last = nil
      }
    }
  }

  /// `key=value` where either side may be a Go-quoted string.
  static func parseSetting(_ text: Substring) -> Setting? {
    var rest = text
    let key: String
    if rest.hasPrefix("\"") {
      guard let (k, after) = unquotePrefix(rest) else { return nil }
      key = k
      rest = after
      guard rest.hasPrefix("=") else { return nil }
    } else {
      guard let eq = rest.firstIndex(of: "=") else { return nil }
      key = String(rest[..<eq])
      rest = rest[eq...]
    }
    rest = rest.dropFirst()  // "="
    var value: String
    if rest.hasPrefix("\"") {
      guard let (v, after) = unquotePrefix(rest), after.isEmpty else { return nil }
      value = v
    } else {
      value = String(rest)
    }
    guard !key.isEmpty else { return nil }
    if value.utf8.count > 1 << 16 { value = String(value.prefix(1 << 16)) }
    return Setting(key: key, value: value)
  }

  /// Decodes a Go double-quoted string literal at the start of `text` (strconv.Quote's escapes)
  /// and returns it with the remainder after the closing quote.
  static func unquotePrefix(_ text: Substring) -> (String, Substring)? {
    var scalars = text.unicodeScalars.dropFirst()  // opening quote
    var out = String.UnicodeScalarView()
    var bytes: [UInt8] = []  // pending \x / octal bytes, decoded as UTF-8 together
    func flush() {
      if !bytes.isEmpty {
        out.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
        bytes.removeAll()
      }
    }
    func hex(_ count: Int) -> UInt32? {
      var v: UInt32 = 0
      for _ in 0..<count {
        guard let c = scalars.first, let d = UInt32(String(c), radix: 16) else { return nil }
        v = v * 16 + d
        scalars = scalars.dropFirst()
      }
      return v
    }
    while let c = scalars.first {
      scalars = scalars.dropFirst()
      switch c {
      case "\"":
        flush()
        return (String(out), Substring(String(scalars)))
      case "\\":
        guard let e = scalars.first else { return nil }
        scalars = scalars.dropFirst()
        switch e {
        case "a":
          flush()
          out.append("\u{07}")
        case "b":
          flush()
          out.append("\u{08}")
        case "f":
          flush()
          out.append("\u{0C}")
        case "n":
          flush()
          out.append("\n")
        case "r":
          flush()
          out.append("\r")
        case "t":
          flush()
          out.append("\t")
        case "v":
          flush()
          out.append("\u{0B}")
        case "\\":
          flush()
          out.append("\\")
        case "\"":
          flush()
          out.append("\"")
        case "'":
          flush()
          out.append("'")
        case "x":
          guard let v = hex(2) else { return nil }
          bytes.append(UInt8(v))
        case "u", "U":
          guard let v = hex(e == "u" ? 4 : 8), let s = Unicode.Scalar(v) else { return nil }
          flush()
          out.append(s)
        case "0"..."7":
          var v = UInt32(e.value - 48)
          for _ in 0..<2 {
            guard let d = scalars.first, ("0"..."7").contains(d) else { return nil }
            v = v * 8 + (d.value - 48)
            scalars = scalars.dropFirst()
          }
          guard v <= 255 else { return nil }
          bytes.append(UInt8(v))
        default: return nil
        }
      default:
        flush()
        out.append(c)
      }
    }
    return nil
  }
}
