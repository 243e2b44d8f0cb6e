/// The result of evaluating policies on a scan, as plain values so every report format and the
/// server can carry it without knowing the policy engine. A denied policy is a result, not an error.
public struct PolicyOutcome: Hashable, Sendable, Codable {
  /// `allow`, `warn` or `deny`.
  public var outcome: String
  public var violations: [PolicyMessage]
  public var warnings: [PolicyMessage]
  /// Built-in packs that were enabled.
  public var packs: [String]

  public init(
    outcome: String, violations: [PolicyMessage], warnings: [PolicyMessage], packs: [String]
  ) {
    self.outcome = outcome
    self.violations = violations
    self.warnings = warnings
    self.packs = packs
  }

  public var isDenied: Bool { outcome == "deny" }
}

/// One `deny`/`violation`/`warn` result.
public struct PolicyMessage: Hashable, Sendable, Codable {
  public var level: String
  /// Rego package (`tailguard.packs.no_kev`, `main`, …) and rule (`deny`, `violation`, …).
  public var package: String
  public var rule: String
  public var message: String
  public var pack: String?
  public init(level: String, package: String, rule: String, message: String, pack: String? = nil) {
    self.level = level
    self.package = package
    self.rule = rule
    self.message = message
    self.pack = pack
  }
}
