/// A Go module version ordered like `golang.org/x/mod/semver`: `vMAJOR[.MINOR[.PATCH]]` with
/// SemVer prereleases (pseudo-versions such as `v0.0.0-20191109021931-daa7c04131f5` are
/// ordinary prereleases) and build metadata (`+incompatible`) ignored by comparison.
///
/// OSV's Go data writes versions without the `v` (`1.20.12`), so the `v` is optional. The Go
/// toolchain's own spellings are accepted for the `stdlib`/`toolchain` modules and mapped the
/// way the Go vulnerability database maps them: `go1.21` → 1.21.0, `go1.21rc2` → 1.21.0-rc.2,
/// `go1.9beta1` → 1.9.0-beta.1; a ` X:…` experiment suffix from build info is ignored.
public struct GoVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  enum Identifier: Hashable, Sendable {
    case number(DecimalDigits)
    case text([UInt8])
  }

  public let major: DecimalDigits
  public let minor: DecimalDigits
  public let patch: DecimalDigits
  let prerelease: [Identifier]
  public let build: String?

  public var isPrerelease: Bool { !prerelease.isEmpty }

  /// Canonical `vX.Y.Z[-pre]` form (without build metadata), like `semver.Canonical`.
  public var description: String {
    var s = "v\(major.description).\(minor.description).\(patch.description)"
    if !prerelease.isEmpty {
      s += "-"
      s += prerelease.map { id -> String in
        switch id {
        case .number(let n): n.description
        case .text(let t): String(decoding: t, as: UTF8.self)
        }
      }.joined(separator: ".")
    }
    return s
  }

  public init(parsing text: String) throws(VersionParseError) {
    func fail(_ reason: String) -> VersionParseError {
      VersionParseError(scheme: "go", input: text, reason: reason)
    }
    var b = try VersionLimits.bytes(text, scheme: "go")[...]
    if b.starts(with: "go".utf8) {
      b = b.dropFirst(2)
      if let space = b.firstIndex(of: UInt8(ascii: " ")) { b = b[b.startIndex..<space] }
      guard let parsed = Self.parseToolchain(b) else {
        throw fail("not a Go toolchain version (go1.N[.N][rcN|betaN])")
      }
      self = parsed
      return
    }
    if b.first == UInt8(ascii: "v") { b = b.dropFirst() }
    // major[.minor[.patch[-pre][+build]]]; shorthand forms take no prerelease or build.
    func number(_ s: inout ArraySlice<UInt8>) throws(VersionParseError) -> DecimalDigits {
      let start = s.startIndex
      var end = start
      while end < s.endIndex, isDigit(s[end]) { end += 1 }
      if end == start { throw fail("expected a number") }
      if end - start > 1, s[start] == UInt8(ascii: "0") { throw fail("leading zero in a number") }
      defer { s = s[end...] }
      return DecimalDigits(digits: s[start..<end])
    }
    let major = try number(&b)
    var minor = DecimalDigits.zero
    var patch = DecimalDigits.zero
    var prerelease: [Identifier] = []
    var build: String? = nil
    if !b.isEmpty {
      guard b.first == UInt8(ascii: ".") else { throw fail("expected '.' after the major version") }
      b = b.dropFirst()
      minor = try number(&b)
      if !b.isEmpty {
        guard b.first == UInt8(ascii: ".") else {
          throw fail("expected '.' after the minor version")
        }
        b = b.dropFirst()
        patch = try number(&b)
        var pre = b
        if let plus = b.firstIndex(of: UInt8(ascii: "+")) {
          pre = b[b.startIndex..<plus]
          let buildPart = b[(plus + 1)...]
          guard SemanticVersion.identifiers(buildPart) != nil else {
            throw fail("invalid build metadata")
          }
          build = String(decoding: buildPart, as: UTF8.self)
        }
        if !pre.isEmpty {
          guard pre.first == UInt8(ascii: "-"),
            let ids = SemanticVersion.identifiers(pre.dropFirst())
          else { throw fail("invalid prerelease") }
          for id in ids {
            if id.allSatisfy(isDigit) {
              if id.count > 1 && id.first == UInt8(ascii: "0") {
                throw fail("leading zero in a numeric prerelease identifier")
              }
              prerelease.append(.number(DecimalDigits(digits: id)))
            } else {
              prerelease.append(.text(Array(id)))
            }
          }
        }
      }
    }
    self.init(major: major, minor: minor, patch: patch, prerelease: prerelease, build: build)
  }

  init(
    major: DecimalDigits, minor: DecimalDigits, patch: DecimalDigits, prerelease: [Identifier],
    build: String?
  ) {
    self.major = major
    self.minor = minor
    self.patch = patch
    self.prerelease = prerelease
    self.build = build
  }

  /// `1.21`, `1.21.3`, `1.21rc2`, `1.9beta1` (after the `go` prefix).
  private static func parseToolchain(_ s: ArraySlice<UInt8>) -> GoVersion? {
    var parts: [DecimalDigits] = []
    var i = s.startIndex
    while parts.count < 3 {
      let start = i
      while i < s.endIndex, isDigit(s[i]) { i += 1 }
      if i == start || (i - start > 1 && s[start] == UInt8(ascii: "0")) { return nil }
      parts.append(DecimalDigits(digits: s[start..<i]))
      if i < s.endIndex, s[i] == UInt8(ascii: "."), parts.count < 3 {
        i += 1
        continue
      }
      break
    }
    var prerelease: [Identifier] = []
    if i < s.endIndex {
      let rest = s[i...]
      let kind: String
      if rest.starts(with: "rc".utf8) {
        kind = "rc"
      } else if rest.starts(with: "beta".utf8) {
        kind = "beta"
      } else {
        return nil
      }
      let digits = rest.dropFirst(kind.utf8.count)
      if digits.isEmpty || !digits.allSatisfy(isDigit) || digits.first == UInt8(ascii: "0") {
        return nil
      }
      // a prerelease only follows go1.N, never go1.N.P
      if parts.count == 3 { return nil }
      prerelease = [.text(Array(kind.utf8)), .number(DecimalDigits(digits: digits))]
    }
    return GoVersion(
      major: parts[0], minor: parts.count > 1 ? parts[1] : .zero,
      patch: parts.count > 2 ? parts[2] : .zero, prerelease: prerelease, build: nil)
  }

  public static func compare(_ a: GoVersion, _ b: GoVersion) -> Int {
    var r = DecimalDigits.compare(a.major, b.major)
    if r != 0 { return r }
    r = DecimalDigits.compare(a.minor, b.minor)
    if r != 0 { return r }
    r = DecimalDigits.compare(a.patch, b.patch)
    if r != 0 { return r }
    if a.prerelease.isEmpty || b.prerelease.isEmpty {
      if a.prerelease.isEmpty && b.prerelease.isEmpty { return 0 }
      return a.prerelease.isEmpty ? 1 : -1
    }
    for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
      switch (x, y) {
      case (.number(let p), .number(let q)): return DecimalDigits.compare(p, q)
      case (.number, .text): return -1
      case (.text, .number): return 1
      case (.text(let p), .text(let q)): return compareBytes(p, q)
      }
    }
    if a.prerelease.count == b.prerelease.count { return 0 }
    return a.prerelease.count < b.prerelease.count ? -1 : 1
  }

  public static func < (a: GoVersion, b: GoVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: GoVersion, b: GoVersion) -> Bool { compare(a, b) == 0 }
  public func hash(into hasher: inout Hasher) {
    hasher.combine(major)
    hasher.combine(minor)
    hasher.combine(patch)
    hasher.combine(prerelease)
  }
}

/// `VersionScheme` conformance for Go module and toolchain versions.
public enum GoVersionScheme: VersionScheme {
  public static let name = "go"
  public static func parse(_ text: String) throws(VersionParseError) -> GoVersion {
    try GoVersion(parsing: text)
  }
}
