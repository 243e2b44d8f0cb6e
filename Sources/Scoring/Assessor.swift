import Synchronization
import TailguardModel

/// Chooses a finding's severity and computes its risk score.
///
/// Severity: the vendor's rating wins (the distro or the advisory's own source knows how the
/// package is built and configured), then the highest CVSS version present (v4.0 > v3.1 > v3.0 >
/// v2), else `unknown`. The source used is recorded in `Assessment.severitySource`.
///
/// Risk (0–10): the CVSS base score (or a severity midpoint when there is none), raised by
/// exploitation signals — KEV membership (+2, +1 more with known ransomware use), EPSS
/// probability (up to +2) — and by a fix being available (+0.5, because it is actionable now).
/// A floor keeps the long tail visible: a known-exploited or critical finding never scores
/// below 9, whatever else is true. Every step adds a human-readable reason.
public struct Assessor: Sendable {
  public init() {}

  public func assess(_ finding: Finding) -> Assessment {
    var reasons: [String] = []
    let vectors = finding.severityVectors.compactMap { Self.parsed($0.score) }
    let best = vectors.max { Self.rank($0.version) < Self.rank($1.version) }

    var severity = Severity.unknown
    var source = "none"
    if let vendor = finding.vendorSeverity.flatMap(Severity.init(parsing:)), vendor != .unknown {
      severity = vendor
      source = "vendor"
    } else if let best {
      severity = best.severity.severity
      source = "cvss-v\(best.version)"
    }

    var value: Double
    if let best {
      value = best.baseScore
      reasons.append("CVSS v\(best.version) base \(Self.format(best.baseScore))")
    } else {
      value = Self.midpoint(severity)
      reasons.append(
        "no CVSS vector; \(severity.rawValue) severity counts as \(Self.format(value))")
    }
    if let kev = finding.exploitation?.kev {
      value += 2
      reasons.append("known exploited (CISA KEV since \(kev.dateAdded)) +2")
      if kev.knownRansomwareCampaignUse {
        value += 1
        reasons.append("used in ransomware campaigns +1")
      }
    }
    if let epss = finding.exploitation?.epss {
      let bump = min(2, epss.score * 2)
      if bump >= 0.01 {
        value += bump
        reasons.append(
          "EPSS \(Self.format(epss.score * 100))% exploitation probability (scores of \(epss.scoreDate ?? "an unknown date")) +\(Self.format(bump))"
        )
      }
    }
    if finding.fixedVersion != nil {
      value += 0.5
      reasons.append("fix available +0.5")
    }
    if finding.exploitation?.kev != nil || severity == .critical, value < 9 {
      value = 9
      reasons.append(
        "floor 9: \(finding.exploitation?.kev != nil ? "known exploited" : "critical severity")")
    }
    value = min(10, (value * 10).rounded() / 10)
    return Assessment(
      severity: severity, severitySource: source, cvssVector: best?.vector,
      cvssScore: best?.baseScore,
      risk: RiskScore(value: value, reasons: reasons, threat: Self.threat(finding.exploitation)))
  }

  /// Vectors already parsed, by their text: a server re-matching thousands of images assesses
  /// the same few thousand vectors over and over. Bounded (starts again empty when full).
  private static let vectors = Mutex<[String: CVSSVector?]>([:])
  static let vectorCacheLimit = 20_000

  static func parsed(_ text: String) -> CVSSVector? {
    if let known = vectors.withLock({ $0[text] }) { return known }
    let vector = try? CVSSVector(parsing: text)
    vectors.withLock { cache in
      if cache.count >= vectorCacheLimit { cache.removeAll(keepingCapacity: true) }
      cache[text] = .some(vector)
    }
    return vector
  }

  /// KEV when listed, else EPSS when scored, else none — with the date of the signal.
  static func threat(_ e: Exploitation?) -> ThreatSource {
    if let kev = e?.kev { return ThreatSource(source: .kev, date: kev.dateAdded) }
    if let epss = e?.epss {
      return ThreatSource(source: .epss, date: epss.scoreDate, probability: epss.score)
    }
    return .none
  }

  static func rank(_ version: String) -> Int {
    switch version {
    case "4.0": 4
    case "3.1": 3
    case "3.0": 2
    default: 1
    }
  }

  static func midpoint(_ s: Severity) -> Double {
    switch s {
    case .critical: 9.5
    case .high: 7.5
    case .medium: 5.5
    case .low: 2.5
    case .negligible: 1
    case .unknown: 4
    }
  }

  static func format(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}
