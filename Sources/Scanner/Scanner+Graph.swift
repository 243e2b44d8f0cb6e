import Reports
import TailguardModel

/// `tailguard graph`: a scan, drawn as image → base image → layers → packages → vulnerabilities.
public struct GraphRequest: Sendable {
  /// The scan whose open findings are drawn (its thresholds are not applied: a graph is a view).
  public var scan: ScanRequest
  public var options: DependencyGraph.Options

  public init(scan: ScanRequest, options: DependencyGraph.Options = DependencyGraph.Options()) {
    self.scan = scan
    self.options = options
  }
}

public struct GraphOutcome: Sendable {
  public var graph: DependencyGraph
  public var report: ScanReport
  /// What to call the picture: the image's reference (or target) and digest.
  public var title: String
}

extension Scanner {
  public func dependencyGraph(_ request: GraphRequest) async throws -> GraphOutcome {
    var scan = request.scan
    scan.failOn = nil
    scan.policies = []
    let outcome = try await self.scan(scan)
    guard let report = outcome.report else {
      throw ScannerError(.unreadableTarget, "no SBOM to draw for \(scan.target)")
    }
    let image = report.sbom.image
    var title = "Dependency graph of " + (image.reference ?? image.target)
    if let digest = image.manifestDigest { title += " (\(digest.short))" }
    return GraphOutcome(
      graph: DependencyGraph(report: report, options: request.options), report: report,
      title: title)
  }
}
