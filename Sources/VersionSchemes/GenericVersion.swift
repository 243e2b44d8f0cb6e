/// The fallback ordering for ecosystems without a scheme of their own: the version is split into
/// runs of digits and runs of letters (everything else only separates); numbers compare
/// numerically, letters case-insensitively, a number is newer than letters, a missing number
/// counts as 0 (`1.0 == 1`), and a trailing letter run marks a pre-release (`1.0rc1 < 1.0`).
public struct GenericVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  enum Token: Hashable, Sendable {
    case number(DecimalDigits)
    case text([UInt8])
  }

  let tokens: [Token]
  public let text: String
  public var description: String { text }

  public init(parsing text: String) throws(VersionParseError) {
    let bytes = try VersionLimits.bytes(text, scheme: "generic")
    var tokens: [Token] = []
    var i = 0
    while i < bytes.count {
      let c = bytes[i]
      if c < 0x20 || c == 0x7F {
        throw VersionParseError(
          scheme: "generic", input: text, reason: "control character in version")
      }
      if isDigit(c) {
        let start = i
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        tokens.append(.number(DecimalDigits(digits: bytes[start..<i])))
      } else if isAlpha(c) {
        let start = i
        while i < bytes.count, isAlpha(bytes[i]) { i += 1 }
        tokens.append(.text(bytes[start..<i].map(toLower)))
      } else {
        i += 1
      }
    }
    if tokens.isEmpty {
      throw VersionParseError(scheme: "generic", input: text, reason: "no digits or letters")
    }
    // trailing zero numbers carry no information
    while let last = tokens.last, case .number(let n) = last, n.isZero, tokens.count > 1 {
      tokens.removeLast()
    }
    self.tokens = tokens
    self.text = text
  }

  public static func compare(_ a: GenericVersion, _ b: GenericVersion) -> Int {
    let n = max(a.tokens.count, b.tokens.count)
    for i in 0..<n {
      let x: Token? = i < a.tokens.count ? a.tokens[i] : nil
      let y: Token? = i < b.tokens.count ? b.tokens[i] : nil
      switch (x, y) {
      case (.number(let p)?, .number(let q)?):
        let r = DecimalDigits.compare(p, q)
        if r != 0 { return r }
      case (.text(let p)?, .text(let q)?):
        let r = compareBytes(p, q)
        if r != 0 { return r }
      case (.number?, .text?): return 1
      case (.text?, .number?): return -1
      case (.number(let p)?, nil): if !p.isZero { return 1 }
      case (nil, .number(let q)?): if !q.isZero { return -1 }
      case (.text?, nil): return -1
      case (nil, .text?): return 1
      case (nil, nil): return 0
      }
    }
    return 0
  }

  public static func < (a: GenericVersion, b: GenericVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: GenericVersion, b: GenericVersion) -> Bool { compare(a, b) == 0 }
  public func hash(into hasher: inout Hasher) {
    // Equal versions have identical token lists once trailing zeros are dropped, except that
    // a lone "0" is kept; hash the list without any trailing zero.
    var t = tokens[...]
    while let last = t.last, case .number(let n) = last, n.isZero { t = t.dropLast() }
    for token in t { hasher.combine(token) }
  }
}

/// `VersionScheme` conformance for the generic fallback.
public enum GenericVersionScheme: VersionScheme {
  public static let name = "generic"
  public static func parse(_ text: String) throws(VersionParseError) -> GenericVersion {
    try GenericVersion(parsing: text)
  }
}
