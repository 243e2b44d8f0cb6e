/// A parsed version of any scheme, for code that learns the scheme at run time (the matcher).
/// Parse once, compare many times: comparison works on the parsed value, never on the text.
/// Versions of different schemes never compare equal; they are ordered by scheme so that
/// sorting a mixed list cannot crash or loop.
public struct AnyVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  enum Value: Sendable {
    case deb(DebianVersion)
    case rpm(RPMVersion)
    case apk(APKVersion)
    case pypi(PEP440Version)
    case semver(SemanticVersion)
    case go(GoVersion)
    case maven(MavenVersion)
    case generic(GenericVersion)
  }

  public let kind: VersionSchemeKind
  /// The text as given (not normalised), for evidence and messages.
  public let text: String
  let value: Value

  init(kind: VersionSchemeKind, text: String, value: Value) {
    self.kind = kind
    self.text = text
    self.value = value
  }

  public var description: String { text }

  /// -1, 0 or 1. Different schemes order by scheme.
  public static func compare(_ a: AnyVersion, _ b: AnyVersion) -> Int {
    switch (a.value, b.value) {
    case (.deb(let x), .deb(let y)): return DebianVersion.compare(x, y)
    case (.rpm(let x), .rpm(let y)): return RPMVersion.compare(x, y)
    case (.apk(let x), .apk(let y)): return APKVersion.compare(x, y)
    case (.pypi(let x), .pypi(let y)): return PEP440Version.compare(x, y)
    case (.semver(let x), .semver(let y)):
      if a.kind != b.kind { break }
      return SemanticVersion.compare(x, y)
    case (.go(let x), .go(let y)): return GoVersion.compare(x, y)
    case (.maven(let x), .maven(let y)): return MavenVersion.compare(x, y)
    case (.generic(let x), .generic(let y)): return GenericVersion.compare(x, y)
    default: break
    }
    return a.kind.ordinal < b.kind.ordinal ? -1 : (a.kind.ordinal == b.kind.ordinal ? 0 : 1)
  }

  public static func < (a: AnyVersion, b: AnyVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: AnyVersion, b: AnyVersion) -> Bool { compare(a, b) == 0 }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(kind)
    switch value {
    case .deb(let v): hasher.combine(v)
    case .rpm(let v): hasher.combine(v)
    case .apk(let v): hasher.combine(v)
    case .pypi(let v): hasher.combine(v)
    case .semver(let v): hasher.combine(v)
    case .go(let v): hasher.combine(v)
    case .maven(let v): hasher.combine(v)
    case .generic(let v): hasher.combine(v)
    }
  }

  /// The typed value, for callers that want scheme-specific details.
  public var debian: DebianVersion? { if case .deb(let v) = value { v } else { nil } }
  public var rpm: RPMVersion? { if case .rpm(let v) = value { v } else { nil } }
  public var apk: APKVersion? { if case .apk(let v) = value { v } else { nil } }
  public var pep440: PEP440Version? { if case .pypi(let v) = value { v } else { nil } }
  public var semantic: SemanticVersion? { if case .semver(let v) = value { v } else { nil } }
  public var go: GoVersion? { if case .go(let v) = value { v } else { nil } }
  public var maven: MavenVersion? { if case .maven(let v) = value { v } else { nil } }
  public var generic: GenericVersion? { if case .generic(let v) = value { v } else { nil } }

  /// Whether the version is a pre-release, for schemes that define one (PEP 440, SemVer, Go);
  /// false elsewhere.
  public var isPrerelease: Bool {
    switch value {
    case .pypi(let v): v.isPrerelease
    case .semver(let v): v.isPrerelease
    case .go(let v): v.isPrerelease
    default: false
    }
  }
}
