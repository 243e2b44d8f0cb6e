import TailguardModel

/// The `vulnerabilities` array of a CycloneDX 1.6 BOM for a scan report: one entry per
/// (vulnerability, package), rated with the severity and CVSS the report used, affecting the
/// package's `bom-ref` (its stable id), with the upgrade as recommendation.
public enum CycloneDXVulnerabilities {
  public static func build(_ report: ScanReport) -> [[String: Any]] {
    report.findings.map { scored in
      let f = scored.finding
      let a = scored.assessment
      var rating: [String: Any] = ["severity": severity(a.severity)]
      if let score = a.cvssScore { rating["score"] = score }
      if let vector = a.cvssVector {
        rating["vector"] = vector
        rating["method"] = method(vector)
      } else {
        rating["method"] = "other"
      }
      rating["source"] = ["name": a.severitySource]
      var v: [String: Any] = [
        "bom-ref": "vuln:\(f.primaryID):\(f.packageID)",
        "id": f.primaryID,
        "source": ["name": f.evidence.first?.source ?? "osv"],
        "ratings": [rating],
        "affects": [["ref": f.packageID]],
        "properties": [
          ["name": "tailguard:risk", "value": String(a.risk.value)],
          ["name": "tailguard:fixState", "value": f.fixState.rawValue],
        ],
      ]
      let aliases = f.advisoryIDs.filter { $0 != f.primaryID }
      if !aliases.isEmpty {
        v["references"] = aliases.map { ["id": $0, "source": ["name": sourceName(of: $0)]] }
      }
      if let summary = f.summary, !summary.isEmpty { v["description"] = summary }
      if let fixed = f.fixedVersion {
        v["recommendation"] = "Upgrade \(f.packageName) to \(fixed) or later."
      }
      return v
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
