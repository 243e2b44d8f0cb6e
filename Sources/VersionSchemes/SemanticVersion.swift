/// A Semantic Versioning 2.0 version as npm's `semver` package (node-semver 7) parses and
/// orders it; crates.io uses the same precedence. Build metadata is kept but ignored by
/// comparison, as SemVer §10 requires.
///
/// Two grammars: `.strict` is node-semver's default (`FULL`: an optional `v`, no leading zeros);
/// `.loose` is its `loose: true` form (`LOOSE`), which npm's own registry data needs:
/// `=1.2.3`, `v 1.2.3`, leading zeros, and prereleases without a hyphen (`1.2.3beta`).
/// Limits are node-semver's: 256 characters, and major/minor/patch at most 2^53 - 1.
public struct SemanticVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  public enum Grammar: Sendable { case strict, loose }

  /// A prerelease identifier as node-semver stores it: small digit strings become numbers;
  /// digit strings at or above 2^53 - 1 stay strings but still compare as JavaScript numbers.
  enum Identifier: Hashable, Sendable {
    case number(UInt64)
    case bigNumber([UInt8])
    case text([UInt8])

    var isNumeric: Bool { if case .text = self { false } else { true } }

    var doubleValue: Double {
      switch self {
      case .number(let n): Double(n)
      case .bigNumber(let d): Double(String(decoding: d, as: UTF8.self)) ?? .infinity
      case .text: .nan
      }
    }

    var description: String {
      switch self {
      case .number(let n): String(n)
      case .bigNumber(let d), .text(let d): String(decoding: d, as: UTF8.self)
      }
    }
  }

  static let maxSafeInteger: UInt64 = 9_007_199_254_740_991

  public let major: UInt64
  public let minor: UInt64
  public let patch: UInt64
  let prerelease: [Identifier]
  public let build: [String]

  public var isPrerelease: Bool { !prerelease.isEmpty }
  public var prereleaseIdentifiers: [String] { prerelease.map(\.description) }

  /// node-semver's `version` property (no build metadata).
  public var description: String {
    var s = "\(major).\(minor).\(patch)"
    if !prerelease.isEmpty { s += "-" + prerelease.map(\.description).joined(separator: ".") }
    return s
  }

  public init(parsing text: String, grammar: Grammar = .strict) throws(VersionParseError) {
    let scheme = grammar == .strict ? "semver" : "npm"
    func fail(_ reason: String) -> VersionParseError {
      VersionParseError(scheme: scheme, input: text, reason: reason)
    }
    if text.utf16.count > 256 { throw fail("version is longer than 256 characters") }
    var b = try VersionLimits.bytes(text, scheme: scheme)[...]
    while let f = b.first, isCSpace(f) { b = b.dropFirst() }
    while let l = b.last, isCSpace(l) { b = b.dropLast() }

    // prefix
    switch grammar {
    case .strict:
      if b.first == UInt8(ascii: "v") { b = b.dropFirst() }
    case .loose:
      while let f = b.first, f == UInt8(ascii: "v") || f == UInt8(ascii: "=") || isCSpace(f) {
        b = b.dropFirst()
      }
    }
    // major.minor.patch
    func number(_ s: inout ArraySlice<UInt8>, _ what: String) throws(VersionParseError)
      -> ArraySlice<UInt8>
    {
      let start = s.startIndex
      var end = start
      while end < s.endIndex, isDigit(s[end]) { end += 1 }
      if end == start { throw fail("missing \(what) version number") }
      let digits = s[start..<end]
      if grammar == .strict, digits.count > 1, digits.first == UInt8(ascii: "0") {
        throw fail("leading zero in \(what) version number")
      }
      s = s[end...]
      return digits
    }
    func value(_ digits: ArraySlice<UInt8>, _ what: String) throws(VersionParseError) -> UInt64 {
      let d = DecimalDigits(digits: digits)
      if d.big != nil || d.small > Self.maxSafeInteger { throw fail("invalid \(what) version") }
      return d.small
    }
    let majorDigits = try number(&b, "major")
    guard b.first == UInt8(ascii: ".") else { throw fail("expected '.' after the major version") }
    b = b.dropFirst()
    let minorDigits = try number(&b, "minor")
    guard b.first == UInt8(ascii: ".") else { throw fail("expected '.' after the minor version") }
    b = b.dropFirst()
    var patchDigits = try number(&b, "patch")

    // Split off build metadata at the first '+'; identifiers cannot contain '+'.
    var pre = b
    var buildPart: ArraySlice<UInt8>? = nil
    if let plus = b.firstIndex(of: UInt8(ascii: "+")) {
      pre = b[b.startIndex..<plus]
      buildPart = b[(plus + 1)...]
    }
    var build: [String] = []
    if let buildPart {
      guard let ids = Self.identifiers(buildPart) else { throw fail("invalid build metadata") }
      build = ids.map { String(decoding: $0, as: UTF8.self) }
    }
    var preIds: [ArraySlice<UInt8>] = []
    switch grammar {
    case .strict:
      if !pre.isEmpty {
        guard pre.first == UInt8(ascii: "-"), let ids = Self.identifiers(pre.dropFirst()) else {
          throw fail("invalid prerelease")
        }
        for id in ids where id.count > 1 && id.first == UInt8(ascii: "0") && id.allSatisfy(isDigit)
        {
          throw fail("leading zero in numeric prerelease identifier")
        }
        preIds = ids
      }
    case .loose:
      if !pre.isEmpty {
        // `-?(ident(.ident)*)`: the hyphen is taken when the rest still matches, otherwise it
        // belongs to the first identifier (`1.2.3-` has the prerelease `-`).
        if pre.first == UInt8(ascii: "-"), let ids = Self.identifiers(pre.dropFirst()) {
          preIds = ids
        } else if let ids = Self.identifiers(pre) {
          preIds = ids
        } else if pre.first == UInt8(ascii: "."), patchDigits.count >= 2,
          let ids = Self.identifiers(patchDigits.suffix(1) + pre)
        {
          // The regex backtracks into the patch digits: `1.2.34.5` is 1.2.3-4.5.
          preIds = ids
          patchDigits = patchDigits.dropLast()
        } else {
          throw fail("invalid prerelease")
        }
      }
    }
    self.major = try value(majorDigits, "major")
    self.minor = try value(minorDigits, "minor")
    self.patch = try value(patchDigits, "patch")
    self.prerelease = preIds.map { id in
      if id.allSatisfy(isDigit) {
        let d = DecimalDigits(digits: id)
        if d.big == nil && d.small < Self.maxSafeInteger { return .number(d.small) }
        return .bigNumber(Array(id))
      }
      return .text(Array(id))
    }
    self.build = build
  }

  /// Dot-separated non-empty `[0-9A-Za-z-]+` identifiers, or nil.
  static func identifiers(_ s: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
    if s.isEmpty { return nil }
    var result: [ArraySlice<UInt8>] = []
    var start = s.startIndex
    var i = s.startIndex
    while true {
      if i == s.endIndex || s[i] == UInt8(ascii: ".") {
        if i == start { return nil }
        result.append(s[start..<i])
        if i == s.endIndex { return result }
        start = i + 1
      } else if !(isAlnum(s[i]) || s[i] == UInt8(ascii: "-")) {
        return nil
      }
      i += 1
    }
  }

  /// node-semver's `compareIdentifiers`.
  private static func compareIdentifiers(_ a: Identifier, _ b: Identifier) -> Int {
    switch (a.isNumeric, b.isNumeric) {
    case (true, true):
      if case .number(let x) = a, case .number(let y) = b { return x < y ? -1 : (x == y ? 0 : 1) }
      let x = a.doubleValue
      let y = b.doubleValue
      return x == y ? 0 : (x < y ? -1 : 1)
    case (true, false): return -1
    case (false, true): return 1
    case (false, false):
      guard case .text(let x) = a, case .text(let y) = b else { return 0 }
      return compareBytes(x, y)
    }
  }

  public static func compare(_ a: SemanticVersion, _ b: SemanticVersion) -> Int {
    if a.major != b.major { return a.major < b.major ? -1 : 1 }
    if a.minor != b.minor { return a.minor < b.minor ? -1 : 1 }
    if a.patch != b.patch { return a.patch < b.patch ? -1 : 1 }
    // comparePre
    if !a.prerelease.isEmpty && b.prerelease.isEmpty { return -1 }
    if a.prerelease.isEmpty && !b.prerelease.isEmpty { return 1 }
    var i = 0
    while true {
      if i >= a.prerelease.count && i >= b.prerelease.count { return 0 }
      if i >= b.prerelease.count { return 1 }
      if i >= a.prerelease.count { return -1 }
      let x = a.prerelease[i]
      let y = b.prerelease[i]
      if x != y { return compareIdentifiers(x, y) }  // may be 0 for two huge numbers
      i += 1
    }
  }

  public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: SemanticVersion, b: SemanticVersion) -> Bool { compare(a, b) == 0 }

  /// Hashes up to the first huge numeric identifier, since node-semver stops comparing at the
  /// first pair of such identifiers that are equal as JavaScript numbers.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(major)
    hasher.combine(minor)
    hasher.combine(patch)
    for id in prerelease {
      if case .bigNumber = id {
        hasher.combine(id.doubleValue)
        return
      }
      hasher.combine(id)
    }
    hasher.combine(prerelease.count)
  }
}

/// `VersionScheme` conformance for strict SemVer 2.0 (crates.io and other SemVer data).
public enum SemVerScheme: VersionScheme {
  public static let name = "semver"
  public static func parse(_ text: String) throws(VersionParseError) -> SemanticVersion {
    try SemanticVersion(parsing: text, grammar: .strict)
  }
}

/// `VersionScheme` conformance for npm versions (node-semver's loose grammar).
public enum NPMVersionScheme: VersionScheme {
  public static let name = "npm"
  public static func parse(_ text: String) throws(VersionParseError) -> SemanticVersion {
    try SemanticVersion(parsing: text, grammar: .loose)
  }
}
