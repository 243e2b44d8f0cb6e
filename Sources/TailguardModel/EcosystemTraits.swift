extension Ecosystem {
  /// Everything the pipeline needs to know about one ecosystem, in one row of `Ecosystem.table`:
  /// adding an ecosystem is a case in `Ecosystem`, a row here, and its cataloger (README "Where
  /// things go"). Stages look these up instead of switching on the ecosystem, so the rules
  /// cannot drift apart between the SBOM writers, the SBOM reader, matching and `db update`.
  public struct Traits: Sendable, Hashable {
    public var ecosystem: Ecosystem
    /// The purl type (`pkg:TYPE/…`): the same as the raw value, named here for readers.
    public var purlType: String
    /// OSV's name for a language ecosystem (`PyPI`, `Go`); nil for OS packages (their OSV
    /// ecosystem names a distro release: Matching's `DistroEcosystems`) and `generic`.
    public var osvName: String?
    /// How the purl namespace relates to the package's name.
    public var namespace: NamespaceRule
    /// Whether CycloneDX output carries the purl namespace as the component's `group`.
    public var namespaceIsCycloneDXGroup: Bool
    /// Who supplied a package whose record declares no one (NTIA allows the distributor).
    public var supplier: SupplierRule
    /// The `VersionSchemeKind` raw value versions are compared with; nil when tailguard has no
    /// scheme of its own (packages then compare generically and advisories are not evaluated).
    public var versionScheme: String?
    /// Whether `db update` fetches this ecosystem's OSV data when no ecosystems are named.
    public var fetchedByUpdate: Bool
    /// OSV ecosystems of the distros whose packages are of this kind and whose data `db update`
    /// fetches (`Debian`, `Ubuntu` for deb); empty for language ecosystems.
    public var distroFeeds: [String]

    /// The OSV ecosystems `db update` fetches for this row, in order.
    public var updateFeeds: [String] {
      guard fetchedByUpdate else { return [] }
      return (osvName.map { [$0] } ?? []) + distroFeeds
    }
  }

  public enum NamespaceRule: Sendable, Hashable {
    /// Not part of the name (a distro vendor for OS packages, or no namespace at all).
    case separate
    /// Part of the name everywhere, joined with `/`: npm scopes (`@scope/name`), Go module
    /// paths (`github.com/x/y`), Composer vendors (`vendor/pkg`).
    case joinsName
    /// A group of its own, and OSV names the package `group:artifact` (Maven).
    case group
  }

  public enum SupplierRule: Sendable, Hashable {
    /// The distribution channel, always the same text (`npm registry`).
    case channel(String)
    /// The purl namespace (the distro vendor), optionally capitalized, else the fallback.
    case namespace(capitalized: Bool, fallback: String)
    /// A Go module's host and owner (`github.com/x`), `The Go Authors` for the standard
    /// library, else the module proxy.
    case goModulePath
    /// No supplier is named.
    case none
  }

  /// One row per ecosystem, in declaration order.
  public static let table: [Traits] = [
    Traits(
      ecosystem: .deb, purlType: "deb", osvName: nil, namespace: .separate,
      namespaceIsCycloneDXGroup: false,
      supplier: .namespace(capitalized: true, fallback: "Debian"), versionScheme: "deb",
      fetchedByUpdate: true, distroFeeds: ["Debian", "Ubuntu"]),
    Traits(
      ecosystem: .apk, purlType: "apk", osvName: nil, namespace: .separate,
      namespaceIsCycloneDXGroup: false,
      supplier: .namespace(capitalized: true, fallback: "Alpine Linux"), versionScheme: "apk",
      fetchedByUpdate: true, distroFeeds: ["Alpine", "Wolfi", "Chainguard"]),
    Traits(
      ecosystem: .rpm, purlType: "rpm", osvName: nil, namespace: .separate,
      namespaceIsCycloneDXGroup: false,
      supplier: .namespace(capitalized: false, fallback: "RPM vendor (not declared)"),
      versionScheme: "rpm", fetchedByUpdate: true, distroFeeds: ["Rocky Linux", "AlmaLinux"]),
    Traits(
      ecosystem: .pypi, purlType: "pypi", osvName: "PyPI", namespace: .separate,
      namespaceIsCycloneDXGroup: false, supplier: .channel("Python Package Index (PyPI)"),
      versionScheme: "pypi", fetchedByUpdate: true, distroFeeds: []),
    Traits(
      ecosystem: .npm, purlType: "npm", osvName: "npm", namespace: .joinsName,
      namespaceIsCycloneDXGroup: true, supplier: .channel("npm registry"), versionScheme: "npm",
      fetchedByUpdate: true, distroFeeds: []),
    Traits(
      ecosystem: .golang, purlType: "golang", osvName: "Go", namespace: .joinsName,
      namespaceIsCycloneDXGroup: false, supplier: .goModulePath, versionScheme: "go",
      fetchedByUpdate: true, distroFeeds: []),
    Traits(
      ecosystem: .cargo, purlType: "cargo", osvName: "crates.io", namespace: .separate,
      namespaceIsCycloneDXGroup: false, supplier: .channel("crates.io"), versionScheme: "semver",
      fetchedByUpdate: true, distroFeeds: []),
    Traits(
      ecosystem: .maven, purlType: "maven", osvName: "Maven", namespace: .group,
      namespaceIsCycloneDXGroup: true,
      supplier: .namespace(capitalized: false, fallback: "Maven repository"),
      versionScheme: "maven", fetchedByUpdate: true, distroFeeds: []),
    Traits(
      ecosystem: .gem, purlType: "gem", osvName: "RubyGems", namespace: .separate,
      namespaceIsCycloneDXGroup: false, supplier: .channel("RubyGems.org"), versionScheme: nil,
      fetchedByUpdate: true, distroFeeds: []),
    Traits(
      ecosystem: .nuget, purlType: "nuget", osvName: "NuGet", namespace: .separate,
      namespaceIsCycloneDXGroup: false, supplier: .channel("NuGet Gallery"), versionScheme: nil,
      fetchedByUpdate: true, distroFeeds: []),
    Traits(
      ecosystem: .composer, purlType: "composer", osvName: "Packagist", namespace: .joinsName,
      namespaceIsCycloneDXGroup: false, supplier: .channel("Packagist"), versionScheme: nil,
      fetchedByUpdate: true, distroFeeds: []),
    Traits(
      ecosystem: .generic, purlType: "generic", osvName: nil, namespace: .separate,
      namespaceIsCycloneDXGroup: false, supplier: .none, versionScheme: nil,
      fetchedByUpdate: false, distroFeeds: []),
  ]

  private static let traitsByEcosystem: [Ecosystem: Traits] = Dictionary(
    table.map { ($0.ecosystem, $0) }, uniquingKeysWith: { first, _ in first })

  /// This ecosystem's row of `table`.
  public var traits: Traits {
    // Every case has a row (EcosystemTraitsTests); `generic`'s row stands in otherwise.
    Self.traitsByEcosystem[self]
      ?? Traits(
        ecosystem: self, purlType: rawValue, osvName: nil, namespace: .separate,
        namespaceIsCycloneDXGroup: false, supplier: .none, versionScheme: nil,
        fetchedByUpdate: false, distroFeeds: [])
  }

  /// The ecosystem whose purl type is `type`; `alpine` (an older spelling some tools write)
  /// is apk.
  public init?(purlType type: String) {
    if type == "alpine" {
      self = .apk
      return
    }
    guard let row = Self.table.first(where: { $0.purlType == type }) else { return nil }
    self = row.ecosystem
  }

  /// The language ecosystem OSV calls `name` (`PyPI`, `Go`, …).
  public init?(osvName name: String) {
    guard let row = Self.table.first(where: { $0.osvName == name }) else { return nil }
    self = row.ecosystem
  }

  /// The OSV ecosystems `db update` fetches when none are named: every row's `updateFeeds`.
  public static var updateFeeds: [String] { table.flatMap(\.updateFeeds) }

  /// The package name a purl spells: `@scope/name` and `github.com/x/y` where the namespace
  /// joins the name, the name alone otherwise.
  public static func displayName(of purl: PackageURL) -> String {
    guard let ns = purl.namespace, let eco = Ecosystem(purlType: purl.type),
      eco.traits.namespace == .joinsName
    else { return purl.name }
    return ns + "/" + purl.name
  }
}
