import Foundation
import TailguardModel

/// The `scan -o table` view: one row per open finding, most severe and riskiest first, then a
/// summary line per severity.
public struct ScanTableReport: Sendable {
  public init() {}

  public func render(_ report: ScanReport, showSuppressed: Bool = false) -> String {
    var out = ""
    let image = report.sbom.image
    out += "Target: \(image.target)"
    if let d = image.manifestDigest { out += "  (\(d.short))" }
    if let distro = report.sbom.distro {
      out +=
        "  \(distro.prettyName ?? [distro.id, distro.versionID].compactMap { $0 }.joined(separator: " "))"
    }
    out += "\n"
    out += "Packages: \(report.sbom.packages.count)"
    if let data = report.advisoryData {
      out += "  Advisories: \(data.records) from \(data.location)"
    }
    out += "\n\n"
    if report.findings.isEmpty {
      out += "No vulnerabilities found.\n"
    } else {
      out += TableRenderer().render(
        header: [
          "PACKAGE", "INSTALLED", "TYPE", "VULNERABILITY", "SEVERITY", "RISK", "FIXED IN", "LAYER",
        ],
        rows: report.findings.map(row))
    }
    if showSuppressed && !report.suppressed.isEmpty {
      out += "\nSuppressed:\n"
      out += TableRenderer().render(
        header: ["PACKAGE", "INSTALLED", "VULNERABILITY", "BY", "REASON"],
        rows: report.suppressed.map { s in
          [
            s.finding.packageName, s.finding.packageVersion, s.finding.primaryID,
            s.suppression?.kind ?? "", s.suppression?.reason ?? "",
          ]
        })
    }
    if let policy = report.policy {
      out += "\nPolicy: \(policy.outcome.uppercased())"
      if !policy.packs.isEmpty { out += " (packs: \(policy.packs.joined(separator: ", ")))" }
      out += "\n"
      for v in policy.violations + policy.warnings {
        out += "  \(v.level.uppercased())  \(v.pack ?? v.package): \(v.message)\n"
      }
    }
    out += "\n" + Self.summary(report) + "\n"
    return out
  }

  func row(_ f: ScoredFinding) -> [String] {
    var id = f.finding.primaryID
    if f.finding.exploitation?.kev != nil { id += " (KEV)" }
    let fixed: String
    switch f.finding.fixState {
    case .fixed: fixed = f.finding.fixedVersion ?? "fixed"
    case .wontFix: fixed = "won't fix"
    case .notFixed: fixed = "not fixed"
    case .unknown: fixed = ""
    }
    let layer = f.finding.introducedByIndex.map { "#\($0)" } ?? ""
    return [
      f.finding.packageName, f.finding.packageVersion, f.finding.ecosystem.rawValue, id,
      f.assessment.severity.rawValue, String(format: "%.1f", f.assessment.risk.value), fixed, layer,
    ]
  }

  /// `Total: 12 (critical: 1, high: 3, medium: 5, low: 2, negligible: 0, unknown: 1)`
  public static func summary(_ report: ScanReport) -> String {
    let counts = report.severityCounts
    let parts = Severity.allCases.reversed().map { "\($0.rawValue): \(counts[$0] ?? 0)" }
    var line = "Total: \(report.findings.count) (\(parts.joined(separator: ", ")))"
    if !report.suppressed.isEmpty { line += ", suppressed: \(report.suppressed.count)" }
    return line
  }
}
