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
    // Decoded from the written bytes, so the test reads what a SARIF consumer reads.
    let doc = try JSONDecoder().decode(
      SARIFLog.self, from: try SARIFReport(toolVersion: "0.1.0").encode(report))
    #expect(doc.version == "2.1.0")
    let run = try #require(doc.runs.first)
    #expect(run.tool.driver.informationUri == SARIFLog.informationURI)
    #expect(run.results.count == 1)
    #expect(run.results[0].ruleId == "CVE-2023-32681")
    #expect(run.results[0].level == .error)
    #expect(
      run.results[0].locations.first?.physicalLocation.artifactLocation.uri
        == "site-packages/requests")
    #expect(run.results[0].locations.first?.physicalLocation.region == nil)
    #expect(run.results[0].partialFingerprints == ["tailguard/v1": "\(p.id):CVE-2023-32681"])
    #expect(run.results[0].properties?.risk == 6.1)
    #expect(run.tool.driver.rules[0].properties?.securitySeverity == "6.1")
    #expect(run.tool.driver.rules[0].defaultConfiguration?.level == .error)
    // The property bag's key is GitHub's `security-severity`; absent members are left out.
    let text = String(decoding: try SARIFReport(toolVersion: "0.1.0").encode(report), as: UTF8.self)
    #expect(text.contains("\"security-severity\" : \"6.1\""))
    #expect(!text.contains("null") && !text.contains("\"region\""))
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
    let vex = try JSONDecoder().decode(
      OpenVEXDocument.self,
      from: try OpenVEXReport(timestamp: "2026-01-01T00:00:00Z").encode(report))
    #expect(vex.context == "https://openvex.dev/ns/v0.2.0")
    #expect(vex.statements.map(\.status) == ["affected", "affected"])
    #expect(vex.statements[0].actionStatement?.contains("idna to 3.7") == true)
    #expect(vex.statements[0].vulnerability.aliases == ["GHSA-xxxx-yyyy-zzzz"])
    #expect(vex.statements[1].products.map(\.id) == [a.purl.description])
    #expect(vex.statements[1].actionStatement?.hasPrefix("No fix is available") == true)
  }
}

/// Issue 14: the first screen repeated `requests 2.22.0 pypi CVE-2023-32681` twelve times (the
/// package is installed in twelve places and the table had no location), and numbered layers
/// from 0 where `inventory` numbers them from 1.
@Suite struct ScanTableLocationTests {
  func report() -> ScanReport {
    var copies = ["a/dist-packages", "b/site-packages", "c/site-packages"].map {
      pkg("requests", "2.22.0", path: $0)
    }
    for i in copies.indices { copies[i].introducedByIndex = 1 }
    let other = pkg("idna", "2.7", path: "a/dist-packages")
    let image = ImageMetadata(target: "dir:/", sourceKind: "directory")
    var findings = copies.map {
      finding($0, id: "CVE-2023-32681", severity: .medium, cvss: 6.1, fixed: "2.31.0")
    }
    for i in findings.indices { findings[i].finding.introducedByIndex = 1 }
    findings.append(finding(other, id: "CVE-2024-3651", severity: .high, cvss: 7.5, fixed: "3.7"))
    return ScanReport(
      toolVersion: "0.1.0", scannedAt: "2026-01-01T00:00:00Z",
      sbom: SoftwareBOM(image: image, packages: copies + [other]), findings: findings)
  }

  @Test func identicalRowsAreGroupedWithTheirLocation() {
    let table = ScanTableReport().render(report())
    let lines = table.split(separator: "\n").map(String.init)
    let requests = lines.filter { $0.hasPrefix("requests") }
    #expect(requests.count == 1)
    #expect(requests.first?.hasSuffix("/a/dist-packages/requests (+2 more)") == true)
    #expect(lines.contains { $0.hasPrefix("idna") && $0.hasSuffix("/a/dist-packages/idna") })
    #expect(lines.first { $0.hasPrefix("PACKAGE") }?.hasSuffix("LAYER  LOCATION") == true)
    // The summary still counts every finding.
    #expect(table.contains("Total: 4 (critical: 0, high: 1, medium: 3,"))
  }

  @Test func verboseListsEveryLocation() {
    let lines = ScanTableReport().render(report(), verbose: true).split(separator: "\n")
    let requests = lines.filter { $0.hasPrefix("requests") }
    #expect(
      requests.map { $0.split(separator: " ").last.map(String.init) ?? "" } == [
        "/a/dist-packages/requests", "/b/site-packages/requests", "/c/site-packages/requests",
      ])
  }

  @Test func layersAreNumberedFromOneAsInventoryDoes() {
    let table = ScanTableReport().render(report())
    let row = table.split(separator: "\n").first { $0.hasPrefix("requests") } ?? ""
    #expect(row.contains(" #2 "))
    #expect(!row.contains(" #1 "))
    #expect(LayerLabel.text(0) == "#1")
  }
}
