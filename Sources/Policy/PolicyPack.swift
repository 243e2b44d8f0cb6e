/// A built-in policy pack: Rego source shipped inside the binary, with its own tests.
///
/// A pack lives in package `tailguard.packs.<key>` (`key` is the name with `_` for `-`).
/// Parameters: defaults in the pack, overridden by `data.tailguard.params.<param>` (shared by
/// every pack) and then by `data.tailguard.<key>.<param>` (this pack only).
public struct PolicyPack: Hashable, Sendable {
  /// Name users enable it by (`no-fixable-critical`).
  public var name: String
  public var summary: String
  /// Parameters and their defaults, for `--help` style listings.
  public var parameters: [String: String]
  public var rego: String
  public var testRego: String

  public init(
    name: String, summary: String, parameters: [String: String] = [:], rego: String,
    testRego: String
  ) {
    self.name = name
    self.summary = summary
    self.parameters = parameters
    self.rego = rego
    self.testRego = testRego
  }

  public var key: String { name.replacingOccurrences(of: "-", with: "_") }
  /// Package path without `data.`.
  public var package: String { "tailguard.packs.\(key)" }
  /// File names used in locations of errors and test results.
  public var fileName: String { "builtin:\(name).rego" }
  public var testFileName: String { "builtin:\(name)_test.rego" }

  /// Every built-in pack, sorted by name.
  public static let all: [PolicyPack] = [
    .noFixableCritical, .noKEV, .maxSeverity, .noLatestTag, .digestPinned, .nonRootUser,
    .noShellOrPackageManager, .fips, .maxImageAge,
  ].sorted { $0.name < $1.name }

  public static func named(_ name: String) -> PolicyPack? {
    let n = name.hasPrefix("builtin:") ? String(name.dropFirst(8)) : name
    return (all + optIn).first { $0.name == n || $0.key == n }
  }
}
