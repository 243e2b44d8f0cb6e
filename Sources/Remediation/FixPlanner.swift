import TailguardModel
import VersionSchemes

/// Turns a scan report into a `FixPlan`: each open finding goes to exactly one place — the base
/// bump that removes it, the upgrade of its package, or the unactionable list with the reason.
public struct FixPlanner: Sendable {
  /// A scanned base-image candidate: its tag, digest and the findings it still has.
  public struct BaseBump: Sendable {
    public var repository: String
    public var from: String
    /// The recommended candidate (`tag@digest` in the plan), nil when none qualified.
    public var chosen: FixPlan.Candidate?
    /// Open findings of the chosen candidate, as `package@id`.
    public var remaining: Set<String>
    public var candidates: [FixPlan.Candidate]
    public init(
      repository: String, from: String, chosen: FixPlan.Candidate?, remaining: Set<String>,
      candidates: [FixPlan.Candidate]
    ) {
      self.repository = repository
      self.from = from
      self.chosen = chosen
      self.remaining = remaining
      self.candidates = candidates
    }
  }

  /// Set when the image's distribution release is past its end of life: the reason OS findings
  /// without a fix will stay open (e.g. `debian 10 ended security support on 2024-06-30`).
  public var endOfLife: String?
  public var baseBump: BaseBump?

  public init(endOfLife: String? = nil, baseBump: BaseBump? = nil) {
    self.endOfLife = endOfLife
    self.baseBump = baseBump
  }

  public func plan(_ report: ScanReport) -> FixPlan {
    let bom = report.sbom
    let packages = Dictionary(bom.packages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    var unactionable: [FixPlan.Unactionable] = []
    var byPackage: [String: [ScoredFinding]] = [:]
    var baseCloses: [FixPlan.Closed] = []
    for scored in report.findings {
      let f = scored.finding
      let closed = Self.closed(scored)
      if let bump = baseBump, bump.chosen != nil, packages[f.packageID]?.fromBaseImage == true,
        !bump.remaining.contains("\(f.packageName)@\(f.primaryID)")
      {
        baseCloses.append(closed)
        continue
      }
      if f.fixState == .fixed, f.fixedVersion != nil {
        byPackage[f.packageID, default: []].append(scored)
        continue
      }
      let (reason, detail) = Self.reason(f, endOfLife: endOfLife)
      unactionable.append(
        FixPlan.Unactionable(
          id: f.primaryID, package: f.packageName, version: f.packageVersion,
          severity: scored.assessment.severity, reason: reason, detail: detail))
    }
    var actions: [FixPlan.Action] = []
    for (id, group) in byPackage {
      let first = group[0].finding
      let kind = VersionSchemeKind(ecosystem: first.ecosystem)
      let fixes = group.compactMap(\.finding.fixedVersion)
      let to = fixes.max { ((try? kind.compare($0, $1)) ?? 0) < 0 } ?? fixes[0]
      let closes = group.map(Self.closed).sorted()
      actions.append(
        FixPlan.Action(
          kind: .packageUpgrade,
          package: FixPlan.PackageRef(
            name: first.packageName, ecosystem: first.ecosystem, purl: first.purl.description,
            source: packages[id]?.source?.name),
          base: nil, from: first.packageVersion, to: to, closes: closes,
          riskClosed: Self.sum(closes)))
    }
    if let bump = baseBump, let chosen = bump.chosen, !baseCloses.isEmpty {
      actions.append(
        FixPlan.Action(
          kind: .baseImageBump, package: nil,
          base: FixPlan.BaseRef(repository: bump.repository, candidates: bump.candidates),
          from: bump.from, to: chosen.digest.map { "\(chosen.tag)@\($0)" } ?? chosen.tag,
          closes: baseCloses.sorted(), riskClosed: Self.sum(baseCloses)))
    }
    actions.sort { a, b in
      if a.riskClosed != b.riskClosed { return a.riskClosed > b.riskClosed }
      return (a.kind.rawValue, a.package?.name ?? a.from) < (
        b.kind.rawValue, b.package?.name ?? b.from
      )
    }
    var notes: [String] = []
    if let bump = baseBump, bump.chosen == nil {
      notes.append("no base image candidate for \(bump.from) qualified; see the candidates skipped")
    }
    let distro = bom.distro.map { [$0.id, $0.versionID].compactMap { $0 }.joined(separator: " ") }
    return FixPlan(
      target: bom.image.target,
      imageDigest: (bom.image.manifestDigest ?? bom.image.indexDigest)?.description,
      distro: distro, actions: actions, unactionable: unactionable.sorted(), notes: notes)
  }

  /// Why nothing removes `f`: the end of life of the distribution comes first for OS packages.
  static func reason(_ f: Finding, endOfLife: String?) -> (FixPlan.Unactionable.Reason, String) {
    if let eol = endOfLife, f.ecosystem.isOperatingSystem { return (.endOfLife, eol) }
    switch f.fixState {
    case .wontFix: return (.wontFix, "the vendor will not fix it")
    case .notFixed, .fixed: return (.notFixed, "no fixed version is published")
    case .unknown: return (.unknown, "the advisory data does not say which version fixes it")
    }
  }

  static func closed(_ s: ScoredFinding) -> FixPlan.Closed {
    FixPlan.Closed(
      id: s.finding.primaryID, package: s.finding.packageName, version: s.finding.packageVersion,
      severity: s.assessment.severity, risk: (s.assessment.risk.value * 100).rounded() / 100)
  }

  static func sum(_ c: [FixPlan.Closed]) -> Double {
    (c.reduce(0) { $0 + $1.risk } * 100).rounded() / 100
  }
}
