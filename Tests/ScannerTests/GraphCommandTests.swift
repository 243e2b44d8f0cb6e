import Foundation
import TailguardModel
import TailguardTesting
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `tailguard graph` on the real planted image (../shared/data/images/built/oci-layout, tag
/// `planted`, built on `bookworm-minbase`) with the real PyPI and Go advisories: the graph says
/// exactly what `scan` says, Graphviz reads its DOT, and its HTML page works in Chromium.
@Suite struct GraphCommandTests {
  static let layout = SharedData.path("images/built/oci-layout")
  static let enabled = SharedData.isAvailable

  struct Graph: Decodable {
    struct Node: Decodable {
      var id: String
      var kind: String
      var label: String
      var folded: Int?
      var severity: String?
    }
    struct Edge: Decodable {
      var from: String
      var to: String
      var kind: String
      var fixedVersion: String?
    }
    var nodes: [Node]
    var edges: [Edge]
  }

  static func database(_ dir: TemporaryDirectory) throws -> String {
    let db = dir.file("advisories.db")
    let run = try TailguardCLI.run(
      [
        "db", "import", "--db", db, "-q", SharedData.path("advisories/pypa-osv-json"),
        SharedData.path("advisories/go-vulndb/osv"),
        SharedData.path("kev/known_exploited_vulnerabilities.json"),
      ], seconds: 600)
    try #require(run.status == 0, "\(run.stderr)")
    return db
  }

  @Test(.enabled(if: Oracles.gate(enabled))) func graphSaysWhatTheScanSays() throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-graph")
    let db = try Self.database(dir)
    let target = "oci:\(Self.layout):planted"
    let common = [target, "--db", db, "--base", "oci:\(Self.layout):bookworm-minbase", "-q"]
    let scan = try TailguardCLI.run(["scan"] + common + ["-o", "json"], seconds: 300)
    #expect(scan.status == 0, "\(scan.stderr)")
    let report = try JSONDecoder().decode(ScanReport.self, from: Data(scan.stdout.utf8))
    let run = try TailguardCLI.run(["graph"] + common + ["-o", "json"], seconds: 300)
    #expect(run.status == 0, "\(run.stderr)")
    let graph = try JSONDecoder().decode(Graph.self, from: Data(run.stdout.utf8))
    let byID = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0) })

    // One image, its base (the layer shared with bookworm-minbase), both layers.
    #expect(graph.nodes.filter { $0.kind == "image" }.count == 1)
    let bases = graph.nodes.filter { $0.kind == "base" }
    #expect(bases.count == 1)
    let layers = graph.nodes.filter { $0.kind == "layer" }
    #expect(layers.count == report.sbom.image.layers.count)
    let baseLayers = report.sbom.image.layers.filter { $0.isBaseLayer == true }
    #expect(baseLayers.count == 1)
    #expect(
      graph.edges.filter { $0.from == bases.first?.id && $0.kind == "layer" }.map(\.to)
        == baseLayers.map { "layer:\($0.digest)" })

    // Every package is drawn or folded, exactly once.
    let drawn = graph.nodes.filter { $0.kind == "package" && $0.folded == nil }
    let folded = graph.nodes.compactMap(\.folded).reduce(0, +)
    #expect(drawn.count + folded == report.sbom.packages.count)
    // Every open finding is an edge from its package, under the layer that brought it in, to
    // its vulnerability; and nothing else is.
    let affects = graph.edges.filter { $0.kind == "affects" }
    #expect(affects.count == report.findings.count)
    #expect(
      Set(graph.nodes.filter { $0.kind == "vulnerability" }.map(\.label))
        == Set(report.findings.map(\.finding.primaryID)))
    var holder: [String: String] = [:]
    for edge in graph.edges where edge.kind == "contains" { holder[edge.to] = edge.from }
    for scored in report.findings {
      let f = scored.finding
      let edge = affects.first {
        $0.to == "vulnerability:\(f.primaryID)" && $0.from.hasSuffix("/" + f.packageID)
      }
      #expect(edge != nil, "\(f.primaryID) in \(f.packageName)")
      guard let edge else { continue }
      #expect(edge.fixedVersion == f.fixedVersion)
      let layer = try #require(f.introducedBy)
      #expect(holder[edge.from] == "layer:\(layer)", "\(f.packageName)")
      #expect(byID[edge.to]?.severity == scored.assessment.severity.rawValue)
    }

    // At most 4 vulnerabilities per package: the rest folded into one node that counts them,
    // so every finding is still accounted for.
    let capped = try TailguardCLI.run(
      ["graph"] + common + ["-o", "json", "--max-vulnerabilities", "4"], seconds: 300)
    let few = try JSONDecoder().decode(Graph.self, from: Data(capped.stdout.utf8))
    let fewByID = Dictionary(uniqueKeysWithValues: few.nodes.map { ($0.id, $0) })
    var accounted = 0
    for package in few.nodes where package.kind == "package" && package.folded == nil {
      let out = few.edges.filter { $0.from == package.id && $0.kind == "affects" }
      let folded = out.compactMap { fewByID[$0.to]?.folded }
      #expect(folded.count <= 1)
      #expect(out.count - folded.count <= 4, "\(package.label)")
      accounted += out.count - folded.count + folded.reduce(0, +)
    }
    #expect(accounted == report.findings.count)
    let badCount = try TailguardCLI.run(["graph"] + common + ["--max-vulnerabilities", "-1"])
    #expect(badCount.status == 64)

    // Every package when asked.
    let expanded = try TailguardCLI.run(
      ["graph"] + common + ["-o", "json", "--expand"], seconds: 300)
    let all = try JSONDecoder().decode(Graph.self, from: Data(expanded.stdout.utf8))
    #expect(all.nodes.filter { $0.kind == "package" }.count == report.sbom.packages.count)
  }

  static var browserAvailable: Bool {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
      && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
      && OracleProcess.pythonHas("selenium")
  }

  /// DOT through Graphviz, SVG as XML, and the HTML page in headless Chromium: the nodes and
  /// edges of the JSON are all drawn, a layer folds its packages on a click and unfolds them on
  /// Enter, the filter dims what is off the critical paths, the console stays clean. The page's
  /// screenshot is left in the test's directory (or $TAILGUARD_SCREENSHOTS).
  @Test(
    .enabled(
      if: Oracles.gate(
        enabled && browserAvailable && ProcessRunner.which("dot") != nil)))
  func dotSvgAndHtmlInTheirReaders() throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-graph-html")
    let db = try Self.database(dir)
    let common = ["graph", "oci:\(Self.layout):planted", "--db", db, "-q"]
    let json = try TailguardCLI.run(common + ["-o", "json"], seconds: 300)
    let graph = try JSONDecoder().decode(Graph.self, from: Data(json.stdout.utf8))

    let dot = try TailguardCLI.run(
      common + ["-o", "dot", "--output", dir.file("g.dot")], seconds: 300)
    #expect(dot.status == 0, "\(dot.stderr)")
    let laid = try ProcessRunner.run(
      "dot", ["-Tsvg", "-o", dir.file("dot.svg"), dir.file("g.dot")], timeout: 300)
    #expect(laid.status == 0, "\(laid.output)")
    let dotSVG = try String(contentsOfFile: dir.file("dot.svg"), encoding: .utf8)
    #expect(dotSVG.components(separatedBy: "class=\"node\"").count - 1 == graph.nodes.count)
    #expect(dotSVG.components(separatedBy: "class=\"edge\"").count - 1 == graph.edges.count)

    let svg = try TailguardCLI.run(common + ["-o", "svg"], seconds: 300)
    let parser = XMLParser(data: Data(svg.stdout.utf8))
    #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")

    let html = try TailguardCLI.run(
      common + ["-o", "html", "--output", dir.file("graph.html")], seconds: 300)
    #expect(html.status == 0, "\(html.stderr)")
    let page = try String(contentsOfFile: dir.file("graph.html"), encoding: .utf8)
    #expect(!page.contains("<script src") && !page.contains("<link") && !page.contains("@import"))
    let shots = ProcessInfo.processInfo.environment["TAILGUARD_SCREENSHOTS"] ?? dir.path
    try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
    let browser = try ProcessRunner.run(
      "python3",
      [
        SharedData.packageRoot + "/scripts/check-graph-in-chromium.py", dir.file("graph.html"),
        shots + "/graph.png",
      ], timeout: 300)
    #expect(browser.status == 0, "\(browser.output)")
    struct Seen: Decodable {
      struct Folded: Decodable {
        var held: Int
        var hiddenAfterClick: Int
        var ariaExpandedAfterClick: String?
        var hiddenAfterEnter: Int
        var ariaExpandedAfterEnter: String?
      }
      var summary: String
      var nodes: [String: Int]
      var edges: [String: Int]
      var svgTitle: Bool
      var vulnerabilityRows: Int
      var folded: Folded?
      var focusFilter: Bool
      var console: [String]
    }
    let seen = try JSONDecoder().decode(Seen.self, from: Data(browser.stdout.utf8))
    for kind in ["image", "layer", "package", "vulnerability"] {
      #expect(seen.nodes[kind] == graph.nodes.filter { $0.kind == kind }.count, "\(kind)")
    }
    for kind in ["layer", "contains", "affects"] {
      #expect(seen.edges[kind] == graph.edges.filter { $0.kind == kind }.count, "\(kind)")
    }
    #expect(seen.svgTitle)
    #expect(
      seen.summary.contains(
        "\(graph.nodes.filter { $0.kind == "vulnerability" }.count) vulnerabilities"))
    #expect(seen.vulnerabilityRows == graph.nodes.filter { $0.kind == "vulnerability" }.count)
    let folded = try #require(seen.folded)
    #expect(folded.held > 0 && folded.hiddenAfterClick >= folded.held)
    #expect(folded.ariaExpandedAfterClick == "false" && folded.ariaExpandedAfterEnter == "true")
    #expect(folded.hiddenAfterEnter == 0)
    #expect(seen.focusFilter)
    #expect(seen.console.isEmpty, "\(seen.console)")
    #expect(FileManager.default.fileExists(atPath: shots + "/graph.png"))
  }

  @Test func badTargetsAndFormats() throws {
    let missing = try TailguardCLI.run(["graph", "oci:/nonexistent/layout", "-q"], seconds: 120)
    #expect(missing.status == 2, "\(missing.stderr)")
    #expect(!missing.stderr.isEmpty)
    let format = try TailguardCLI.run(["graph", "dir:/tmp", "-o", "png"])
    #expect(format.status == 64)
  }
}
