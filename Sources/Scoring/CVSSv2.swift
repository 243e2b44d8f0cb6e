import Foundation

/// A CVSS v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P[/E:…/RL:…/RC:…][/CDP:…/TD:…/CR:…/IR:…/AR:…]`)
/// and its scores per the CVSS v2 guide (section 3.2), computed in decimal like the reference.
/// Temporal and environmental scores exist only when the vector sets such a metric to
/// something other than `ND`.
public struct CVSSv2: Sendable, Hashable, CustomStringConvertible {
  public let vector: String
  let metrics: CVSSMetrics
  public let baseScore: Double
  public let temporalScore: Double?
  public let environmentalScore: Double?

  public var severity: CVSSSeverity { CVSSSeverity(v2Score: baseScore) }
  public var description: String { vector }

  static let allowed: [String: Set<String>] = [
    "AV": ["L", "A", "N"], "AC": ["H", "M", "L"], "Au": ["M", "S", "N"],
    "C": ["N", "P", "C"], "I": ["N", "P", "C"], "A": ["N", "P", "C"],
    "E": ["U", "POC", "F", "H", "ND"], "RL": ["OF", "TF", "W", "U", "ND"],
    "RC": ["UC", "UR", "C", "ND"], "CDP": ["N", "L", "LM", "MH", "H", "ND"],
    "TD": ["N", "L", "M", "H", "ND"], "CR": ["L", "M", "H", "ND"], "IR": ["L", "M", "H", "ND"],
    "AR": ["L", "M", "H", "ND"],
  ]
  static let mandatory = ["AV", "AC", "Au", "C", "I", "A"]
  static let temporalMetrics = ["E", "RL", "RC"]
  static let environmentalMetrics = ["CDP", "TD", "CR", "IR", "AR"]

  private static let d = CVSSDecimal.d
  private static let weights: [String: [String: Decimal]] = [
    "AV": ["L": d(395, -3), "A": d(646, -3), "N": d(1, 0)],
    "AC": ["H": d(35, -2), "M": d(61, -2), "L": d(71, -2)],
    "Au": ["M": d(45, -2), "S": d(56, -2), "N": d(704, -3)],
    "C": ["N": d(0, 0), "P": d(275, -3), "C": d(660, -3)],
    "I": ["N": d(0, 0), "P": d(275, -3), "C": d(660, -3)],
    "A": ["N": d(0, 0), "P": d(275, -3), "C": d(660, -3)],
    "E": ["U": d(85, -2), "POC": d(9, -1), "F": d(95, -2), "H": d(1, 0), "ND": d(1, 0)],
    "RL": ["OF": d(87, -2), "TF": d(90, -2), "W": d(95, -2), "U": d(1, 0), "ND": d(1, 0)],
    "RC": ["UC": d(9, -1), "UR": d(95, -2), "C": d(1, 0), "ND": d(1, 0)],
    "CDP": [
      "N": d(0, 0), "L": d(1, -1), "LM": d(3, -1), "MH": d(4, -1), "H": d(5, -1), "ND": d(0, 0),
    ],
    "TD": ["N": d(0, 0), "L": d(25, -2), "M": d(75, -2), "H": d(1, 0), "ND": d(1, 0)],
    "CR": ["L": d(5, -1), "M": d(1, 0), "H": d(151, -2), "ND": d(1, 0)],
    "IR": ["L": d(5, -1), "M": d(1, 0), "H": d(151, -2), "ND": d(1, 0)],
    "AR": ["L": d(5, -1), "M": d(1, 0), "H": d(151, -2), "ND": d(1, 0)],
  ]

  /// Accepts the bare NVD form and an optional `CVSS:2.0/` prefix or surrounding parentheses.
  public init(parsing text: String) throws(CVSSError) {
    if text.utf8.count > CVSSMetrics.maxVectorLength {
      throw CVSSError(
        .tooLong, vector: String(text.prefix(64)),
        "vector longer than \(CVSSMetrics.maxVectorLength) bytes")
    }
    var body = Substring(text)
    if body.hasPrefix("("), body.hasSuffix(")") { body = body.dropFirst().dropLast() }
    if body.hasPrefix("CVSS:2.0/") { body = body.dropFirst(9) }
    metrics = try CVSSMetrics(
      body: body, vector: text, allowed: Self.allowed, mandatory: Self.mandatory)
    vector = text
    let scores = Self.scores(metrics)
    baseScore = scores.0
    temporalScore = scores.1
    environmentalScore = scores.2
  }

  private static func scores(_ m: CVSSMetrics) -> (Double, Double?, Double?) {
    func w(_ metric: String) -> Decimal { weights[metric]?[m[metric] ?? "ND"] ?? 1 }
    let one: Decimal = 1
    let exploitability = 20 * w("AV") * w("AC") * w("Au")
    func base(impact: Decimal) -> Decimal {
      let f: Decimal = impact == 0 ? 0 : d(1176, -3)
      return CVSSDecimal.roundHalfUp1(
        ((d(6, -1) * impact) + (d(4, -1) * exploitability) - d(15, -1)) * f)
    }
    let impact = d(1041, -2) * (one - (one - w("C")) * (one - w("I")) * (one - w("A")))
    let baseScore = max(0, base(impact: impact))
    let temporalFactor = w("E") * w("RL") * w("RC")
    var temporal: Decimal? = nil
    if temporalMetrics.contains(where: { (m[$0] ?? "ND") != "ND" }) {
      temporal = max(0, CVSSDecimal.roundHalfUp1(baseScore * temporalFactor))
    }
    var environmental: Decimal? = nil
    if environmentalMetrics.contains(where: { (m[$0] ?? "ND") != "ND" }) {
      let adjustedImpact = min(
        10,
        d(1041, -2)
          * (one - (one - w("C") * w("CR")) * (one - w("I") * w("IR")) * (one - w("A") * w("AR"))))
      let adjustedTemporal = CVSSDecimal.roundHalfUp1(base(impact: adjustedImpact) * temporalFactor)
      let env = CVSSDecimal.roundHalfUp1(
        (adjustedTemporal + (10 - adjustedTemporal) * w("CDP")) * w("TD"))
      environmental = max(0, env)
    }
    return (
      CVSSDecimal.double(baseScore), temporal.map(CVSSDecimal.double),
      environmental.map(CVSSDecimal.double)
    )
  }

  public static func == (a: CVSSv2, b: CVSSv2) -> Bool { a.metrics == b.metrics }
  public func hash(into hasher: inout Hasher) { hasher.combine(metrics) }
}
