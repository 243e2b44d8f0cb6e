import Foundation

/// Whether a test may skip because an oracle tool or the shared data is missing.
///
/// On a developer's machine a test whose tool is missing skips with its reason. Under
/// `TAILGUARD_REQUIRE_ORACLES=1`, which `.ci/run` sets, nothing skips: every condition reads as
/// met, the test runs, and the missing tool or file makes it fail with its own error, so a CI
/// machine that lost an install step goes red instead of quietly running fewer tests.
public enum Oracles {
  public static let required: Bool =
    ProcessInfo.processInfo.environment["TAILGUARD_REQUIRE_ORACLES"] == "1"

  /// `available`, or true when oracles are required (see above).
  public static func gate(_ available: @autoclosure () -> Bool) -> Bool {
    required || available()
  }
}
