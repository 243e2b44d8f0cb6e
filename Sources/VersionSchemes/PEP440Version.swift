/// A Python package version per PEP 440, parsed and ordered exactly like `packaging.version`
/// (pypa/packaging 26): `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]` with every spelling the
/// specification normalises (`alpha`, `c`, `pre`, `preview`, `rev`, `r`, `-N` implicit post
/// releases, `_`/`-`/`.` separators, a leading `v`, surrounding whitespace, any letter case).
/// Legacy, non-PEP 440 versions (`1.0-SNAPSHOT`, `2004d`) throw.
public struct PEP440Version: Comparable, Hashable, Sendable, CustomStringConvertible {
  public enum PreKind: UInt8, Comparable, Sendable {
    case a = 0
    case b, rc
    public static func < (x: PreKind, y: PreKind) -> Bool { x.rawValue < y.rawValue }
    var name: String {
      switch self {
      case .a: "a"
      case .b: "b"
      case .rc: "rc"
      }
    }
  }

  /// A segment of the local version label: numbers sort above strings.
  enum LocalPart: Hashable, Sendable, Comparable {
    case string([UInt8])
    case number(DecimalDigits)
    static func < (x: LocalPart, y: LocalPart) -> Bool {
      switch (x, y) {
      case (.string(let a), .string(let b)): return compareBytes(a, b) < 0
      case (.number(let a), .number(let b)): return a < b
      case (.string, .number): return true
      case (.number, .string): return false
      }
    }
  }

  public let epoch: DecimalDigits
  /// Release numbers as written (trailing zeros kept; they are ignored by comparison).
  let release: [DecimalDigits]
  public let pre: (kind: PreKind, number: DecimalDigits)?
  public let post: DecimalDigits?
  public let dev: DecimalDigits?
  let local: [LocalPart]?

  public var isPrerelease: Bool { pre != nil || dev != nil }

  /// The normalised form, as `str(packaging.version.Version(text))` prints it.
  public var description: String {
    var s = epoch.isZero ? "" : "\(epoch.description)!"
    s += release.map(\.description).joined(separator: ".")
    if let pre { s += pre.kind.name + pre.number.description }
    if let post { s += ".post" + post.description }
    if let dev { s += ".dev" + dev.description }
    if let local {
      s +=
        "+"
        + local.map { part -> String in
          switch part {
          case .string(let b): String(decoding: b, as: UTF8.self)
          case .number(let n): n.description
          }
        }.joined(separator: ".")
    }
    return s
  }

  public init(parsing text: String) throws(VersionParseError) {
    let bytes = try VersionLimits.bytes(text, scheme: "pypi")
    var parser = Parser(bytes)
    guard let parsed = parser.parse() else {
      throw VersionParseError(scheme: "pypi", input: text, reason: "not a valid PEP 440 version")
    }
    self = parsed
  }

  init(
    epoch: DecimalDigits, release: [DecimalDigits], pre: (kind: PreKind, number: DecimalDigits)?,
    post: DecimalDigits?, dev: DecimalDigits?, local: [LocalPart]?
  ) {
    self.epoch = epoch
    self.release = release
    self.pre = pre
    self.post = post
    self.dev = dev
    self.local = local
  }

  /// Release without trailing zeros: `1.0.0 == 1`.
  private var trimmedRelease: ArraySlice<DecimalDigits> {
    var end = release.count
    while end > 0, release[end - 1].isZero { end -= 1 }
    return release[0..<end]
  }

  /// `packaging`'s suffix key `(pre_rank, pre_n, post_rank, post_n, dev_rank, dev_n)`.
  private var preRank: Int {
    if pre == nil && post == nil && dev != nil { return -1 }
    guard let pre else { return 3 }
    return Int(pre.kind.rawValue)
  }

  public static func compare(_ x: PEP440Version, _ y: PEP440Version) -> Int {
    var r = DecimalDigits.compare(x.epoch, y.epoch)
    if r != 0 { return r }
    let rx = x.trimmedRelease
    let ry = y.trimmedRelease
    for (a, b) in zip(rx, ry) {
      r = DecimalDigits.compare(a, b)
      if r != 0 { return r }
    }
    if rx.count != ry.count { return rx.count < ry.count ? -1 : 1 }
    let px = x.preRank
    let py = y.preRank
    if px != py { return px < py ? -1 : 1 }
    r = DecimalDigits.compare(x.pre?.number ?? .zero, y.pre?.number ?? .zero)
    if r != 0 { return r }
    if (x.post == nil) != (y.post == nil) { return x.post == nil ? -1 : 1 }
    r = DecimalDigits.compare(x.post ?? .zero, y.post ?? .zero)
    if r != 0 { return r }
    if (x.dev == nil) != (y.dev == nil) { return x.dev == nil ? 1 : -1 }
    r = DecimalDigits.compare(x.dev ?? .zero, y.dev ?? .zero)
    if r != 0 { return r }
    switch (x.local, y.local) {
    case (nil, nil): return 0
    case (nil, _): return -1
    case (_, nil): return 1
    case (let a?, let b?):
      for (p, q) in zip(a, b) where p != q { return p < q ? -1 : 1 }
      return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
  }

  public static func < (x: PEP440Version, y: PEP440Version) -> Bool { compare(x, y) < 0 }
  public static func == (x: PEP440Version, y: PEP440Version) -> Bool { compare(x, y) == 0 }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(epoch)
    for n in trimmedRelease { hasher.combine(n) }
    hasher.combine(preRank)
    hasher.combine(pre?.number ?? .zero)
    hasher.combine(post)
    hasher.combine(dev)
    hasher.combine(local)
  }

