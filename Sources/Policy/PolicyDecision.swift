/// The outcome of evaluating policies against one input. A denied policy is a result the
/// caller reports (exit code 1), never a thrown error.
public struct PolicyDecision: Hashable, Sendable, Codable {
  public enum Outcome: String, Hashable, Sendable, Codable {
    /// No `deny`/`violation` and no `warn` results.
    case allow
    /// Only `warn` results.
    case warn
    /// At least one `deny`/`violation` result.
    case deny
  }

  public var outcome: Outcome
  /// `deny*` and `violation*` results, sorted (package, rule, message).
  public var violations: [PolicyViolation]
  /// `warn*` results, sorted.
  public var warnings: [PolicyViolation]
  /// Every package that defined a decision rule and was evaluated, sorted (`data.` omitted).
  public var evaluatedPackages: [String]
  /// Built-in packs that were enabled, by name.
  public var packs: [String]
  /// `print` output of the policies, in evaluation order.
  public var output: [String]

  public init(
    violations: [PolicyViolation], warnings: [PolicyViolation], evaluatedPackages: [String],
    packs: [String], output: [String] = []
  ) {
    self.violations = violations.sorted()
    self.warnings = warnings.sorted()
    self.evaluatedPackages = evaluatedPackages.sorted()
    self.packs = packs.sorted()
    self.output = output
    self.outcome = violations.isEmpty ? (warnings.isEmpty ? .allow : .warn) : .deny
  }

  public var isDenied: Bool { outcome == .deny }
}
