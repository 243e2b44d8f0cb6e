import TailguardModel

/// The qualitative rating of a CVSS score. v3.x and v4.0 use None/Low/Medium/High/Critical
/// (FIRST's rating scale); v2 only had Low/Medium/High (NVD's v2 ranges).
public enum CVSSSeverity: String, Sendable, Hashable, Codable, CaseIterable {
  case none, low, medium, high, critical

  /// v3.x / v4.0 rating: 0.0 none, 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical.
  public init(v3Score score: Double) {
    switch score {
    case ..<0.05: self = .none
    case ..<3.95: self = .low
    case ..<6.95: self = .medium
    case ..<8.95: self = .high
    default: self = .critical
    }
  }

  /// v2 rating (NVD): 0.0–3.9 low, 4.0–6.9 medium, 7.0–10.0 high.
  public init(v2Score score: Double) {
    switch score {
    case ..<3.95: self = .low
    case ..<6.95: self = .medium
    default: self = .high
    }
  }

  /// The project-wide severity. A CVSS "None" (score 0.0) maps to `negligible`.
  public var severity: Severity {
    switch self {
    case .none: .negligible
    case .low: .low
    case .medium: .medium
    case .high: .high
    case .critical: .critical
    }
  }

  /// Capitalised as the specifications print it.
  public var displayName: String {
    switch self {
    case .none: "None"
    case .low: "Low"
    case .medium: "Medium"
    case .high: "High"
    case .critical: "Critical"
    }
  }
}
