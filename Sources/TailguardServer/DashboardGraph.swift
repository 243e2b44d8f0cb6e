import Reports
import TailguardModel

/// The image page's dependency graph (image → base → layers → packages → vulnerabilities), drawn
/// by Reports' `DependencyGraph` from what the store keeps: the SBOM, and the open findings
/// folded per vulnerability, expanded again to one finding per affected package of the SBOM.
enum DashboardGraph {
  /// The open findings of DETAIL as the graph takes them (nil without a stored SBOM).
  static func input(_ detail: DashboardImageDetail) -> DependencyGraph.ImageInput? {
    guard let sbom = detail.sbom else { return nil }
    var byKey: [String: [Package]] = [:]
    for p in sbom.packages { byKey["\(p.name)@\(p.version)", default: []].append(p) }
    var scored: [ScoredFinding] = []
    for f in detail.findings where f.state == "open" {
      let severity = Severity(rawValue: f.severity) ?? .unknown
      let threat = f.kev ? ThreatSource(source: .kev, date: f.kevDate) : .none
      for key in f.packages {
        for p in byKey[key] ?? [] {
          scored.append(
            ScoredFinding(
              finding: Finding(
                packageID: p.id, packageName: p.name, packageVersion: p.version,
                ecosystem: p.ecosystem, purl: p.purl, primaryID: f.vulnerabilityID,
                advisoryIDs: [f.vulnerabilityID], recordIDs: [], summary: f.summary,
                fixState: f.fixable ? .fixed : .notFixed, fixedVersion: f.fixedVersion,
                introducedBy: p.introducedBy, introducedByIndex: p.introducedByIndex),
              assessment: Assessment(
                severity: severity, severitySource: "stored",
                risk: RiskScore(value: f.risk, reasons: [], threat: threat))))
        }
      }
    }
    return DependencyGraph.ImageInput(sbom: sbom, findings: scored)
  }

  /// The graph's fragment (SVG, controls, and the paths and vulnerabilities tables as its text
  /// alternative), escaped by the renderer; its style and script are in the dashboard's assets.
  static func fragment(_ detail: DashboardImageDetail) -> String? {
    guard let input = input(detail) else { return nil }
    let graph = DependencyGraph(images: [input], options: options)
    return DependencyGraphRenderer.fragment(
      graph, title: "Dependency graph of \(detail.image.reference)")
  }

  /// Packages without findings folded per layer; at most 6 vulnerabilities drawn per package
  /// (critical and known-exploited ones always), so a page stays readable and light.
  static let options = DependencyGraph.Options(foldClean: true, vulnerabilitiesPerPackage: 6)

  /// The most images a segment's graph draws (its most used ones).
  static let segmentLimit = 25

  /// The graph of IMAGES together (nil when none has a stored SBOM).
  static func fragment(_ details: [DashboardImageDetail], title: String) -> String? {
    let inputs = details.compactMap(input)
    guard !inputs.isEmpty else { return nil }
    return DependencyGraphRenderer.fragment(
      DependencyGraph(images: inputs, options: options), title: title)
  }
}
