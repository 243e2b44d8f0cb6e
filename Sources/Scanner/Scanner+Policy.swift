import Foundation
import Policy
import TailguardModel

extension Scanner {
  /// Evaluates `--policy` arguments (policy files/directories, or built-in pack names) on a
  /// scan and records the decision in the report. Parse and compile errors are thrown (exit 2);
  /// a deny is a result.
  public func evaluatePolicies(
    _ arguments: [String], on report: inout ScanReport, files: PolicyFileFacts?,
    v0Compatible: Bool = false
  ) throws {
    guard !arguments.isEmpty else { return }
    let engine = try PolicyEngine(
      arguments: arguments, options: PolicyEngine.Options(v0Compatible: v0Compatible))
    let decision = try engine.evaluate(input: PolicyInput.make(report: report, files: files))
    func message(_ v: PolicyViolation) -> PolicyMessage {
      PolicyMessage(
        level: v.level.rawValue, package: v.package, rule: v.rule, message: v.message, pack: v.pack)
    }
    report.policy = PolicyOutcome(
      outcome: decision.outcome.rawValue, violations: decision.violations.map(message),
      warnings: decision.warnings.map(message), packs: decision.packs)
  }
}
