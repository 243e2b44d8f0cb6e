import Foundation
import TailguardModel

/// An image's usage-weighted risk: its worst finding, how many serious ones it has, how much it
/// runs and how exposed it is — each step a reason, so a report can explain its order.
///
/// value = (highest finding risk + 0.1 per further finding at risk ≥ 7, at most +1)
///         × (1 + log10(1 + usage) / 2)
///         + exposure (reachable from outside +1, privileged +0.5, root +0.25, host path +0.25)
/// An image without open findings has risk 0: exposure alone is not a vulnerability.
public struct ImageRiskScorer: Sendable {
  public init() {}

  public func score(
    vulnerabilities: [ImageVulnerability], usage: Int, usageUnit: String, exposure: [String]
  ) -> RiskScore {
    guard let worst = vulnerabilities.max(by: { ($0.risk, $1.id) < ($1.risk, $0.id) }) else {
      return RiskScore(value: 0, reasons: ["no open findings"])
    }
    var reasons = ["highest finding risk \(Self.format(worst.risk)) (\(worst.id))"]
    var value = worst.risk
    let serious = vulnerabilities.filter { $0.risk >= 7 }.count - (worst.risk >= 7 ? 1 : 0)
    if serious > 0 {
      let bump = min(1, 0.1 * Double(serious))
      value += bump
      reasons.append("\(serious) more finding(s) at risk ≥ 7 +\(Self.format(bump))")
    }
    let factor = 1 + log10(1 + Double(max(0, usage))) / 2
    value *= factor
    reasons.append("usage \(usage) \(usageUnit) ×\(Self.format(factor, digits: 2))")
    var added: Set<String> = []
    for reason in exposure {
      let (key, bump): (String, Double) =
        reason.hasPrefix("reachable from outside") || reason.hasPrefix("hostNetwork")
        ? ("outside", 1)
        : reason.hasPrefix("privileged")
          ? ("privileged", 0.5)
          : reason.hasPrefix("runs as root")
            ? ("root", 0.25) : reason.hasPrefix("hostPath") ? ("hostPath", 0.25) : ("", 0)
      guard bump > 0, added.insert(key).inserted else { continue }
      value += bump
      reasons.append("\(reason) +\(Self.format(bump))")
    }
    let threat = vulnerabilities.map(\.threat).reduce(.none, ThreatSource.strongest)
    return RiskScore(value: (value * 100).rounded() / 100, reasons: reasons, threat: threat)
  }

  static func format(_ x: Double, digits: Int = 1) -> String {
    let scale = digits == 2 ? 100.0 : 10.0
    let r = (x * scale).rounded() / scale
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}

/// What an image's health score is computed from; each fact is already decided by the caller
/// (the fleet knows pinning and where images run, the scan knows the image).
public struct ImageHealthFacts: Sendable, Hashable {
  public var vulnerabilities: [ImageVulnerability]
  /// References that are not pinned by digest (as written).
  public var unpinned: [String]
  /// Why the image runs as root, if it does (empty: non-root).
  public var rootReasons: [String]
  /// Shells and package managers found in the image (paths); nil when not known (an SBOM).
  public var shellsAndPackageManagers: [String]?
  /// The end-of-life check, decided from the end-of-life data.
  public var endOfLife: (passed: Bool, detail: String)
  /// Image age in days (from its config's `created`), nil when the image does not say.
  public var ageDays: Int?
  public var maxAgeDays: Int
  /// Signature check when the run requires one (`--require-signature`), else nil.
  public var signature: SignatureCheck?

  public init(
    vulnerabilities: [ImageVulnerability], unpinned: [String], rootReasons: [String],
    shellsAndPackageManagers: [String]?, endOfLife: (passed: Bool, detail: String),
    ageDays: Int?, maxAgeDays: Int, signature: SignatureCheck?
  ) {
    self.vulnerabilities = vulnerabilities
    self.unpinned = unpinned
    self.rootReasons = rootReasons
    self.shellsAndPackageManagers = shellsAndPackageManagers
    self.endOfLife = endOfLife
    self.ageDays = ageDays
    self.maxAgeDays = maxAgeDays
    self.signature = signature
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.vulnerabilities == b.vulnerabilities && a.unpinned == b.unpinned
      && a.rootReasons == b.rootReasons && a.shellsAndPackageManagers == b.shellsAndPackageManagers
      && a.endOfLife == b.endOfLife && a.ageDays == b.ageDays && a.maxAgeDays == b.maxAgeDays
      && a.signature == b.signature
  }
  public func hash(into h: inout Hasher) {
    h.combine(vulnerabilities)
    h.combine(unpinned)
    h.combine(endOfLife.detail)
  }
}

/// Image health: named checks with points (the weights below), scored out of their sum.
public struct ImageHealthScorer: Sendable {
  public static let weights: [(name: String, max: Int)] = [
    ("no-fixable-critical-or-high", 30), ("no-known-exploited", 20), ("pinned-by-digest", 10),
    ("non-root", 10), ("no-shell-or-package-manager", 10), ("base-not-end-of-life", 10),
    ("image-age", 5), ("signed", 5),
  ]

  public init() {}

  public func health(_ facts: ImageHealthFacts) -> ImageHealth {
    var checks: [ImageHealth.Check] = []
    func add(_ name: String, _ passed: Bool, _ detail: String) {
      let max = Self.weights.first { $0.name == name }?.max ?? 0
      checks.append(
        ImageHealth.Check(
          name: name, points: passed ? max : 0, max: max, passed: passed, detail: detail))
    }
    let fixable = facts.vulnerabilities.filter {
      $0.fixable && ($0.severity == .critical || $0.severity == .high)
    }
    add(
      "no-fixable-critical-or-high", fixable.isEmpty,
      fixable.isEmpty
        ? "no critical or high finding has a fix"
        : "\(fixable.count) fixable critical/high: \(Self.list(fixable.map(\.id)))")
    let kev = facts.vulnerabilities.filter { $0.kev != nil }
    add(
      "no-known-exploited", kev.isEmpty,
      kev.isEmpty
        ? "no finding is in CISA KEV" : "\(kev.count) in CISA KEV: \(Self.list(kev.map(\.id)))")
    add(
      "pinned-by-digest", facts.unpinned.isEmpty,
      facts.unpinned.isEmpty
        ? "every reference is pinned by digest"
        : "not pinned: \(Self.list(facts.unpinned))")
    add(
      "non-root", facts.rootReasons.isEmpty,
      facts.rootReasons.isEmpty ? "runs as a non-root user" : Self.list(facts.rootReasons))
    if let found = facts.shellsAndPackageManagers {
      add(
        "no-shell-or-package-manager", found.isEmpty,
        found.isEmpty ? "no shell or package manager found" : "found \(Self.list(found))")
    } else {
      add("no-shell-or-package-manager", false, "unknown: the image's files were not read")
    }
    add("base-not-end-of-life", facts.endOfLife.passed, facts.endOfLife.detail)
    if let age = facts.ageDays {
      add(
        "image-age", age <= facts.maxAgeDays,
        "built \(age) day(s) ago (threshold \(facts.maxAgeDays))")
    } else {
      add("image-age", false, "the image config has no creation date")
    }
    if let signature = facts.signature {
      add(
        "signed", signature.verified,
        signature.verified
          ? "a signature satisfies \(signature.requirement)"
          : "no signature satisfies \(signature.requirement)")
    }
    return ImageHealth(checks: checks)
  }

  static func list(_ items: [String]) -> String {
    items.count <= 5
      ? items.joined(separator: ", ")
      : items.prefix(5).joined(separator: ", ") + " (+\(items.count - 5) more)"
  }
}
