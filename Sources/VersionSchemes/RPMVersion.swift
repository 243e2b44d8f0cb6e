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
  /// One `rpmvercmp` segment: its kind and where its bytes are in `storage` (numbers without
  /// leading zeros). Plain values, so comparing does no reference counting.
  struct Segment: Hashable, Sendable {
    static let tilde: UInt8 = 0
    static let caret: UInt8 = 1
    static let number: UInt8 = 2
    static let alpha: UInt8 = 3
    var kind: UInt8
    var start: UInt32
    var count: UInt32
  }

  /// Epoch digits without leading zeros (empty = 0).
  let epochDigits: [UInt8]
  let storage: [UInt8]
  let versionTokens: [Segment]
  let releaseTokens: [Segment]?
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
    var storage: [UInt8] = []
    self.versionTokens = Self.tokenize(versionPart, into: &storage)
    self.releaseTokens = releasePart.map { Self.tokenize($0, into: &storage) }
    self.storage = storage
  }

  static func tokenize(_ s: ArraySlice<UInt8>, into storage: inout [UInt8]) -> [Segment] {
    var tokens: [Segment] = []
    var i = s.startIndex
    func add(_ kind: UInt8, _ bytes: ArraySlice<UInt8>) {
      tokens.append(Segment(kind: kind, start: UInt32(storage.count), count: UInt32(bytes.count)))
      storage.append(contentsOf: bytes)
    }
    while i < s.endIndex {
      let c = s[i]
      if c == UInt8(ascii: "~") {
        add(Segment.tilde, [])
        i += 1
      } else if c == UInt8(ascii: "^") {
        add(Segment.caret, [])
        i += 1
      } else if isDigit(c) {
        var j = i
        while j < s.endIndex, isDigit(s[j]) { j += 1 }
        var k = i
        while k < j, s[k] == UInt8(ascii: "0") { k += 1 }
        add(Segment.number, s[k..<j])
        i = j
      } else if isAlpha(c) {
        var j = i
        while j < s.endIndex, isAlpha(s[j]) { j += 1 }
        add(Segment.alpha, s[i..<j])
        i = j
      } else {
        i += 1  // separator
      }
    }
    return tokens
  }

  /// `rpmvercmp` over segment lists, returning -1, 0 or 1.
  static func compareTokens(
    _ a: [Segment], _ aBytes: [UInt8], _ b: [Segment], _ bBytes: [UInt8]
  ) -> Int {
    aBytes.withUnsafeBufferPointer { pa in
      bBytes.withUnsafeBufferPointer { pb in
        a.withUnsafeBufferPointer { sa in
          b.withUnsafeBufferPointer { sb in compareTokens(sa, pa, sb, pb) }
        }
      }
    }
  }

  private static func compareTokens(
    _ a: UnsafeBufferPointer<Segment>, _ pa: UnsafeBufferPointer<UInt8>,
    _ b: UnsafeBufferPointer<Segment>, _ pb: UnsafeBufferPointer<UInt8>
  ) -> Int {
    let end: UInt8 = 0xFF
    var i = 0
    while true {
      let ka = i < a.count ? a[i].kind : end
      let kb = i < b.count ? b[i].kind : end
      if ka == Segment.tilde || kb == Segment.tilde {
        if ka != Segment.tilde { return 1 }
        if kb != Segment.tilde { return -1 }
        i += 1
        continue
      }
      if ka == Segment.caret || kb == Segment.caret {
        if ka == end { return -1 }
        if kb == end { return 1 }
        if ka != Segment.caret { return 1 }
        if kb != Segment.caret { return -1 }
        i += 1
        continue
      }
      if ka == end || kb == end {
        if ka == kb { return 0 }
        return ka == end ? -1 : 1
      }
      if ka != kb { return ka == Segment.number ? 1 : -1 }
      let x = a[i]
      let y = b[i]
      if ka == Segment.number && x.count != y.count { return x.count < y.count ? -1 : 1 }
      let r = compareBytes(
        UnsafeBufferPointer(rebasing: pa[Int(x.start)..<Int(x.start + x.count)]),
        UnsafeBufferPointer(rebasing: pb[Int(y.start)..<Int(y.start + y.count)]))
      if r != 0 { return r }
      i += 1
    }
  }

  /// `rpmvercmp` on two raw strings (no epoch/release splitting).
  public static func rpmvercmp(_ a: String, _ b: String) -> Int {
    var sa: [UInt8] = []
    var sb: [UInt8] = []
    let ta = tokenize(Array(a.utf8)[...], into: &sa)
    let tb = tokenize(Array(b.utf8)[...], into: &sb)
    return compareTokens(ta, sa, tb, sb)
  }

  public static func compare(_ a: RPMVersion, _ b: RPMVersion) -> Int {
    if a.epochDigits != b.epochDigits {
      if a.epochDigits.count != b.epochDigits.count {
        return a.epochDigits.count < b.epochDigits.count ? -1 : 1
      }
      return compareBytes(a.epochDigits, b.epochDigits)
    }
    let v = compareTokens(a.versionTokens, a.storage, b.versionTokens, b.storage)
    if v != 0 { return v }
    switch (a.releaseTokens, b.releaseTokens) {
    case (nil, nil): return 0
    case (nil, _): return -1
    case (_, nil): return 1
    case (let x?, let y?): return compareTokens(x, a.storage, y, b.storage)
    }
  }

  public static func < (a: RPMVersion, b: RPMVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: RPMVersion, b: RPMVersion) -> Bool { compare(a, b) == 0 }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(epochDigits)
    hashSegments(versionTokens, into: &hasher)
    if let releaseTokens {
      hasher.combine(1 as UInt8)
      hashSegments(releaseTokens, into: &hasher)
    }
  }

  private func hashSegments(_ segments: [Segment], into hasher: inout Hasher) {
    hasher.combine(segments.count)
    for s in segments {
      hasher.combine(s.kind)
      hasher.combine(storage[Int(s.start)..<Int(s.start + s.count)])
    }
  }
}

/// `VersionScheme` conformance for RPM labels.
public enum RPMVersionScheme: VersionScheme {
  public static let name = "rpm"
  public static func parse(_ text: String) throws(VersionParseError) -> RPMVersion {
    try RPMVersion(parsing: text)
  }
}
