/// Whether the vulnerability can be fixed by upgrading the package.
public enum FixState: String, Hashable, Sendable, Codable, CaseIterable {
  /// A fixed version exists above the installed one.
  case fixed
  /// Affected and no fix is published yet.
  case notFixed = "not-fixed"
  /// The vendor decided not to fix it (distro `wont-fix` / `ignored` statements).
  case wontFix = "wont-fix"
  /// The data does not say (enumerated versions only, or only `last_affected`).
  case unknown
}
