import TailguardModel
import Testing

/// The one table of per-ecosystem facts: complete, consistent with the purl types, and saying
/// what the scattered rules it replaced said.
@Suite struct EcosystemTraitsTests {
  @Test func everyEcosystemHasExactlyOneRow() {
    #expect(Ecosystem.table.map(\.ecosystem) == Ecosystem.allCases)
    for e in Ecosystem.allCases {
      #expect(e.traits.ecosystem == e)
      #expect(e.traits.purlType == e.rawValue)
      #expect(Ecosystem(purlType: e.rawValue) == e)
      if let osv = e.osvName { #expect(Ecosystem(osvName: osv) == e) }
    }
    #expect(Ecosystem(purlType: "alpine") == .apk)
    #expect(Ecosystem(purlType: "swift") == nil)
  }

  @Test func osvNamesAndNamespaceRules() {
    let osv = Dictionary(uniqueKeysWithValues: Ecosystem.allCases.map { ($0, $0.osvName) })
    #expect(
      osv == [
        .deb: nil, .apk: nil, .rpm: nil, .generic: nil, .pypi: "PyPI", .npm: "npm", .golang: "Go",
        .cargo: "crates.io", .maven: "Maven", .gem: "RubyGems", .nuget: "NuGet",
        .composer: "Packagist",
      ])
    #expect(
      Set(Ecosystem.allCases.filter { $0.traits.namespace == .joinsName })
        == [.npm, .golang, .composer])
    #expect(Ecosystem.allCases.filter { $0.traits.namespace == .group } == [.maven])
    #expect(
      Set(Ecosystem.allCases.filter(\.traits.namespaceIsCycloneDXGroup)) == [.npm, .maven])
  }

  @Test func displayNameJoinsTheNamespaceWhereTheTableSays() throws {
    #expect(Ecosystem.displayName(of: try PackageURL(parsing: "pkg:npm/%40s/x@1")) == "@s/x")
    #expect(
      Ecosystem.displayName(of: try PackageURL(parsing: "pkg:golang/github.com/a/b@v1"))
        == "github.com/a/b")
    #expect(
      Ecosystem.displayName(of: try PackageURL(parsing: "pkg:maven/org.x/y@1")) == "y")
    #expect(
      Ecosystem.displayName(of: try PackageURL(parsing: "pkg:deb/debian/bash@5")) == "bash")
  }

  /// The list `db update` fetched before the table existed, as a set (the order now follows
  /// the table).
  @Test func updateFeedsAreTheEcosystemsDBUpdateFetched() {
    #expect(
      Set(Ecosystem.updateFeeds) == [
        "Alpine", "Debian", "Go", "Maven", "npm", "PyPI", "RubyGems", "crates.io", "NuGet",
        "Packagist", "Ubuntu", "Rocky Linux", "AlmaLinux", "Wolfi", "Chainguard",
      ])
    #expect(Ecosystem.updateFeeds.count == Set(Ecosystem.updateFeeds).count)
  }
}
