import Foundation

/// A CVSS v3.0 or v3.1 vector (`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H[/E…][/CR…/MAV…]`)
/// with base, temporal and environmental scores per the FIRST specifications (section 7),
/// computed in decimal. v3.1 rounds with the specification's `Roundup` and uses its revised
/// modified-impact formula; v3.0 rounds up to one decimal and keeps the original formula.
/// Without temporal or environmental metrics those scores equal the base score.
public struct CVSSv3: Sendable, Hashable, CustomStringConvertible {
  public enum MinorVersion: String, Sendable, Hashable {
    case v30 = "3.0"
    case v31 = "3.1"
  }

  public let vector: String
  public let minorVersion: MinorVersion
  let metrics: CVSSMetrics
  public let baseScore: Double
  public let temporalScore: Double
  public let environmentalScore: Double

  public var severity: CVSSSeverity { CVSSSeverity(v3Score: baseScore) }
  public var description: String { vector }

  static let mandatory = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"]
  static let allowed: [String: Set<String>] = {
    var a: [String: Set<String>] = [
      "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "PR": ["N", "L", "H"], "UI": ["N", "R"],
      "S": ["U", "C"], "C": ["H", "L", "N"], "I": ["H", "L", "N"], "A": ["H", "L", "N"],
      "E": ["X", "H", "F", "P", "U"], "RL": ["X", "U", "W", "T", "O"], "RC": ["X", "C", "R", "U"],
      "CR": ["X", "H", "M", "L"], "IR": ["X", "H", "M", "L"], "AR": ["X", "H", "M", "L"],
    ]
    for base in ["AV", "AC", "PR", "UI", "S", "C", "I", "A"] {
      a["M" + base] = a[base, default: []].union(["X"])
    }
    return a
  }()

  private static let d = CVSSDecimal.d
  private static let weights: [String: [String: Decimal]] = [
    "AV": ["N": d(85, -2), "A": d(62, -2), "L": d(55, -2), "P": d(2, -1)],
    "AC": ["L": d(77, -2), "H": d(44, -2)],
    "PR": ["N": d(85, -2), "L": d(62, -2), "H": d(27, -2)],
    "PRChanged": ["N": d(85, -2), "L": d(68, -2), "H": d(5, -1)],
    "UI": ["N": d(85, -2), "R": d(62, -2)],
    "CIA": ["H": d(56, -2), "L": d(22, -2), "N": d(0, 0)],
    "E": ["X": d(1, 0), "H": d(1, 0), "F": d(97, -2), "P": d(94, -2), "U": d(91, -2)],
    "RL": ["X": d(1, 0), "U": d(1, 0), "W": d(97, -2), "T": d(96, -2), "O": d(95, -2)],
    "RC": ["X": d(1, 0), "C": d(1, 0), "R": d(96, -2), "U": d(92, -2)],
    "REQ": ["X": d(1, 0), "H": d(15, -1), "M": d(1, 0), "L": d(5, -1)],
  ]

  public init(parsing text: String) throws(CVSSError) {
    if text.utf8.count > CVSSMetrics.maxVectorLength {
      throw CVSSError(
        .tooLong, vector: String(text.prefix(64)),
        "vector longer than \(CVSSMetrics.maxVectorLength) bytes")
    }
    if text.hasPrefix("CVSS:3.0/") {
      minorVersion = .v30
    } else if text.hasPrefix("CVSS:3.1/") {
      minorVersion = .v31
    } else {
      throw CVSSError(
        .unknownVersion, vector: text, "a v3 vector starts with CVSS:3.0/ or CVSS:3.1/")
    }
    metrics = try CVSSMetrics(
      body: text.dropFirst(9), vector: text, allowed: Self.allowed, mandatory: Self.mandatory)
    vector = text
    let s = Self.scores(metrics, minorVersion)
    baseScore = s.0
    temporalScore = s.1
    environmentalScore = s.2
  }

  /// Roundup per version: v3.1's specification function, v3.0's plain round-up.
  private static func roundUp(_ x: Decimal, _ version: MinorVersion) -> Decimal {
    version == .v31 ? CVSSDecimal.roundup31(x) : CVSSDecimal.ceil1(x)
  }

