import Advisories
import TailguardModel
import Testing

@testable import Matching

@Suite struct StarterSetTests {
  /// Every embedded record parses, and the starter set alone finds the planted image's
  /// headline vulnerabilities (so the Quick start shows real findings offline).
  @Test func starterSetParsesAndMatchesThePlantedPackages() {
    #expect(StarterSet.records.count == StarterSet.documents.count)
    #expect(StarterSet.records.allSatisfy { $0.advisory.source == "starter" })
    let packages =
      [("requests", "2.19.0"), ("PyYAML", "5.3"), ("chardet", "3.0.4"), ("requests", "2.31.0")]
      .map { MatchingFixtures.python($0.0, $0.1) }
      + [
        MatchingFixtures.goModule(
          "golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1",
          binary: "usr/local/bin/gobin-with-deps", goVersion: "go1.15.2")
      ]
    let bom = SoftwareBOM(image: MatchingFixtures.image(), packages: packages)
    let result = Matcher(store: StarterSet.makeStore()).match(bom)
    let byPackage = Dictionary(grouping: result.findings) {
      "\($0.packageName) \($0.packageVersion)"
    }
    #expect(
      Set(byPackage["requests 2.19.0"]?.map(\.primaryID) ?? []) == [
        "CVE-2018-18074", "CVE-2023-32681",
      ])
    #expect(
      Set(byPackage["PyYAML 5.3"]?.map(\.primaryID) ?? []) == ["CVE-2020-1747", "CVE-2020-14343"])
    #expect(byPackage["requests 2.31.0"] == nil)
    #expect(byPackage["chardet 3.0.4"] == nil)
    #expect(byPackage["stdlib go1.15.2"]?.map(\.primaryID) == ["CVE-2022-29526"])
    #expect(byPackage["stdlib go1.15.2"]?.first?.fixedVersion == "1.17.10")
    #expect(StarterSet.notice.contains("tailguard db update"))
  }
}
