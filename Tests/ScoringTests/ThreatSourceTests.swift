import Scoring
import TailguardModel
import Testing

/// Every finding's risk names where its exploitation signal comes from, with the date: KEV with
/// the date CISA added it, EPSS with the date of the scores, or none.
@Suite struct ThreatSourceTests {
  static func finding(_ exploitation: Exploitation?) -> Finding {
    Finding(
      packageID: "p", packageName: "p", packageVersion: "1", ecosystem: .pypi,
      purl: try! PackageURL(parsing: "pkg:pypi/p@1"), primaryID: "CVE-2024-1",
      advisoryIDs: ["CVE-2024-1"], recordIDs: ["r"], fixState: .notFixed,
      severityVectors: [
        SeverityVector(type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N")
      ],
      exploitation: exploitation)
  }

  @Test func kevEpssAndNoneEachCarryTheirDate() {
    let kev = Assessor().assess(
      Self.finding(
        Exploitation(
          kev: KEVEntry(cveID: "CVE-2024-1", dateAdded: "2024-05-06"),
          epss: EPSSScore(cveID: "CVE-2024-1", score: 0.4, percentile: 0.9, scoreDate: "2026-12-01")
        )))
    #expect(kev.risk.threat == ThreatSource(source: .kev, date: "2024-05-06"))
    let epss = Assessor().assess(
      Self.finding(
        Exploitation(
          epss: EPSSScore(cveID: "CVE-2024-1", score: 0.4, percentile: 0.9, scoreDate: "2026-12-01")
        )))
    #expect(epss.risk.threat == ThreatSource(source: .epss, date: "2026-12-01", probability: 0.4))
    #expect(epss.risk.reasons.contains { $0.contains("EPSS 40%") && $0.contains("2026-12-01") })
    let none = Assessor().assess(Self.finding(nil))
    #expect(none.risk.threat == .none)
    #expect(!none.risk.reasons.contains { $0.contains("EPSS") || $0.contains("KEV") })
  }

  @Test func strongestPrefersKEVThenTheHigherEPSS() {
    let a = ThreatSource(source: .epss, date: "2026-12-01", probability: 0.2)
    let b = ThreatSource(source: .epss, date: "2026-12-01", probability: 0.7)
    let k1 = ThreatSource(source: .kev, date: "2023-01-01")
    let k2 = ThreatSource(source: .kev, date: "2021-01-01")
    #expect(ThreatSource.strongest(a, b) == b)
    #expect(ThreatSource.strongest(b, k1) == k1)
    #expect(ThreatSource.strongest(k1, k2) == k2)
    #expect([ThreatSource.none, a].reduce(.none, ThreatSource.strongest) == a)
  }
}
