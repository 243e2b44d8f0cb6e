/// An Alpine (apk) package version, `digit{.digit}…{letter}{_suffix{#}}…{~hash}{-r#}`, ordered
/// exactly as apk-tools orders it (`src/version.c`, `apk_version_compare`).
///
/// apk compares two strings token by token while tokenizing them; since a token only depends on
/// its own string, the token list is computed once at parse time. Suffixes order
/// `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`; a digit run with a
/// leading zero (after the first) compares as a string (Gentoo's rule); numbers wrap at 64 bits
/// as apk's `apk_blob_pull_uint` does.
///
/// `init(parsing:)` accepts only versions apk itself calls valid (`apk_version_validate`).
/// `init(lenient:)` keeps whatever prefix apk could tokenize, so that odd strings still compare
/// the way `apk version -t` compares them (the upstream vectors include such pairs).
public struct APKVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  enum Kind: UInt8, Comparable, Sendable {
    case initialDigit = 0
    case digit, letter, suffix, suffixNumber, commitHash, revision, end, invalid
    static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
  }

  /// Suffix values in apk's order; `none` is the implicit absence of a suffix.
  enum Suffix: UInt8, Comparable, Sendable {
    case invalid = 0
    case alpha, beta, pre, rc, none, cvs, svn, git, hg, p
    static func < (a: Suffix, b: Suffix) -> Bool { a.rawValue < b.rawValue }
  }

  /// A token; `start`/`count` locate its text in `bytes` (plain values, no reference counting
  /// when comparing).
  struct Token: Sendable {
    var kind: Kind
    var suffix: Suffix = .invalid
    var number: UInt64 = 0
    var start: Int32 = 0
    var count: Int32 = 0
    var first: UInt8 = 0  // first byte of the token's text (0 when empty)
  }

  let tokens: [Token]
  let bytes: [UInt8]
  public let text: String
  /// Whether apk-tools considers the version valid (`apk_version_validate`).
  public var isValid: Bool { tokens.last?.kind == .end }

  public var description: String { text }

  /// Parses a version apk accepts; throws with the position of the first invalid token.
  public init(parsing text: String) throws(VersionParseError) {
    let bytes = try VersionLimits.bytes(text, scheme: "apk")
    let (tokens, failedAt) = Self.tokenize(bytes)
    if let failedAt {
      throw VersionParseError(
        scheme: "apk", input: text,
        reason: "invalid apk version syntax at byte \(failedAt)")
    }
    self.tokens = tokens
    self.bytes = bytes
    self.text = text
  }

  /// Any string, compared the way apk-tools compares it even when it is not valid.
  public init(lenient text: String) {
    let bytes = Array(text.utf8.prefix(VersionLimits.maxBytes))
    self.tokens = Self.tokenize(bytes).tokens
    self.bytes = bytes
    self.text = text
  }

  /// Tokenizes like `token_first`/`token_next`; the list ends with `.end` or `.invalid`.
  static func tokenize(_ bytes: [UInt8]) -> (tokens: [Token], failedAt: Int?) {
    let b = bytes[...]
    var tokens: [Token] = []
    var pos = b.startIndex
    var t = Token(kind: .initialDigit)
    parseDigits(&t, b, &pos)
    while true {
      tokens.append(t)
      if t.kind >= .end { break }
      let before = pos
      next(&t, b, &pos)
      if t.kind == .invalid {
        tokens.append(t)
        return (tokens, before)
      }
    }
    return (tokens, t.kind == .end ? nil : 0)
  }

  private static func parseDigits(_ t: inout Token, _ b: ArraySlice<UInt8>, _ pos: inout Int) {
    let start = pos
    var n: UInt64 = 0
    while pos < b.endIndex, isDigit(b[pos]) {
      n = n &* 10 &+ UInt64(b[pos] - 48)
      pos += 1
    }
    t.number = n
    setValue(&t, b, start, pos)
    if start == pos { t.kind = .invalid }
  }

  private static func next(_ t: inout Token, _ b: ArraySlice<UInt8>, _ pos: inout Int) {
    guard pos < b.endIndex else {
      t.kind = .end
      return
    }
    let c = b[pos]
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"):
      if t.kind > .digit {
        t.kind = .invalid
        return
      }
      setValue(&t, b, pos, pos + 1)
      t.kind = .letter
      pos += 1
    case UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
      if c == UInt8(ascii: ".") {
        if t.kind > .digit {
          t.kind = .invalid
          return
        }
        pos += 1
      }
      switch t.kind {
      case .initialDigit, .digit: t.kind = .digit
      case .suffix: t.kind = .suffixNumber
      default:
        t.kind = .invalid
        return
      }
      parseDigits(&t, b, &pos)
    case UInt8(ascii: "_"):
      if t.kind > .suffixNumber {
        t.kind = .invalid
        return
      }
      pos += 1
      let start = pos
      while pos < b.endIndex, isLower(b[pos]) { pos += 1 }
      setValue(&t, b, start, pos)
      t.suffix = suffixValue(b[start..<pos])
      if t.suffix == .invalid {
        t.kind = .invalid
        return
      }
      t.kind = .suffix
    case UInt8(ascii: "~"):
      if t.kind >= .commitHash {
        t.kind = .invalid
        return
      }
      pos += 1
      let start = pos
      while pos < b.endIndex, isHexDigit(b[pos]) { pos += 1 }
      setValue(&t, b, start, pos)
      if start == pos {
        t.kind = .invalid
        return
      }
      t.kind = .commitHash
    case UInt8(ascii: "-"):
      if t.kind >= .revision {
        t.kind = .invalid
        return
      }
      guard pos + 1 < b.endIndex, b[pos + 1] == UInt8(ascii: "r") else {
        t.kind = .invalid
        return
      }
      pos += 2
      t.kind = .revision
      parseDigits(&t, b, &pos)
    default:
      t.kind = .invalid
    }
  }

  @inline(__always)
  private static func setValue(_ t: inout Token, _ b: ArraySlice<UInt8>, _ start: Int, _ end: Int) {
    t.start = Int32(start)
    t.count = Int32(end - start)
    t.first = end > start ? b[start] : 0
  }

  /// apk's hex class for commit hashes: digits and lowercase `a`–`f`.
  @inline(__always) private static func isHexDigit(_ c: UInt8) -> Bool {
    isDigit(c) || (c >= 97 && c <= 102)
  }

  private static func suffixValue(_ s: ArraySlice<UInt8>) -> Suffix {
    guard let first = s.first else { return .invalid }
    let candidate: Suffix
    switch first {
    case UInt8(ascii: "a"): candidate = .alpha
    case UInt8(ascii: "b"): candidate = .beta
    case UInt8(ascii: "c"): candidate = .cvs
    case UInt8(ascii: "g"): candidate = .git
    case UInt8(ascii: "h"): candidate = .hg
    case UInt8(ascii: "p"): candidate = s.count > 1 ? .pre : .p
    case UInt8(ascii: "r"): candidate = .rc
    case UInt8(ascii: "s"): candidate = .svn
    default: return .invalid
    }
    let names: [Suffix: String] = [
      .alpha: "alpha", .beta: "beta", .pre: "pre", .rc: "rc", .cvs: "cvs", .svn: "svn",
      .git: "git", .hg: "hg", .p: "p",
    ]
    guard let name = names[candidate], s.elementsEqual(name.utf8) else { return .invalid }
    return candidate
  }

  /// `token_cmp`.
  @inline(__always)
  private static func tokenCompare(
    _ ta: Token, _ pa: UnsafeBufferPointer<UInt8>, _ tb: Token, _ pb: UnsafeBufferPointer<UInt8>
  ) -> Int {
    let a: UInt64
    let b: UInt64
    switch ta.kind {
    case .digit:
      if ta.first == UInt8(ascii: "0") || tb.first == UInt8(ascii: "0") {
        return compareBytes(slice(pa, ta), slice(pb, tb))
      }
      a = ta.number
      b = tb.number
    case .initialDigit, .suffixNumber, .revision:
      a = ta.number
      b = tb.number
    case .letter:
      a = UInt64(ta.first)
      b = UInt64(tb.first)
    case .suffix:
      a = UInt64(ta.suffix.rawValue)
      b = UInt64(tb.suffix.rawValue)
    default:
      return compareBytes(slice(pa, ta), slice(pb, tb))
    }
    return a < b ? -1 : (a == b ? 0 : 1)
  }

  @inline(__always)
  private static func slice(_ p: UnsafeBufferPointer<UInt8>, _ t: Token) -> UnsafeBufferPointer<
    UInt8
  > {
    UnsafeBufferPointer(rebasing: p[Int(t.start)..<Int(t.start + t.count)])
  }

  /// `apk_version_compare` (non-fuzzy), returning -1, 0 or 1.
  public static func compare(_ a: APKVersion, _ b: APKVersion) -> Int {
    a.bytes.withUnsafeBufferPointer { pa in
      b.bytes.withUnsafeBufferPointer { pb in
        a.tokens.withUnsafeBufferPointer { ta in
          b.tokens.withUnsafeBufferPointer { tb in compare(ta, pa, tb, pb) }
        }
      }
    }
  }

  private static func compare(
    _ at: UnsafeBufferPointer<Token>, _ pa: UnsafeBufferPointer<UInt8>,
    _ bt: UnsafeBufferPointer<Token>, _ pb: UnsafeBufferPointer<UInt8>
  ) -> Int {
    var i = 0
    var ta = at[0]
    var tb = bt[0]
    while ta.kind == tb.kind && ta.kind < .end {
      let r = tokenCompare(ta, pa, tb, pb)
      if r != 0 { return r }
      i += 1
      ta = at[i]
      tb = bt[i]
    }
    if ta.kind == tb.kind { return 0 }
    if ta.kind == .suffix && ta.suffix < .none { return -1 }
    if tb.kind == .suffix && tb.suffix < .none { return 1 }
    if ta.kind > tb.kind { return -1 }
    if tb.kind > ta.kind { return 1 }
    return 0
  }

  public static func < (a: APKVersion, b: APKVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: APKVersion, b: APKVersion) -> Bool { compare(a, b) == 0 }

  /// Hashes what `compare` looks at: per token its kind and the compared value.
  public func hash(into hasher: inout Hasher) {
    for t in tokens {
      hasher.combine(t.kind.rawValue)
      switch t.kind {
      case .digit:
        if t.first == UInt8(ascii: "0") {
          hasher.combine(0 as UInt8)
          hasher.combine(bytes[Int(t.start)..<Int(t.start + t.count)])
        } else {
          hasher.combine(t.number)
        }
      case .initialDigit, .suffixNumber, .revision: hasher.combine(t.number)
      case .letter: hasher.combine(t.first)
      case .suffix: hasher.combine(t.suffix.rawValue)
      case .commitHash: hasher.combine(bytes[Int(t.start)..<Int(t.start + t.count)])
      case .end, .invalid: break
      }
    }
  }
}

/// `VersionScheme` conformance for apk versions.
public enum APKVersionScheme: VersionScheme {
  public static let name = "apk"
  public static func parse(_ text: String) throws(VersionParseError) -> APKVersion {
    try APKVersion(parsing: text)
  }
}
