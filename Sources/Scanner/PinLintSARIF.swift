import Fleet
import Foundation
import Reports
import SBOMFormats

/// pin lint's SARIF: Fleet's `PinFinding`s as a Reports `SARIFLog`, so code-scanning UIs show
/// them on the right line. It lives here because Fleet and Reports do not know each other; the
/// document is the same model, writer, tool version and information URI as scan's SARIF.
public enum PinLintSARIF {
  /// One rule per `PinRule` (its summary and default level), one result per finding.
  public static func log(_ findings: [PinFinding], toolVersion: String = TailguardVersion.current)
    -> SARIFLog
  {
    let rules = PinRule.allCases.map {
      SARIFRule(
        id: $0.rawValue, shortDescription: SARIFText($0.summary),
        defaultLevel: level($0.defaultLevel))
    }
    let results = findings.map {
      SARIFResult(
        ruleId: $0.rule.rawValue, level: level($0.level), message: $0.message,
        locations: [SARIFLocation(uri: $0.file, startLine: $0.line)])
    }
    return SARIFLog(toolVersion: toolVersion, rules: rules, results: results)
  }

  /// The document as text, ending with a newline as pin lint's other formats do.
  public static func render(_ findings: [PinFinding]) throws -> String {
    String(decoding: try log(findings).encoded(), as: UTF8.self) + "\n"
  }

  /// SARIF's name for a level; `off` (never on a finding, since the linter drops those) is
  /// SARIF's `none`.
  static func level(_ level: PinLevel) -> SARIFLevel {
    switch level {
    case .note: .note
    case .warning: .warning
    case .error: .error
    case .off: .none
    }
  }
}
