import ArgumentParser
import Foundation
import Reports
import Scanner
import TailguardModel

/// `graph -o`: the formats of the dependency graph.
enum GraphFormat: String, OutputFormat {
  case dot, svg, json, html
  static let standard = GraphFormat.dot
}

/// `tailguard graph TARGET`: where each vulnerable package comes from.
struct GraphCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "graph",
    abstract:
      "Draw an image's dependency graph: image, base image, layers, packages, vulnerabilities.",
    discussion: """
      Formats: dot (default; Graphviz: `dot -Tsvg`), svg (laid out by tailguard), json \
      ({nodes: [{id, kind, label, …}], edges: [{from, to, kind}]}), html (one self-contained \
      page: the SVG, a filter for the paths to critical and known-exploited vulnerabilities, \
      layers that fold their packages, and the same paths as a table).
      The base image is the image's leading layers shared with --base, or read from its config \
      history; it is named by the org.opencontainers.image.base.name label. Packages without \
      findings are folded into one node per layer unless --expand; --max-vulnerabilities N folds \
      a package's less severe vulnerabilities beyond N into one node.
      Exit code 2 when the target cannot be read; a graph applies no thresholds.
      """)

  @Argument(help: "What to draw (see `tailguard --help` for the forms).")
  var target: String

  @OptionGroup var targetOptions: TargetOptions
  @OptionGroup var output: OutputOptions<GraphFormat>

  @OptionGroup var findingSource: FindingSourceOptions

  @Flag(name: .long, help: "Draw every package, not only those with findings.")
  var expand = false

  @Option(
    name: .customLong("max-vulnerabilities"),
    help:
      "Draw at most N vulnerabilities per package (critical and known-exploited ones always), the rest as one node.",
    transform: { text in
      guard let n = Int(text), n >= 0 else {
        throw ValidationError("--max-vulnerabilities takes a count")
      }
      return n
    })
  var maxVulnerabilities: Int?

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      let scan = findingSource.request(
        target: target, options: try targetOptions.scanOptions(progress: output.progressSink))
      let outcome = try await Scanner().dependencyGraph(
        GraphRequest(
          scan: scan,
          options: DependencyGraph.Options(
            foldClean: !expand, vulnerabilitiesPerPackage: maxVulnerabilities)))
      Diagnostics.print(outcome.report.diagnostics, output.verbosity)
      switch output.format {
      case .dot: try output.write(DependencyGraphRenderer.dot(outcome.graph, title: outcome.title))
      case .svg: try output.write(DependencyGraphRenderer.svg(outcome.graph, title: outcome.title))
      case .json: try output.write(try DependencyGraphRenderer.json(outcome.graph))
      case .html:
        try output.write(DependencyGraphRenderer.html(outcome.graph, title: outcome.title))
      }
    }
  }
}
