import Advisories
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Matching

@Suite struct StarterSetTests {
  /// Every embedded record parses, and the starter set alone finds the planted image's
  /// headline vulnerabilities (so the Quick start shows real findings offline).
  @Test func starterSetParsesAndMatchesThePlantedPackages() {
    #expect(StarterSet.entries.count == 9)
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

  /// Every starter record carries a real CVSS vector (issue 14: the Quick start showed
  /// `unknown` for every finding), and every vector the generator added names its source.
  @Test func everyStarterRecordHasARealSeverity() {
    for entry in StarterSet.entries {
      let advisory = entry.record.advisory
      #expect(!advisory.severities.isEmpty, "\(advisory.id) has no severity")
      #expect(advisory.severities.allSatisfy { $0.score.hasPrefix("CVSS:3.") }, "\(advisory.id)")
      #expect(!entry.provenance.isEmpty)
    }
    // PYSEC-2024-60 carried its own vector; the other eight got theirs from GHSA or NVD.
    #expect(StarterSet.entries.filter { $0.severitySource != nil }.count == 8)
    let requests = StarterSet.entries.first { $0.record.advisory.id == "PYSEC-2023-74" }
    #expect(
      requests?.record.advisory.severities.map(\.score) == [
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"
      ])
    #expect(requests?.severitySource?.hasPrefix("GHSA-j8r2-6x86-q33q") == true)
  }

  /// The embedded file is exactly what `scripts/make-starter-set.py` writes from the shared
  /// data: nobody edited it by hand.
  @Test func embeddedFileMatchesItsGenerator() throws {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let out = try FixtureProcess.run(
      "python3", [repo.appendingPathComponent("scripts/make-starter-set.py").path, "--check"])
    #expect(out.isEmpty)
  }
}
