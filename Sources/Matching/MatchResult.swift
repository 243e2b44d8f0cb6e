import TailguardModel

/// What matching a BOM produced: findings in deterministic order, and everything noticed on
/// the way (skipped GIT ranges, unparseable versions, OS packages without a distro release).
public struct MatchResult: Hashable, Sendable, Codable {
  public var findings: [Finding]
  public var diagnostics: [Diagnostic]
  public init(findings: [Finding] = [], diagnostics: [Diagnostic] = []) {
    self.findings = findings
    self.diagnostics = diagnostics
  }
}
