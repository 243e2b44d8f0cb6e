/// An RPM `[epoch:]version[-release]`, ordered as rpm orders labels: epochs numerically
/// (absent = 0), then `rpmvercmp` on the versions, then on the releases. A missing release sorts
/// below any release, as in rpm's Python `labelCompare` (advisories usually carry a release; a
/// bare upstream version then means "before every build of it").
///
/// `rpmvercmp` (rpm `rpmio/rpmvercmp.c`) splits a string into maximal digit or letter runs;
/// every other character only separates. `~` sorts before everything (even the end), `^` after
/// the end but before any further segment. Numbers compare without leading zeros, letters
/// byte-wise, and a number is newer than letters. The comparison is precomputed as a token list
/// so that comparing two parsed versions does not re-scan the text.
public struct RPMVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  enum Token: Hashable, Sendable {
    case tilde
    case caret
    case number([UInt8])  // digits without leading zeros
    case alpha([UInt8])
  }

  /// Epoch digits without leading zeros (empty = 0).
  let epochDigits: [UInt8]
  let versionTokens: [Token]
  let releaseTokens: [Token]?
  public let epochText: String?
  public let version: String
  public let release: String?

  public var epoch: String {
    epochDigits.isEmpty ? "0" : String(decoding: epochDigits, as: UTF8.self)
  }

  public var description: String {
    (epochText.map { "\($0):" } ?? "") + version + (release.map { "-\($0)" } ?? "")
  }

  /// Parses `[epoch:]version[-release]` the way rpm's `parseEVR` splits it: the epoch is a run
  /// of leading digits followed by `:`, the release follows the last `-`.
  public init(parsing text: String) throws(VersionParseError) {
    func fail(_ reason: String) -> VersionParseError {
      VersionParseError(scheme: "rpm", input: text, reason: reason)
    }
    let bytes = try VersionLimits.bytes(text, scheme: "rpm")
    for c in bytes where c <= 0x20 || c == 0x7F {
      throw fail(
        isCSpace(c) ? "version contains whitespace" : "version contains a control character")
    }
    var s = 0
    while s < bytes.count, isDigit(bytes[s]) { s += 1 }
    var versionStart = 0
    var epochText: String? = nil
    var epochDigits: [UInt8] = []
    if s < bytes.count, bytes[s] == UInt8(ascii: ":") {
      let digits = bytes[0..<s]
      epochText = digits.isEmpty ? "0" : String(decoding: digits, as: UTF8.self)
      epochDigits = Array(digits.drop { $0 == UInt8(ascii: "0") })
      versionStart = s + 1
    }
    let tail = bytes[versionStart...]
    var versionPart = tail
    var releasePart: ArraySlice<UInt8>? = nil
    if let hyphen = tail.lastIndex(of: UInt8(ascii: "-")) {
      versionPart = tail[tail.startIndex..<hyphen]
      releasePart = tail[(hyphen + 1)...]
    }
    if versionPart.isEmpty { throw fail("empty version part") }
    if let r = releasePart, r.isEmpty { throw fail("empty release after '-'") }
    self.epochText = epochText
    self.epochDigits = epochDigits
    self.version = String(decoding: versionPart, as: UTF8.self)
    self.release = releasePart.map { String(decoding: $0, as: UTF8.self) }
    self.versionTokens = Self.tokenize(versionPart)
    self.releaseTokens = releasePart.map(Self.tokenize)
  }

  static func tokenize(_ s: ArraySlice<UInt8>) -> [Token] {
    var tokens: [Token] = []
    var i = s.startIndex
    while i < s.endIndex {
      let c = s[i]
      if c == UInt8(ascii: "~") {
        tokens.append(.tilde)
        i += 1
      } else if c == UInt8(ascii: "^") {
        tokens.append(.caret)
        i += 1
      } else if isDigit(c) {
        var j = i
        while j < s.endIndex, isDigit(s[j]) { j += 1 }
        var k = i
        while k < j, s[k] == UInt8(ascii: "0") { k += 1 }
        tokens.append(.number(Array(s[k..<j])))
        i = j
      } else if isAlpha(c) {
        var j = i
        while j < s.endIndex, isAlpha(s[j]) { j += 1 }
        tokens.append(.alpha(Array(s[i..<j])))
        i = j
      } else {
        i += 1  // separator
      }
    }
    return tokens
  }

  /// `rpmvercmp` over token lists, returning -1, 0 or 1.
  static func compareTokens(_ a: [Token], _ b: [Token]) -> Int {
    var i = 0
    while true {
      let ta: Token? = i < a.count ? a[i] : nil
      let tb: Token? = i < b.count ? b[i] : nil
      if case .tilde = ta {
        if case .tilde = tb {
          i += 1
          continue
        }
        return -1
      }
      if case .tilde = tb { return 1 }
      if case .caret = ta {
        if tb == nil { return 1 }
        if case .caret = tb {
          i += 1
          continue
        }
        return -1
      }
      if case .caret = tb {
        if ta == nil { return -1 }
        return 1
      }
      guard let ta, let tb else {
        if ta == nil && tb == nil { return 0 }
        return ta == nil ? -1 : 1
      }
      switch (ta, tb) {
      case (.number(let x), .number(let y)):
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        let r = compareBytes(x, y)
        if r != 0 { return r }
      case (.alpha(let x), .alpha(let y)):
        let r = compareBytes(x, y)
        if r != 0 { return r }
      case (.number, .alpha): return 1
      case (.alpha, .number): return -1
      default: return 0  // unreachable: tilde and caret handled above
      }
      i += 1
    }
  }

  /// `rpmvercmp` on two raw strings (no epoch/release splitting).
  public static func rpmvercmp(_ a: String, _ b: String) -> Int {
    compareTokens(tokenize(Array(a.utf8)[...]), tokenize(Array(b.utf8)[...]))
  }

  public static func compare(_ a: RPMVersion, _ b: RPMVersion) -> Int {
    if a.epochDigits != b.epochDigits {
      if a.epochDigits.count != b.epochDigits.count {
        return a.epochDigits.count < b.epochDigits.count ? -1 : 1
      }
      return compareBytes(a.epochDigits, b.epochDigits)
    }
    let v = compareTokens(a.versionTokens, b.versionTokens)
    if v != 0 { return v }
    switch (a.releaseTokens, b.releaseTokens) {
    case (nil, nil): return 0
    case (nil, _): return -1
    case (_, nil): return 1
    case (let x?, let y?): return compareTokens(x, y)
    }
  }

  public static func < (a: RPMVersion, b: RPMVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: RPMVersion, b: RPMVersion) -> Bool { compare(a, b) == 0 }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(epochDigits)
    hasher.combine(versionTokens)
    hasher.combine(releaseTokens)
  }
}

/// `VersionScheme` conformance for RPM labels.
public enum RPMVersionScheme: VersionScheme {
  public static let name = "rpm"
  public static func parse(_ text: String) throws(VersionParseError) -> RPMVersion {
    try RPMVersion(parsing: text)
  }
}
