import Scoring
import TailguardModel

/// `cvss`: scores CVSS v2/v3.0/v3.1/v4.0 vectors; an invalid vector is a failure value, and the
/// others are still scored.
public enum CVSSScoring {
  /// One scored vector, as JSON output shows it.
  public struct Scored: Encodable, Sendable, Hashable {
    public var vector: String
    public var version: String
    public var baseScore: Double
    public var severity: String
    public var temporalScore: Double?
    public var environmentalScore: Double?
    public var macroVector: String?
    public var nomenclature: String?
  }

  /// A vector that does not parse, with the error's message and code.
  public struct Failure: Encodable, Sendable, Hashable {
    public var vector: String
    public var error: String
    public var code: String
    /// The whole error, as a person reads it.
    public var description: String
    enum CodingKeys: String, CodingKey { case vector, error, code }
  }

  public struct Report: Encodable, Sendable, Hashable {
    public var results: [Scored]
    public var errors: [Failure]
  }

  public static func score(_ inputs: [String]) -> Report {
    var report = Report(results: [], errors: [])
    for input in inputs {
      do {
        report.results.append(score(try CVSSVector(parsing: input)))
      } catch {
        report.errors.append(
          Failure(
            vector: input, error: error.message, code: error.code.rawValue,
            description: error.description))
      }
    }
    return report
  }

  static func score(_ vector: CVSSVector) -> Scored {
    var s = Scored(
      vector: vector.vector, version: vector.version, baseScore: vector.baseScore,
      severity: vector.severity.rawValue)
    switch vector {
    case .v2(let v):
      s.temporalScore = v.temporalScore
      s.environmentalScore = v.environmentalScore
    case .v3(let v):
      s.temporalScore = v.temporalScore
      s.environmentalScore = v.environmentalScore
    case .v4(let v):
      s.macroVector = v.macroVector
      s.nomenclature = v.nomenclature
    }
    return s
  }
}
