import Fleet
import Foundation
import Reports
import SBOMFormats
import TailguardModel
import TailguardTesting
import Testing

@testable import Scanner

/// pin lint's SARIF is the same `SARIFLog` scan writes: real tool version and information URI,
/// one rule per pin rule, one result per finding at its file and line.
@Suite struct PinLintSARIFTests {
  static let fixtures = SharedData.packageRoot + "/Tests/FleetTests/Fixtures"

  @Test func findingsBecomeResultsOnTheirLines() throws {
    let inv = FleetScanner().scan([Self.fixtures + "/compose.yaml"])
    let findings = PinLinter().lint(inv.references, fileLines: PinLinter.readLines)
    #expect(!findings.isEmpty)
    let text = try PinLintSARIF.render(findings)
    #expect(text.hasSuffix("}\n"))
    let log = try JSONDecoder().decode(SARIFLog.self, from: Data(text.utf8))
    #expect(log.version == "2.1.0" && log.schema == SARIFLog.schemaURI)
    let driver = try #require(log.runs.first?.tool.driver)
    #expect(driver.name == "tailguard" && driver.version == TailguardVersion.current)
    #expect(driver.informationUri == "https://github.com/tailguard/tailguard")
    #expect(driver.rules.map(\.id) == PinRule.allCases.map(\.rawValue))
    #expect(driver.rules.first { $0.id == "no-digest" }?.defaultConfiguration?.level == .warning)
    let results = try #require(log.runs.first?.results)
    #expect(results.map(\.ruleId) == findings.map(\.rule.rawValue))
    #expect(results.map(\.level.rawValue) == findings.map(\.level.rawValue))
    #expect(results.map(\.message.text) == findings.map(\.message))
    #expect(
      results.map { $0.locations.first?.physicalLocation.region?.startLine } == findings.map(\.line)
    )
    #expect(
      results.map { $0.locations.first?.physicalLocation.artifactLocation.uri }
        == findings.map(\.file))
  }

  /// Scan's SARIF and pin lint's name the same tool the same way.
  @Test func sameDriverAsScanSARIF() throws {
    let pin = PinLintSARIF.log([]).runs[0].tool.driver
    let report = ScanReport(
      toolVersion: TailguardVersion.current, scannedAt: "2026-01-01T00:00:00Z",
      sbom: SoftwareBOM(image: ImageMetadata(target: "oci:x", sourceKind: "oci-layout")),
      findings: [])
    let scan = SARIFReport(toolVersion: TailguardVersion.current).document(report).runs[0].tool
      .driver
    #expect(
      (pin.name, pin.version, pin.informationUri) == (scan.name, scan.version, scan.informationUri))
  }
}