  /// The value a metric takes: a modified metric that is absent or X takes the base value.
  private static func value(_ m: CVSSMetrics, _ metric: String) -> String {
    if metric.count > 1, metric.hasPrefix("M") {
      let v = m[metric] ?? "X"
      if v != "X" { return v }
      return m[String(metric.dropFirst())] ?? "X"
    }
    return m[metric] ?? "X"
  }

  private static func w(_ table: String, _ v: String) -> Decimal { weights[table]?[v] ?? 1 }

  /// 1 - (1 - a)(1 - b)(1 - c)
  private static func combined(_ a: Decimal, _ b: Decimal, _ c: Decimal) -> Decimal {
    let one: Decimal = 1
    let product: Decimal = (one - a) * (one - b) * (one - c)
    return one - product
  }

  /// Impact sub-score: scope unchanged 6.42 × ISC; changed 7.52 × (ISC − 0.029) − 3.25 × (k × ISC − 0.02)^e.
  private static func impact(_ isc: Decimal, changed: Bool, factor: Decimal, exponent: Int)
    -> Decimal
  {
    if !changed { return d(642, -2) * isc }
    let left: Decimal = d(752, -2) * (isc - d(29, -3))
    let inner: Decimal = isc * factor - d(2, -2)
    let right: Decimal = d(325, -2) * pow(inner, exponent)
    return left - right
  }

  /// 8.22 × AV × AC × PR × UI
  private static func exploitability(
    _ av: String, _ ac: String, _ pr: String, _ ui: String, changed: Bool
  ) -> Decimal {
    let a: Decimal = d(822, -2) * w("AV", av)
    let b: Decimal = w("AC", ac) * w(changed ? "PRChanged" : "PR", pr)
    return a * b * w("UI", ui)
  }

  private static func score(
    _ impact: Decimal, _ exploitability: Decimal, changed: Bool, _ version: MinorVersion
  ) -> Decimal {
    if impact <= 0 { return 0 }
    let sum: Decimal = impact + exploitability
    let scaled: Decimal = changed ? d(108, -2) * sum : sum
    return roundUp(min(scaled, 10), version)
  }

  private static func scores(_ m: CVSSMetrics, _ version: MinorVersion) -> (Double, Double, Double)
  {
    let scopeChanged = value(m, "S") == "C"
    let modifiedScopeChanged = value(m, "MS") == "C"

    let iscBase = combined(
      w("CIA", value(m, "C")), w("CIA", value(m, "I")), w("CIA", value(m, "A")))
    let isc = impact(iscBase, changed: scopeChanged, factor: 1, exponent: 15)
    let esc = exploitability(
      value(m, "AV"), value(m, "AC"), value(m, "PR"), value(m, "UI"), changed: scopeChanged)
    let base = score(isc, esc, changed: scopeChanged, version)

    let temporalFactor: Decimal =
      w("E", value(m, "E")) * w("RL", value(m, "RL")) * w("RC", value(m, "RC"))
    let temporal = roundUp(base * temporalFactor, version)

    let mc: Decimal = w("CIA", value(m, "MC")) * w("REQ", value(m, "CR"))
    let mi: Decimal = w("CIA", value(m, "MI")) * w("REQ", value(m, "IR"))
    let ma: Decimal = w("CIA", value(m, "MA")) * w("REQ", value(m, "AR"))
    let miscBase = min(combined(mc, mi, ma), d(915, -3))
    let misc =
      version == .v30
      ? impact(miscBase, changed: modifiedScopeChanged, factor: 1, exponent: 15)
      : impact(miscBase, changed: modifiedScopeChanged, factor: d(9731, -4), exponent: 13)
    let mesc = exploitability(
      value(m, "MAV"), value(m, "MAC"), value(m, "MPR"), value(m, "MUI"),
      changed: modifiedScopeChanged)
    let modified = score(misc, mesc, changed: modifiedScopeChanged, version)
    let environmental: Decimal = misc <= 0 ? 0 : roundUp(modified * temporalFactor, version)
    return (
      CVSSDecimal.double(base), CVSSDecimal.double(temporal), CVSSDecimal.double(environmental)
    )
  }

  public static func == (a: CVSSv3, b: CVSSv3) -> Bool {
    a.minorVersion == b.minorVersion && a.metrics == b.metrics
  }
  public func hash(into hasher: inout Hasher) {
    hasher.combine(minorVersion)
    hasher.combine(metrics)
  }
}
