/// A CVSS v4.0 vector with its score, computed with the FIRST specification's algorithm
/// (section 8 and the reference calculator): the vector's six equivalence-class levels select a
/// macro vector whose score comes from the published lookup table; the score is then lowered by
/// the mean proportional severity distance to the highest-severity vectors of that macro
/// vector, and rounded half up to one decimal.
///
/// Base, threat (`E`), environmental (`CR/IR/AR`, `M*`) and supplemental metrics are parsed and
/// validated; supplemental metrics never change the score. The score is CVSS-B, -BT, -BE or
/// -BTE depending on which groups the vector sets (`nomenclature`).
public struct CVSSv4: Sendable, Hashable, CustomStringConvertible {
  public let vector: String
  let metrics: CVSSMetrics
  public let score: Double
  /// The macro vector (`eq1…eq6`), e.g. `"000200"`.
  public let macroVector: String

  /// The base score in the sense of "the score of this vector" (CVSS v4 has a single score).
  public var baseScore: Double { score }
  public var severity: CVSSSeverity { CVSSSeverity(v3Score: score) }
  public var description: String { vector }

  /// CVSS-B / CVSS-BT / CVSS-BE / CVSS-BTE.
  public var nomenclature: String {
    let threat = (metrics["E"] ?? "X") != "X"
    let environmental = Self.environmentalMetrics.contains { (metrics[$0] ?? "X") != "X" }
    return "CVSS-B" + (threat ? "T" : "") + (environmental ? "E" : "")
  }

  static let mandatory = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"]
  static let environmentalMetrics = [
    "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA",
  ]
  static let allowed: [String: Set<String>] = [
    "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "AT": ["N", "P"], "PR": ["N", "L", "H"],
    "UI": ["N", "P", "A"], "VC": ["H", "L", "N"], "VI": ["H", "L", "N"], "VA": ["H", "L", "N"],
    "SC": ["H", "L", "N"], "SI": ["H", "L", "N"], "SA": ["H", "L", "N"],
    "E": ["X", "A", "P", "U"],
    "CR": ["X", "H", "M", "L"], "IR": ["X", "H", "M", "L"], "AR": ["X", "H", "M", "L"],
    "MAV": ["X", "N", "A", "L", "P"], "MAC": ["X", "L", "H"], "MAT": ["X", "N", "P"],
    "MPR": ["X", "N", "L", "H"], "MUI": ["X", "N", "P", "A"],
    "MVC": ["X", "H", "L", "N"], "MVI": ["X", "H", "L", "N"], "MVA": ["X", "H", "L", "N"],
    "MSC": ["X", "H", "L", "N"], "MSI": ["X", "S", "H", "L", "N"],
    "MSA": ["X", "S", "H", "L", "N"],
    "S": ["X", "N", "P"], "AU": ["X", "N", "Y"], "R": ["X", "A", "U", "I"], "V": ["X", "D", "C"],
    "RE": ["X", "L", "M", "H"], "U": ["X", "Clear", "Green", "Amber", "Red"],
  ]

  public init(parsing text: String) throws(CVSSError) {
    if text.utf8.count > CVSSMetrics.maxVectorLength {
      throw CVSSError(
        .tooLong, vector: String(text.prefix(64)),
        "vector longer than \(CVSSMetrics.maxVectorLength) bytes")
    }
    guard text.hasPrefix("CVSS:4.0/") else {
      throw CVSSError(.unknownVersion, vector: text, "a v4 vector starts with CVSS:4.0/")
    }
    metrics = try CVSSMetrics(
      body: text.dropFirst(9), vector: text, allowed: Self.allowed, mandatory: Self.mandatory)
    vector = text
    let effective = Effective(metrics)
    macroVector = effective.macroVector
    score = effective.score()
  }

  public static func == (a: CVSSv4, b: CVSSv4) -> Bool { a.metrics == b.metrics }
  public func hash(into hasher: inout Hasher) { hasher.combine(metrics) }

  /// The metric values the equations use: modified metrics override base ones, and unset
  /// threat/requirement metrics take their worst case (E:A, CR/IR/AR:H).
  struct Effective {
    let m: [String: String]

    init(_ metrics: CVSSMetrics) {
      var m: [String: String] = [:]
      for base in CVSSv4.mandatory {
        let modified = metrics["M" + base] ?? "X"
        m[base] = modified != "X" ? modified : metrics[base]
      }
      let e = metrics["E"] ?? "X"
      m["E"] = e == "X" ? "A" : e
      for r in ["CR", "IR", "AR"] {
        let v = metrics[r] ?? "X"
        m[r] = v == "X" ? "H" : v
      }
      self.m = m
    }

    func v(_ metric: String) -> String { m[metric] ?? "" }