  /// A hand-written equivalent of packaging's `VERSION_PATTERN` (possessive form, with
  /// `re.IGNORECASE`, anchored with surrounding `\s*`). Each optional group is tried greedily
  /// and, like the possessive regex, never given back once matched.
  private struct Parser {
    let s: [UInt8]
    var i: Int
    var end: Int

    init(_ bytes: [UInt8]) {
      s = bytes.map(toLower)
      i = 0
      end = bytes.count
      // Python's `\s` (str.isspace) for ASCII: \t \n \v \f \r, 0x1c-0x1f and space.
      func isPySpace(_ c: UInt8) -> Bool { isCSpace(c) || (c >= 0x1C && c <= 0x1F) }
      while i < end, isPySpace(s[i]) { i += 1 }
      while end > i, isPySpace(s[end - 1]) { end -= 1 }
    }

    func peek(_ k: Int = 0) -> UInt8? { i + k < end ? s[i + k] : nil }

    mutating func digits() -> DecimalDigits? {
      let start = i
      while i < end, isDigit(s[i]) { i += 1 }
      return i > start ? DecimalDigits(digits: s[start..<i]) : nil
    }

    func isSep(_ c: UInt8?) -> Bool {
      c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    mutating func optionalSep() { if isSep(peek()) { i += 1 } }

    /// Spellings in the regex's alternation order (the first that matches wins).
    static let preWords: [[UInt8]] = ["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"].map {
      Array($0.utf8)
    }
    static let postWords: [[UInt8]] = ["post", "rev", "r"].map { Array($0.utf8) }
    static let devWords: [[UInt8]] = [Array("dev".utf8)]

    /// Matches the first alternative (in order) that is a prefix at the cursor; returns its index.
    mutating func word(_ alternatives: [[UInt8]]) -> Int? {
      for (index, w) in alternatives.enumerated() {
        if i + w.count <= end, s[i..<(i + w.count)].elementsEqual(w) {
          i += w.count
          return index
        }
      }
      return nil
    }

    mutating func parse() -> PEP440Version? {
      if peek() == UInt8(ascii: "v") { i += 1 }
      // epoch: digits then '!' (else back off; the digits are the release)
      var epoch = DecimalDigits.zero
      let save = i
      if let e = digits(), peek() == UInt8(ascii: "!") {
        epoch = e
        i += 1
      } else {
        i = save
      }
      var release: [DecimalDigits] = []
      guard let first = digits() else { return nil }
      release.append(first)
      while peek() == UInt8(ascii: "."), let c = peek(1), isDigit(c) {
        i += 1
        guard let n = digits() else { return nil }
        release.append(n)
      }
      // pre-release
      var pre: (kind: PreKind, number: DecimalDigits)? = nil
      do {
        let save = i
        optionalSep()
        if let w = word(Self.preWords) {
          // alpha, a → a; beta, b → b; preview, pre, c, rc → rc
          let kind: PreKind = w <= 1 ? .a : (w <= 3 ? .b : .rc)
          // `[._-]?+` is possessive: a separator taken here is not given back.
          optionalSep()
          pre = (kind, digits() ?? .zero)
        } else {
          i = save
        }
      }
      // post-release
      var post: DecimalDigits? = nil
      do {
        let save = i
        if peek() == UInt8(ascii: "-"), let c = peek(1), isDigit(c) {
          i += 1
          post = digits()
        } else {
          optionalSep()
          if word(Self.postWords) != nil {
            // Inside the atomic post group the trailing separator is taken greedily and kept.
            optionalSep()
            post = digits() ?? .zero
          } else {
            i = save
          }
        }
      }
      // dev release
      var dev: DecimalDigits? = nil
      do {
        let save = i
        optionalSep()
        if word(Self.devWords) != nil {
          optionalSep()
          dev = digits() ?? .zero
        } else {
          i = save
        }
      }
      // local version
      var local: [LocalPart]? = nil
      if peek() == UInt8(ascii: "+") {
        let save = i
        i += 1
        var parts: [LocalPart] = []
        var ok = true
        while true {
          let start = i
          while i < end, isDigit(s[i]) || isLower(s[i]) { i += 1 }
          if i == start {
            ok = false
            break
          }
          let seg = s[start..<i]
          parts.append(
            seg.allSatisfy(isDigit) ? .number(DecimalDigits(digits: seg)) : .string(Array(seg)))
          if isSep(peek()), let c = peek(1), isDigit(c) || isLower(c) {
            i += 1
            continue
          }
          break
        }
        if ok { local = parts } else { i = save }
      }
      guard i == end else { return nil }
      return PEP440Version(
        epoch: epoch, release: release, pre: pre, post: post, dev: dev, local: local)
    }
  }
}

/// `VersionScheme` conformance for PyPI versions.
public enum PEP440VersionScheme: VersionScheme {
  public static let name = "pypi"
  public static func parse(_ text: String) throws(VersionParseError) -> PEP440Version {
    try PEP440Version(parsing: text)
  }
}
