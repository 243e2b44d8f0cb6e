import Advisories
import Foundation
import TailguardTesting
import Testing

@testable import Reports
@testable import Scanner

/// `JSONReport.encode` writes with `ReportJSONEncoder`; on real documents (the planted image's
/// SBOM, its scan report with findings, scores, EPSS and policy decisions) the bytes must be
/// exactly those of Foundation's `JSONEncoder` with the same options.
@Suite struct ReportJSONTests {
  static let target = "oci:\(SharedData.path("images/built/oci-layout")):planted"

  @Test func plantedSBOMAndScanReportAreFoundationsBytes() async throws {
    let scanner = Scanner()
    let inspected = try await scanner.inspect(target: Self.target)
    var report = scanner.report(for: inspected.sbom, store: StarterSet.makeStore(), dataInfo: nil)
    try scanner.evaluatePolicies(
      ["non-root-user", "no-kev"], on: &report, files: inspected.files)
    try #require(!report.findings.isEmpty)
    try #require(ReportJSONEncoder.encode(inspected.sbom) != nil)
    try #require(ReportJSONEncoder.encode(report) != nil)
    let sbom = try JSONReport.encode(inspected.sbom)
    #expect(sbom == (try JSONReport.foundation(inspected.sbom)))
    #expect(sbom.count > 400_000)
    #expect(try JSONReport.encode(report) == (try JSONReport.foundation(report)))
  }
}
