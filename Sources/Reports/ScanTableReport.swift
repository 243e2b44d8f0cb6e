import Foundation
import TailguardModel

/// The `scan -o table` view: open findings, most severe and riskiest first, then a summary line
/// per severity. Each row says where the package is (LOCATION). The same package version
/// installed in several places gives rows that differ only there: they are shown as one row,
/// `PATH (+N more)`, unless `verbose` asks for one row per place. Layers are numbered from 1,
/// as `inventory` numbers them.
public struct ScanTableReport: Sendable {
  public init() {}

  public func render(_ report: ScanReport, showSuppressed: Bool = false, verbose: Bool = false)
    -> String
  {
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
      out += TableRenderer(uncutLastColumn: true).render(
        header: [
          "PACKAGE", "INSTALLED", "TYPE", "VULNERABILITY", "SEVERITY", "RISK", "FIXED IN", "LAYER",
          "LOCATION",
        ],
        rows: rows(report, verbose: verbose))
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

  /// One row per finding with its package's location; without `verbose`, rows equal but for
  /// the location are merged into the first, which then says how many more places there are.
  func rows(_ report: ScanReport, verbose: Bool) -> [[String]] {
    var paths: [String: String] = [:]
    for p in report.sbom.packages {
      if let first = p.locations.min() { paths[p.id] = "/" + first.path }
    }
    let all = report.findings.map { f in (row(f), paths[f.finding.packageID] ?? "") }
    if verbose { return all.map { $0.0 + [$0.1] } }
    var order: [[String]] = []
    var places: [[String]: [String]] = [:]
    for (cells, path) in all {
      if places[cells] == nil { order.append(cells) }
      places[cells, default: []].append(path)
    }
    return order.map { cells in
      let where_ = places[cells] ?? []
      let distinct = Array(Set(where_)).sorted()
      var location = distinct.first ?? ""
      if distinct.count > 1 { location += " (+\(distinct.count - 1) more)" }
      return cells + [location]
    }
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
    let layer = f.finding.introducedByIndex.map(LayerLabel.text) ?? ""
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
