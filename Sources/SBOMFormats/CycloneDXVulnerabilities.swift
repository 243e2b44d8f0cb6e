import TailguardModel

/// The `vulnerabilities` array of a CycloneDX 1.6 BOM for a scan report: one entry per
/// (vulnerability, package), rated with the severity and CVSS the report used, affecting the
/// package's `bom-ref` (its stable id), with the upgrade as recommendation.
public enum CycloneDXVulnerabilities {
  public static func build(_ report: ScanReport) -> [CycloneDXVulnerability] {
    report.findings.map { scored in
      let f = scored.finding
      let a = scored.assessment
      let rating = CycloneDXVulnerability.Rating(
        severity: severity(a.severity), score: a.cvssScore, vector: a.cvssVector,
        method: a.cvssVector.map(method) ?? "other", source: .init(name: a.severitySource))
      let aliases = f.advisoryIDs.filter { $0 != f.primaryID }
      return CycloneDXVulnerability(
        bomRef: "vuln:\(f.primaryID):\(f.packageID)",
        id: f.primaryID,
        source: .init(name: f.evidence.first?.source ?? "osv"),
        ratings: [rating],
        affects: [.init(ref: f.packageID)],
        properties: [
          .init(name: "tailguard:risk", value: String(a.risk.value)),
          .init(name: "tailguard:fixState", value: f.fixState.rawValue),
        ],
        references: aliases.isEmpty
          ? nil
          : aliases.map {
            CycloneDXVulnerability.Reference(id: $0, source: .init(name: sourceName(of: $0)))
          },
        description: f.summary.flatMap { $0.isEmpty ? nil : $0 },
        recommendation: f.fixedVersion.map { "Upgrade \(f.packageName) to \($0) or later." })
    }
  }

  static func severity(_ s: Severity) -> String {
    switch s {
    case .critical: "critical"
    case .high: "high"
    case .medium: "medium"
    case .low: "low"
    case .negligible: "info"
    case .unknown: "unknown"
    }
  }

  static func method(_ vector: String) -> String {
    if vector.hasPrefix("CVSS:4.0") { return "CVSSv4" }
    if vector.hasPrefix("CVSS:3.1") { return "CVSSv31" }
    if vector.hasPrefix("CVSS:3.0") { return "CVSSv3" }
    return "CVSSv2"
  }

  static func sourceName(of id: String) -> String {
    if id.hasPrefix("CVE-") { return "NVD" }
    if id.hasPrefix("GHSA-") { return "GitHub Advisories" }
    if id.hasPrefix("PYSEC-") { return "PyPA" }
    if id.hasPrefix("GO-") { return "Go Vulnerability Database" }
    if id.hasPrefix("RUSTSEC-") { return "RustSec" }
    return "OSV"
  }
}
