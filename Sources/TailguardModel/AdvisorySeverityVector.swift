/// A severity score string as OSV publishes it (`type` + `score`), e.g. `CVSS_V3` +
/// `CVSS:3.1/AV:N/…`. Scores are computed later by Scoring, so the vector is kept verbatim.
public struct SeverityVector: Hashable, Sendable, Codable, Comparable {
  /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
  public var type: String
  public var score: String
  public init(type: String, score: String) {
    self.type = type
    self.score = score
  }
  public static func < (a: SeverityVector, b: SeverityVector) -> Bool {
    (a.type, a.score) < (b.type, b.score)
  }
}
