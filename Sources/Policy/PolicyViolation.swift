/// One `deny` / `violation` / `warn` result of a policy.
public struct PolicyViolation: Hashable, Sendable, Codable, Comparable {
  public enum Level: String, Hashable, Sendable, Codable {
    case deny, warn
  }
  public var level: Level
  /// Rego package that produced it, without `data.` (`main`, `tailguard.packs.no_kev`).
  public var package: String
  /// Rule name (`deny`, `violation`, `warn`, `deny_latest`, …).
  public var rule: String
  public var message: String
  /// Built-in pack name when the package is a pack (`no-kev`), else nil.
  public var pack: String?
  /// Extra structured data of the result as compact JSON (Gatekeeper's `details`, or the
  /// result object without `msg`), nil when the result was a plain string.
  public var detailsJSON: String?

  public init(
    level: Level, package: String, rule: String, message: String, pack: String? = nil,
    detailsJSON: String? = nil
  ) {
    self.level = level
    self.package = package
    self.rule = rule
    self.message = message
    self.pack = pack
    self.detailsJSON = detailsJSON
  }

  public static func < (a: PolicyViolation, b: PolicyViolation) -> Bool {
    (a.package, a.rule, a.message, a.detailsJSON ?? "")
      < (b.package, b.rule, b.message, b.detailsJSON ?? "")
  }
}
