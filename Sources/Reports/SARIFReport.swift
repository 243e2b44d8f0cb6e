import Foundation
import TailguardModel

/// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) for code-scanning dashboards:
/// one rule per vulnerability id, one result per (package, vulnerability), located at the file
/// that declared the package. `security-severity` carries the CVSS score so GitHub ranks results.
public struct SARIFReport: Sendable {
  public var toolVersion: String
  public init(toolVersion: String) { self.toolVersion = toolVersion }

  public func document(_ report: ScanReport) -> SARIFLog {
    var rules: [String: SARIFRule] = [:]
    var results: [SARIFResult] = []
    let packages = Dictionary(
      report.sbom.packages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for scored in report.findings {
      let f = scored.finding
      let a = scored.assessment
      if rules[f.primaryID] == nil {
        rules[f.primaryID] = SARIFRule(
          id: f.primaryID, name: f.primaryID.replacingOccurrences(of: "-", with: ""),
          shortDescription: SARIFText("\(f.primaryID) in \(f.packageName)"),
          fullDescription: SARIFText(f.summary ?? f.primaryID),
          help: SARIFText("Aliases: \(f.advisoryIDs.joined(separator: ", "))"),
          defaultLevel: Self.level(a.severity),
          properties: SARIFProperties(
            tags: ["security", "vulnerability", a.severity.rawValue],
            securitySeverity: String(
              format: "%.1f", a.cvssScore ?? Self.severityScore(a.severity))))
      }
      let path = packages[f.packageID]?.locations.min()?.path ?? report.sbom.image.target
      var message =
        "\(f.packageName) \(f.packageVersion) is affected by \(f.primaryID) (\(a.severity.rawValue))."
      if let fixed = f.fixedVersion { message += " Fixed in \(fixed)." }
      results.append(
        SARIFResult(
          ruleId: f.primaryID, level: Self.level(a.severity), message: message,
          locations: [SARIFLocation(uri: path)],
          partialFingerprints: ["tailguard/v1": "\(f.packageID):\(f.primaryID)"],
          properties: SARIFProperties(purl: f.purl.description, risk: a.risk.value)))
    }
    for v in (report.policy?.violations ?? []) + (report.policy?.warnings ?? []) {
      let ruleID = "policy/\(v.package).\(v.rule)"
      let level: SARIFLevel = v.level == "deny" ? .error : .warning
      if rules[ruleID] == nil {
        rules[ruleID] = SARIFRule(
          id: ruleID, name: "Policy", shortDescription: SARIFText("Policy \(v.pack ?? v.package)"),
          defaultLevel: level, properties: SARIFProperties(tags: ["policy"]))
      }
      results.append(
        SARIFResult(
          ruleId: ruleID, level: level, message: v.message,
          locations: [SARIFLocation(uri: report.sbom.image.target)]))
    }
    return SARIFLog(
      toolVersion: toolVersion, rules: rules.keys.sorted().compactMap { rules[$0] },
      results: results)
  }

  public func encode(_ report: ScanReport) throws -> Data {
    try document(report).encoded()
  }

  static func level(_ s: Severity) -> SARIFLevel {
    switch s {
    case .critical, .high: .error
    case .medium: .warning
    default: .note
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