    var eq: [Int] {
      let av = v("AV")
      let pr = v("PR")
      let ui = v("UI")
      let eq1: Int
      if av == "N" && pr == "N" && ui == "N" {
        eq1 = 0
      } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
        eq1 = 1
      } else {
        eq1 = 2
      }
      let eq2 = v("AC") == "L" && v("AT") == "N" ? 0 : 1
      let vc = v("VC")
      let vi = v("VI")
      let va = v("VA")
      let eq3: Int
      if vc == "H" && vi == "H" {
        eq3 = 0
      } else if vc == "H" || vi == "H" || va == "H" {
        eq3 = 1
      } else {
        eq3 = 2
      }
      let eq4: Int
      if v("SI") == "S" || v("SA") == "S" {
        eq4 = 0
      } else if v("SC") == "H" || v("SI") == "H" || v("SA") == "H" {
        eq4 = 1
      } else {
        eq4 = 2
      }
      let eq5 = v("E") == "A" ? 0 : (v("E") == "P" ? 1 : 2)
      let eq6 =
        (v("CR") == "H" && vc == "H") || (v("IR") == "H" && vi == "H")
          || (v("AR") == "H" && va == "H")
        ? 0 : 1
      return [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    var macroVector: String { eq.map(String.init).joined() }

    static let levels: [String: [String: Double]] = [
      "AV": ["N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3],
      "PR": ["N": 0.0, "L": 0.1, "H": 0.2],
      "UI": ["N": 0.0, "P": 0.1, "A": 0.2],
      "AC": ["L": 0.0, "H": 0.1],
      "AT": ["N": 0.0, "P": 0.1],
      "VC": ["H": 0.0, "L": 0.1, "N": 0.2],
      "VI": ["H": 0.0, "L": 0.1, "N": 0.2],
      "VA": ["H": 0.0, "L": 0.1, "N": 0.2],
      "SC": ["H": 0.1, "L": 0.2, "N": 0.3],
      "SI": ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3],
      "SA": ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3],
      "CR": ["H": 0.0, "M": 0.1, "L": 0.2],
      "IR": ["H": 0.0, "M": 0.1, "L": 0.2],
      "AR": ["H": 0.0, "M": 0.1, "L": 0.2],
    ]

