import TailguardModel

/// The version schemes tailguard knows, chosen at run time from an ecosystem name. This is the
/// entry point the matcher uses: it parses advisory and package versions into `AnyVersion`
/// values once and compares those.
public enum VersionSchemeKind: String, CaseIterable, Sendable, Codable {
  case deb, rpm, apk, pypi, semver, npm, go, maven, generic

  /// Parses `text` under this scheme.
  public func parse(_ text: String) throws(VersionParseError) -> AnyVersion {
    let value: AnyVersion.Value
    switch self {
    case .deb: value = .deb(try DebianVersion(parsing: text))
    case .rpm: value = .rpm(try RPMVersion(parsing: text))
    case .apk: value = .apk(try APKVersion(parsing: text))
    case .pypi: value = .pypi(try PEP440Version(parsing: text))
    case .semver: value = .semver(try SemanticVersion(parsing: text, grammar: .strict))
    case .npm: value = .semver(try SemanticVersion(parsing: text, grammar: .loose))
    case .go: value = .go(try GoVersion(parsing: text))
    case .maven: value = .maven(try MavenVersion(parsing: text))
    case .generic: value = .generic(try GenericVersion(parsing: text))
    }
    return AnyVersion(kind: self, text: text, value: value)
  }

  /// Compares two version strings under this scheme: -1, 0 or 1.
  public func compare(_ a: String, _ b: String) throws(VersionParseError) -> Int {
    let x = try parse(a)
    let y = try parse(b)
    return AnyVersion.compare(x, y)
  }

  /// The scheme for an OSV `affected[].package.ecosystem` value (the part before the first `:`
  /// names the ecosystem; what follows is a release such as `Debian:12` or `Alpine:v3.19`).
  /// Returns nil for ecosystems without a scheme here (RubyGems, NuGet, Packagist, …), so the
  /// caller can report them instead of comparing them wrongly.
  public init?(osvEcosystem: String) {
    var base = osvEcosystem.prefix { $0 != ":" }
    while base.first == " " { base = base.dropFirst() }
    while base.last == " " { base = base.dropLast() }
    switch base {
    case "Debian", "Ubuntu": self = .deb
    case "Alpine", "Wolfi", "Chainguard", "Alpaquita", "BellSoft Hardened Containers": self = .apk
    case "Red Hat", "Rocky Linux", "AlmaLinux", "openSUSE", "SUSE", "Mageia", "Photon OS",
      "Azure Linux", "Mariner", "CBL-Mariner", "openEuler":
      self = .rpm
    default:
      // Language ecosystems: the scheme their row of `Ecosystem.table` names.
      guard let scheme = Self.byOSVName[String(base)] else { return nil }
      self = scheme
    }
  }

  /// The scheme for a package's ecosystem; `generic` when tailguard has no specific scheme.
  public init(ecosystem: Ecosystem) {
    self = Self.byEcosystem[ecosystem] ?? .generic
  }

  /// `Ecosystem.table`'s schemes, looked up once (matching asks for every advisory entry).
  static let byEcosystem: [Ecosystem: VersionSchemeKind] = Dictionary(
    Ecosystem.table.compactMap { row in
      row.versionScheme.flatMap(VersionSchemeKind.init(rawValue:)).map { (row.ecosystem, $0) }
    }, uniquingKeysWith: { first, _ in first })

  static let byOSVName: [String: VersionSchemeKind] = Dictionary(
    Ecosystem.table.compactMap { row in
      guard let name = row.osvName, let scheme = byEcosystem[row.ecosystem] else { return nil }
      return (name, scheme)
    }, uniquingKeysWith: { first, _ in first })

  /// Position used to order versions of different schemes (by scheme first).
  var ordinal: Int {
    switch self {
    case .deb: 0
    case .rpm: 1
    case .apk: 2
    case .pypi: 3
    case .semver: 4
    case .npm: 5
    case .go: 6
    case .maven: 7
    case .generic: 8
    }
  }
}
