import Foundation
import Testing

@testable import Reports
@testable import TailguardModel

func pkg(
  _ name: String, _ version: String, _ eco: Ecosystem = .pypi, path: String = "site-packages"
) -> Package {
  Package(
    name: name, version: version, ecosystem: eco,
    purl: PackageURL(type: eco.rawValue, name: name, version: version),
    locations: [Location(path: "\(path)/\(name)")], foundBy: "test")
}

func finding(_ p: Package, id: String, severity: Severity, cvss: Double?, fixed: String?)
  -> ScoredFinding
{
  let f = Finding(
    packageID: p.id, packageName: p.name, packageVersion: p.version, ecosystem: p.ecosystem,
    purl: p.purl,
    primaryID: id, advisoryIDs: [id, "GHSA-xxxx-yyyy-zzzz"], recordIDs: [id],
    summary: "summary of \(id)",
    fixState: fixed == nil ? .notFixed : .fixed, fixedVersion: fixed)
  return ScoredFinding(
    finding: f,
    assessment: Assessment(
      severity: severity, severitySource: "vendor", cvssScore: cvss,
      risk: RiskScore(value: cvss ?? 4, reasons: [])))
}

@Suite struct ReportsTests {
  @Test func sbomDiffNamesAddedRemovedAndChanged() {
    let image = ImageMetadata(target: "a", sourceKind: "oci-layout")
    let old = SoftwareBOM(
      image: image,
      packages: [pkg("requests", "2.19.0"), pkg("urllib3", "1.24.1"), pkg("idna", "2.7")])
    var newImage = image
    newImage.target = "b"
    let new = SoftwareBOM(
      image: newImage,
      packages: [pkg("requests", "2.31.0"), pkg("idna", "2.7"), pkg("certifi", "2023.7.22")])
    let diff = SBOMDiffResult(old: old, new: new)
    #expect(diff.added.map(\.name) == ["certifi"])
    #expect(diff.removed.map(\.name) == ["urllib3"])
    #expect(
      diff.changed.map { "\($0.name) \($0.oldVersion ?? "") -> \($0.newVersion ?? "")" } == [
        "requests 2.19.0 -> 2.31.0"
      ])
    #expect(diff.unchanged == 1)
    #expect(diff.table().contains("added: 1, removed: 1, changed: 1, unchanged: 1"))
  }

  @Test func sarifCarriesRulesLevelsAndLocations() throws {
    let p = pkg("requests", "2.19.0")
    let image = ImageMetadata(target: "oci:x", sourceKind: "oci-layout")
    let report = ScanReport(
      toolVersion: "0.1.0", scannedAt: "2026-01-01T00:00:00Z",
      sbom: SoftwareBOM(image: image, packages: [p]),
      findings: [finding(p, id: "CVE-2023-32681", severity: .high, cvss: 6.1, fixed: "2.31.0")])
    let doc = SARIFReport(toolVersion: "0.1.0").document(report)
    let run = try #require((doc["runs"] as? [[String: Any]])?.first)
    let results = try #require(run["results"] as? [[String: Any]])
    #expect(results.count == 1)
    #expect(results[0]["ruleId"] as? String == "CVE-2023-32681")
    #expect(results[0]["level"] as? String == "error")
    let uri =
      ((results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
      .flatMap { ($0["artifactLocation"] as? [String: Any])?["uri"] as? String }
    #expect(uri == "site-packages/requests")
    let rules = try #require(
      (run["tool"] as? [String: Any]).flatMap {
        ($0["driver"] as? [String: Any])?["rules"] as? [[String: Any]]
      })
    #expect((rules[0]["properties"] as? [String: Any])?["security-severity"] as? String == "6.1")
    // The document is valid JSON.
    #expect(
      try JSONSerialization.jsonObject(with: try SARIFReport(toolVersion: "0.1.0").encode(report))
        is [String: Any])
  }

  @Test func tableSummarisesPerSeverityAndOpenVEXStatesTheUpgrade() throws {
    let a = pkg("requests", "2.19.0")
    let b = pkg("idna", "2.7")
    let image = ImageMetadata(target: "oci:x", sourceKind: "oci-layout")
    let report = ScanReport(
      toolVersion: "0.1.0", scannedAt: "2026-01-01T00:00:00Z",
      sbom: SoftwareBOM(image: image, packages: [a, b]),
      findings: [
        finding(b, id: "CVE-2024-3651", severity: .high, cvss: 7.5, fixed: "3.7"),
        finding(a, id: "CVE-2023-32681", severity: .medium, cvss: 6.1, fixed: nil),
      ])
    let table = ScanTableReport().render(report)
    #expect(
      table.contains(
        "Total: 2 (critical: 0, high: 1, medium: 1, low: 0, negligible: 0, unknown: 0)"))
    #expect(table.contains("not fixed"))
    let vex = OpenVEXReport(timestamp: "2026-01-01T00:00:00Z").document(report)
    let statements = try #require(vex["statements"] as? [[String: Any]])
    #expect(statements.map { $0["status"] as? String } == ["affected", "affected"])
    #expect((statements[0]["action_statement"] as? String)?.contains("idna to 3.7") == true)
  }
}
