#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A Debian package version, `[epoch:]upstream[-revision]`, ordered exactly as dpkg orders it
/// (`lib/dpkg/version.c`: `dpkg_version_compare` and `verrevcmp`).
///
/// Parsing follows dpkg's `parseversion`: its hard errors (empty epoch, non-numeric or negative
/// epoch, nothing after the colon, empty revision, empty upstream, embedded spaces) throw.
/// dpkg only *warns* about an upstream that does not start with a digit or about unusual
/// punctuation and still compares such versions, so they are accepted here too. Bytes outside
/// printable ASCII are refused: dpkg never produces them and their order depends on the C
/// library's `char` signedness.
public struct DebianVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  public let epoch: Int
  /// Upstream part as bytes (compared with `verrevcmp`).
  let upstreamBytes: [UInt8]
  /// Revision part as bytes; empty when absent (dpkg treats absent and `0` alike).
  let revisionBytes: [UInt8]
  /// A byte string whose lexicographic order is dpkg's order (see `sortKey`), so comparing two
  /// parsed versions is one `memcmp`; equal versions have equal keys.
  let key: [UInt8]

  public var upstream: String { String(decoding: upstreamBytes, as: UTF8.self) }
  public var revision: String { String(decoding: revisionBytes, as: UTF8.self) }

  public var description: String {
    var s = epoch != 0 ? "\(epoch):" : ""
    s += upstream
    if !revisionBytes.isEmpty { s += "-" + revision }
    return s
  }

  public init(parsing text: String) throws(VersionParseError) {
    func fail(_ reason: String) -> VersionParseError {
      VersionParseError(scheme: "deb", input: text, reason: reason)
    }
    var bytes = try VersionLimits.bytes(text, scheme: "deb")
    // dpkg strips leading and trailing blanks, then refuses embedded ones.
    var lo = 0
    var hi = bytes.count
    while lo < hi, isCSpace(bytes[lo]) { lo += 1 }
    while hi > lo, isCSpace(bytes[hi - 1]) { hi -= 1 }
    if lo == hi { throw fail("version string is empty") }
    bytes = Array(bytes[lo..<hi])
    for c in bytes {
      if isCSpace(c) { throw fail("version string has embedded spaces") }
      if c < 0x21 || c > 0x7E { throw fail("invalid character in version number") }
    }
    var rest = bytes[...]
    var epoch = 0
    if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
      // strtol: optional sign, then digits that must run up to the colon.
      var i = 0
      var negative = false
      if i < colon, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
        negative = bytes[i] == UInt8(ascii: "-")
        i += 1
      }
      let digitsStart = i
      while i < colon, isDigit(bytes[i]) { i += 1 }
      if i == digitsStart {
        throw fail(colon == 0 ? "epoch in version is empty" : "epoch in version is not number")
      }
      if i != colon { throw fail("epoch in version is not number") }
      let value = DecimalDigits(digits: bytes[digitsStart..<colon])
      if negative && !value.isZero { throw fail("epoch in version is negative") }
      if value.big != nil || value.small > UInt64(Int32.max) {
        throw fail("epoch in version is too big")
      }
      epoch = Int(value.small)
      if colon + 1 == bytes.count { throw fail("nothing after colon in version number") }
      rest = bytes[(colon + 1)...]
    }
    var upstream = rest
    var revision: ArraySlice<UInt8> = []
    if let hyphen = rest.lastIndex(of: UInt8(ascii: "-")) {
      upstream = rest[rest.startIndex..<hyphen]
      revision = rest[(hyphen + 1)...]
      if revision.isEmpty { throw fail("revision number is empty") }
    }
    if upstream.isEmpty { throw fail("version number is empty") }
    self.epoch = epoch
    self.upstreamBytes = Array(upstream)
    self.revisionBytes = Array(revision)
    var key: [UInt8] = []
    key.reserveCapacity(bytes.count * 2 + 20)
    withUnsafeBytes(of: UInt32(epoch).bigEndian) { key.append(contentsOf: $0) }
    Self.appendSortKey(upstream, to: &key)
    Self.appendSortKey(revision, to: &key)
    self.key = key
  }

  /// Encodes a string so that byte order equals `verrevcmp` order. The string is a sequence of
  /// (non-digit run, number) pairs. Each non-digit byte maps to a byte in dpkg's character
  /// order (`~` 0x01 < end of run 0x02 < letters < other punctuation 0x80+c); the run ends with
  /// 0x02; the number follows as a two-byte length and its digits without leading zeros. After
  /// the last pair come two "end" pairs (0x02 0 0), which is how `verrevcmp` sees a string that
  /// has run out; a lone final (empty run, 0) pair is dropped because it equals that padding.
  static func appendSortKey(_ s: ArraySlice<UInt8>, to key: inout [UInt8]) {
    var i = s.startIndex
    var pairs = 0
    while i < s.endIndex {
      let pairStart = key.count
      while i < s.endIndex, !isDigit(s[i]) {
        let c = s[i]
        if c == UInt8(ascii: "~") {
          key.append(0x01)
        } else if isAlpha(c) {
          key.append(c)
        } else {
          key.append(0x80 | c)
        }
        i += 1
      }
      key.append(0x02)
      while i < s.endIndex, s[i] == UInt8(ascii: "0") { i += 1 }
      let digitsStart = i
      while i < s.endIndex, isDigit(s[i]) { i += 1 }
      let n = i - digitsStart
      key.append(UInt8(truncatingIfNeeded: n >> 8))
      key.append(UInt8(truncatingIfNeeded: n))
      key.append(contentsOf: s[digitsStart..<i])
      pairs += 1
      if i == s.endIndex && pairs == 1 && key.count - pairStart == 3 {
        key.removeLast(3)  // the whole string is zeros: the same as the empty string
      }
    }
    key.append(contentsOf: [0x02, 0x00, 0x00, 0x02, 0x00, 0x00])
  }

  /// Whether dpkg would print a warning for this version (it still compares it).
  public var hasSyntaxWarning: Bool {
    guard let first = upstreamBytes.first, isDigit(first) else { return true }
    let upstreamOK = upstreamBytes.allSatisfy { isAlnum($0) || ".-+~:".utf8.contains($0) }
    let revisionOK = revisionBytes.allSatisfy { isAlnum($0) || ".+~".utf8.contains($0) }
    return !(upstreamOK && revisionOK)
  }

  public static func compare(_ a: DebianVersion, _ b: DebianVersion) -> Int {
    a.key.withUnsafeBufferPointer { x in
      b.key.withUnsafeBufferPointer { y in
        let n = min(x.count, y.count)
        var r: Int32 = 0
        if n > 0, let px = x.baseAddress, let py = y.baseAddress { r = memcmp(px, py, n) }
        if r != 0 { return r < 0 ? -1 : 1 }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
      }
    }
  }

  /// dpkg's algorithm applied directly (epoch, then `verrevcmp` on upstream and revision); the
  /// tests check that `compare` (the sort key) always agrees with it.
  static func compareDirect(_ a: DebianVersion, _ b: DebianVersion) -> Int {
    if a.epoch != b.epoch { return a.epoch < b.epoch ? -1 : 1 }
    let r = verrevcmp(a.upstreamBytes, b.upstreamBytes)
    if r != 0 { return r }
    return verrevcmp(a.revisionBytes, b.revisionBytes)
  }

  public static func < (a: DebianVersion, b: DebianVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: DebianVersion, b: DebianVersion) -> Bool { compare(a, b) == 0 }

  /// Equal versions have equal sort keys (`1.` == `1.0`, `1a` == `1a0`, `1.0-0` == `1.0`).
  public func hash(into hasher: inout Hasher) { hasher.combine(key) }

  /// dpkg's character order: `~` before everything (even the end), then the end and digits,
  /// then letters, then everything else. `c` is -1 for the end of the string.
  @inline(__always)
  private static func order(_ c: Int) -> Int {
    if c < 0 { return 0 }
    if c >= 48 && c <= 57 { return 0 }
    if (c >= 65 && c <= 90) || (c >= 97 && c <= 122) { return c }
    if c == 126 { return -1 }
    return c + 256
  }

  /// dpkg's `verrevcmp`, returning -1, 0 or 1.
  static func verrevcmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in verrevcmp(pa, pb) }
    }
  }

  private static func verrevcmp(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
    -> Int
  {
    let na = a.count
    let nb = b.count
    @inline(__always) func at(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> Int {
      i < n ? Int(p[i]) : -1
    }
    @inline(__always) func digit(_ c: Int) -> Bool { c >= 48 && c <= 57 }
    var i = 0
    var j = 0
    while i < na || j < nb {
      var firstDiff = 0
      while true {
        let ca = at(a, i, na)
        let cb = at(b, j, nb)
        guard (ca >= 0 && !digit(ca)) || (cb >= 0 && !digit(cb)) else { break }
        let ac = order(ca)
        let bc = order(cb)
        if ac != bc { return ac < bc ? -1 : 1 }
        i += 1
        j += 1
      }
      while i < na, a[i] == 48 { i += 1 }
      while j < nb, b[j] == 48 { j += 1 }
      while i < na, j < nb, digit(Int(a[i])), digit(Int(b[j])) {
        if firstDiff == 0 { firstDiff = Int(a[i]) - Int(b[j]) }
        i += 1
        j += 1
      }
      if i < na, digit(Int(a[i])) { return 1 }
      if j < nb, digit(Int(b[j])) { return -1 }
      if firstDiff != 0 { return firstDiff < 0 ? -1 : 1 }
    }
    return 0
  }
}

/// `VersionScheme` conformance for dpkg versions.
public enum DebianVersionScheme: VersionScheme {
  public static let name = "deb"
  public static func parse(_ text: String) throws(VersionParseError) -> DebianVersion {
    try DebianVersion(parsing: text)
  }
}
