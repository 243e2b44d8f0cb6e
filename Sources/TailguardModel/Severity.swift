import Foundation

/// Qualitative severity, ordered from least to most severe. `unknown` sorts lowest.
public enum Severity: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
  case unknown, negligible, low, medium, high, critical

  public var rank: Int {
    switch self {
    case .unknown: 0
    case .negligible: 1
    case .low: 2
    case .medium: 3
    case .high: 4
    case .critical: 5
    }
  }
  public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

  /// Accepts the spellings used by OSV `database_specific.severity`, GHSA, distro feeds and users.
  public init?(parsing text: String) {
    switch text.lowercased().trimmingCharacters(in: .whitespaces) {
    case "critical": self = .critical
    case "high", "important": self = .high
    case "medium", "moderate": self = .medium
    case "low": self = .low
    case "negligible", "none", "info", "informational", "unimportant": self = .negligible
    case "unknown", "": self = .unknown
    default: return nil
    }
  }
}
