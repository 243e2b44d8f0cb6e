import Foundation
import TailguardModel

/// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) for code-scanning dashboards:
/// one rule per vulnerability id, one result per (package, vulnerability), located at the file
/// that declared the package. `security-severity` carries the CVSS score so GitHub ranks results.
public struct SARIFReport: Sendable {
  public var toolVersion: String
  public init(toolVersion: String) { self.toolVersion = toolVersion }

  public func document(_ report: ScanReport) -> [String: Any] {
    var rules: [String: [String: Any]] = [:]
    var results: [[String: Any]] = []
    let packages = Dictionary(
      report.sbom.packages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for scored in report.findings {
      let f = scored.finding
      let a = scored.assessment
      if rules[f.primaryID] == nil {
        var props: [String: Any] = ["tags": ["security", "vulnerability", a.severity.rawValue]]
        props["security-severity"] = String(
          format: "%.1f", a.cvssScore ?? Self.severityScore(a.severity))
        rules[f.primaryID] = [
          "id": f.primaryID,
          "name": f.primaryID.replacingOccurrences(of: "-", with: ""),
          "shortDescription": ["text": "\(f.primaryID) in \(f.packageName)"],
          "fullDescription": ["text": f.summary ?? f.primaryID],
          "help": ["text": "Aliases: \(f.advisoryIDs.joined(separator: ", "))"],
          "defaultConfiguration": ["level": Self.level(a.severity)],
          "properties": props,
        ]
      }
      let path = packages[f.packageID]?.locations.min()?.path ?? report.sbom.image.target
      var message =
        "\(f.packageName) \(f.packageVersion) is affected by \(f.primaryID) (\(a.severity.rawValue))."
      if let fixed = f.fixedVersion { message += " Fixed in \(fixed)." }
      results.append([
        "ruleId": f.primaryID,
        "level": Self.level(a.severity),
        "message": ["text": message],
        "locations": [["physicalLocation": ["artifactLocation": ["uri": path]]]],
        "partialFingerprints": ["tailguard/v1": "\(f.packageID):\(f.primaryID)"],
        "properties": ["purl": f.purl.description, "risk": a.risk.value],
      ])
    }
    for v in (report.policy?.violations ?? []) + (report.policy?.warnings ?? []) {
      let ruleID = "policy/\(v.package).\(v.rule)"
      if rules[ruleID] == nil {
        rules[ruleID] = [
          "id": ruleID, "name": "Policy",
          "shortDescription": ["text": "Policy \(v.pack ?? v.package)"],
          "defaultConfiguration": ["level": v.level == "deny" ? "error" : "warning"],
          "properties": ["tags": ["policy"]],
        ]
      }
      results.append([
        "ruleId": ruleID, "level": v.level == "deny" ? "error" : "warning",
        "message": ["text": v.message],
        "locations": [
          ["physicalLocation": ["artifactLocation": ["uri": report.sbom.image.target]]]
        ],
      ])
    }
    return [
      "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
      "version": "2.1.0",
      "runs": [
        [
          "tool": [
            "driver": [
              "name": "tailguard", "version": toolVersion,
              "informationUri": "https://github.com/tailguard/tailguard",
              "rules": rules.keys.sorted().compactMap { rules[$0] },
            ] as [String: Any]
          ],
          "results": results,
        ] as [String: Any]
      ],
    ]
  }

  public func encode(_ report: ScanReport) throws -> Data {
    try JSONSerialization.data(
      withJSONObject: document(report),
      options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
  }

  static func level(_ s: Severity) -> String {
    switch s {
    case .critical, .high: "error"
    case .medium: "warning"
    default: "note"
    }
  }

  static func severityScore(_ s: Severity) -> Double {
    switch s {
    case .critical: 9.5
    case .high: 7.5
    case .medium: 5.5
    case .low: 2.5
    default: 0
    }
  }
}