    /// Highest-severity vectors of each EQ level (specification table "max composed").
    static let maxComposed: [Int: [Int: [String]]] = [
      1: [
        0: ["AV:N/PR:N/UI:N/"], 1: ["AV:A/PR:N/UI:N/", "AV:N/PR:L/UI:N/", "AV:N/PR:N/UI:P/"],
        2: ["AV:P/PR:N/UI:N/", "AV:A/PR:L/UI:P/"],
      ],
      2: [0: ["AC:L/AT:N/"], 1: ["AC:H/AT:N/", "AC:L/AT:P/"]],
      4: [0: ["SC:H/SI:S/SA:S/"], 1: ["SC:H/SI:H/SA:H/"], 2: ["SC:L/SI:L/SA:L/"]],
      5: [0: ["E:A/"], 1: ["E:P/"], 2: ["E:U/"]],
    ]
    /// EQ3 and EQ6 combined, keyed by eq3 then eq6.
    static let maxComposedEQ3EQ6: [Int: [Int: [String]]] = [
      0: [
        0: ["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/"],
        1: ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/"],
      ],
      1: [
        0: ["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/"],
        1: [
          "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/",
          "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/",
          "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/",
        ],
      ],
      2: [1: ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/"]],
    ]
    /// Maximal severity depth of each EQ level, in 0.1 steps (specification table).
    static let maxSeverity: (eq1: [Int], eq2: [Int], eq3eq6: [Int: [Int: Int]], eq4: [Int]) = (
      [1, 4, 5], [1, 2], [0: [0: 7, 1: 6], 1: [0: 8, 1: 8], 2: [1: 10]], [6, 5, 4]
    )

    static func lookup(_ eq: [Int]) -> Double {
      CVSSv4Lookup.scores[eq.map(String.init).joined()] ?? .nan
    }

    func score() -> Double {
      if ["VC", "VI", "VA", "SC", "SI", "SA"].allSatisfy({ v($0) == "N" }) { return 0 }
      let eq = self.eq
      var value = Self.lookup(eq)
      func bumped(_ changes: [Int: Int]) -> [Int] {
        var e = eq
        for (i, delta) in changes { e[i] += delta }
        return e
      }
      let lowerEQ1 = Self.lookup(bumped([0: 1]))
      let lowerEQ2 = Self.lookup(bumped([1: 1]))
      let lowerEQ3EQ6: Double
      switch (eq[2], eq[5]) {
      case (1, 1), (0, 1): lowerEQ3EQ6 = Self.lookup(bumped([2: 1]))
      case (1, 0): lowerEQ3EQ6 = Self.lookup(bumped([5: 1]))
      case (0, 0):
        let left = Self.lookup(bumped([5: 1]))
        let right = Self.lookup(bumped([2: 1]))
        lowerEQ3EQ6 = pythonMax(left, right)
      default: lowerEQ3EQ6 = Self.lookup(bumped([2: 1, 5: 1]))
      }
      let lowerEQ4 = Self.lookup(bumped([3: 1]))
      let lowerEQ5 = Self.lookup(bumped([4: 1]))

      // Candidate highest-severity vectors of this macro vector.
      var maxVectors: [String] = []
      for a in Self.maxComposed[1]?[eq[0]] ?? [] {
        for b in Self.maxComposed[2]?[eq[1]] ?? [] {
          for c in Self.maxComposedEQ3EQ6[eq[2]]?[eq[5]] ?? [] {
            for d in Self.maxComposed[4]?[eq[3]] ?? [] {
              for e in Self.maxComposed[5]?[eq[4]] ?? [] {
                maxVectors.append(a + b + c + d + e)
              }
            }
          }
        }
      }
      let metricsOrder = [
        "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR",
      ]
      var distance: [String: Double] = [:]
      for maxVector in maxVectors {
        let maxValues = Self.parseFragment(maxVector)
        for metric in metricsOrder {
          let own = Self.levels[metric]?[v(metric)] ?? 0
          let top = Self.levels[metric]?[maxValues[metric] ?? ""] ?? 0
          distance[metric] = own - top
        }
        if distance.values.contains(where: { $0 < 0 }) { continue }
        break
      }
      func dist(_ k: String) -> Double { distance[k] ?? 0 }
      let currentEQ1 = dist("AV") + dist("PR") + dist("UI")
      let currentEQ2 = dist("AC") + dist("AT")
      let currentEQ3EQ6 =
        dist("VC") + dist("VI") + dist("VA") + dist("CR") + dist("IR") + dist("AR")
      let currentEQ4 = dist("SC") + dist("SI") + dist("SA")

      let step = 0.1
      let availableEQ1 = value - lowerEQ1
      let availableEQ2 = value - lowerEQ2
      let availableEQ3EQ6 = value - lowerEQ3EQ6
      let availableEQ4 = value - lowerEQ4
      let availableEQ5 = value - lowerEQ5

      let maxSeverityEQ1 = Double(Self.maxSeverity.eq1[eq[0]]) * step
      let maxSeverityEQ2 = Double(Self.maxSeverity.eq2[eq[1]]) * step
      let maxSeverityEQ3EQ6 = Double(Self.maxSeverity.eq3eq6[eq[2]]?[eq[5]] ?? 1) * step
      let maxSeverityEQ4 = Double(Self.maxSeverity.eq4[eq[3]]) * step

      var existingLower = 0
      var normalizedEQ1 = 0.0
      var normalizedEQ2 = 0.0
      var normalizedEQ3EQ6 = 0.0
      var normalizedEQ4 = 0.0
      var normalizedEQ5 = 0.0
      if availableEQ1 >= 0 {
        existingLower += 1
        normalizedEQ1 = availableEQ1 * (currentEQ1 / maxSeverityEQ1)
      }
      if availableEQ2 >= 0 {
        existingLower += 1
        normalizedEQ2 = availableEQ2 * (currentEQ2 / maxSeverityEQ2)
      }
      if availableEQ3EQ6 >= 0 {
        existingLower += 1
        normalizedEQ3EQ6 = availableEQ3EQ6 * (currentEQ3EQ6 / maxSeverityEQ3EQ6)
      }
      if availableEQ4 >= 0 {
        existingLower += 1
        normalizedEQ4 = availableEQ4 * (currentEQ4 / maxSeverityEQ4)
      }
      if availableEQ5 >= 0 {
        // EQ5 has no severity distance inside a macro vector: the proportion is 0.
        existingLower += 1
        normalizedEQ5 = availableEQ5 * 0
      }
      let meanDistance =
        existingLower == 0
        ? 0
        : (normalizedEQ1 + normalizedEQ2 + normalizedEQ3EQ6 + normalizedEQ4 + normalizedEQ5)
          / Double(existingLower)
      value -= meanDistance
      value = min(10, max(0, value))
      return Self.finalRounding(value)
    }

    /// Python's `max(a, b)` (the reference's semantics with NaN: returns `a` unless `b > a`).
    private func pythonMax(_ a: Double, _ b: Double) -> Double { b > a ? b : a }

    static func parseFragment(_ s: String) -> [String: String] {
      var result: [String: String] = [:]
      for part in s.split(separator: "/") {
        let kv = part.split(separator: ":")
        if kv.count == 2 { result[String(kv[0])] = String(kv[1]) }
      }
      return result
    }

    /// Round half up to one decimal after adding 1e-6, as the reference calculator does to
    /// absorb binary floating-point noise (e.g. 8.649999999 → 8.7 is intended).
    static func finalRounding(_ x: Double) -> Double {
      // Python rounds the exact binary value of x + 1e-6 half up at 0.1. Find the largest n with
      // (x + 1e-6) * 10 >= n - 0.5, deciding each step with a fused multiply-add: one rounding,
      // so the sign of the difference is exact.
      let y = x + 0.000001
      guard y.isFinite, y > 0 else { return 0 }
      var n = (y * 10).rounded(.down) + 1
      while n > 0, (-(n - 0.5)).addingProduct(y, 10) < 0 { n -= 1 }
      return n / 10
    }
  }
}
