import Foundation
import TailguardTesting
import Testing

@testable import Reports
@testable import TailguardModel

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The dependency graph on a fleet small enough to know by heart: two images built on one base
/// (two shared layers), each with an application layer. Base: `openssl` (a critical finding),
/// `zlib` and `libc6` clean. Image A's layer: `requests` (a high, known-exploited finding, fixed
/// in 2.20.0), `flask` clean, and a package named `<script>alert(1)</script>` with a medium
/// finding. Image B's layer: `urllib3` with a low finding and one suppressed-then-dropped (not
/// given). A package whose layer is unknown hangs from its image.
@Suite struct DependencyGraphTests {
  static func digest(_ c: Character) -> Digest {
    try! Digest(algorithm: "sha256", hex: String(repeating: c, count: 64))
  }

  static func layer(_ index: Int, _ c: Character, base: Bool, step: String) -> LayerInfo {
    LayerInfo(
      index: index, digest: digest(c), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      compression: .gzip, size: Int64(1000 * (index + 1)), createdBy: step, isBaseLayer: base)
  }

  static func package(_ name: String, _ version: String, layer: LayerInfo?) -> Package {
    var p = pkg(name, version, .deb)
    p.introducedBy = layer?.digest
    p.introducedByIndex = layer?.index
    return p
  }

  static func kev(_ f: ScoredFinding) -> ScoredFinding {
    var f = f
    f.assessment.risk.threat = ThreatSource(source: .kev, date: "2024-01-02")
    return f
  }

  static func fleet() -> [DependencyGraph.ImageInput] {
    let base0 = layer(0, "a", base: true, step: "/bin/sh -c #(nop) ADD file:abc in / ")
    let base1 = layer(1, "b", base: true, step: "RUN apt-get install -y openssl")
    let appA = layer(2, "c", base: false, step: "RUN pip install requests flask")
    let appB = layer(2, "d", base: false, step: "RUN pip install urllib3")
    let openssl = package("openssl", "3.0.11-1", layer: base1)
    let zlib = package("zlib1g", "1.2.13", layer: base0)
    let libc = package("libc6", "2.36-9", layer: base0)
    let requests = package("requests", "2.19.0", layer: appA)
    let flask = package("flask", "2.0.0", layer: appA)
    let hostile = package("<script>alert(1)</script>", "1\"&'", layer: appA)
    let loose = package("loose", "1.0", layer: nil)
    let urllib3 = package("urllib3", "1.24.1", layer: appB)

    var imageA = ImageMetadata(
      target: "oci:/x:a", sourceKind: "oci-layout", reference: "example.org/shop/a:1",
      manifestDigest: digest("1"), layers: [base0, base1, appA])
    imageA.config.labels[DependencyGraph.baseNameLabel] = "example.org/base:bookworm"
    let imageB = ImageMetadata(
      target: "oci:/x:b", sourceKind: "oci-layout", reference: "example.org/shop/b:1",
      manifestDigest: digest("2"), layers: [base0, base1, appB])
    let a = DependencyGraph.ImageInput(
      sbom: SoftwareBOM(
        image: imageA, packages: [openssl, zlib, libc, requests, flask, hostile, loose]),
      findings: [
        finding(openssl, id: "CVE-2024-0001", severity: .critical, cvss: 9.8, fixed: "3.0.13-1"),
        kev(finding(requests, id: "CVE-2018-18074", severity: .high, cvss: 7.5, fixed: "2.20.0")),
        finding(hostile, id: "CVE-<b>x</b>", severity: .medium, cvss: 5, fixed: nil),
      ])
    let b = DependencyGraph.ImageInput(
      sbom: SoftwareBOM(image: imageB, packages: [openssl, zlib, libc, urllib3]),
      findings: [
        finding(openssl, id: "CVE-2024-0001", severity: .critical, cvss: 9.8, fixed: "3.0.13-1"),
        finding(urllib3, id: "CVE-2019-11236", severity: .low, cvss: 3, fixed: "1.24.2"),
      ])
    return [a, b]
  }

  func kinds(_ g: DependencyGraph) -> [DependencyGraph.Kind: Int] {
    Dictionary(grouping: g.nodes, by: \.kind).mapValues(\.count)
  }

  @Test func structureFoldingSharingAndSeverity() throws {
    let g = DependencyGraph(images: Self.fleet())
    // 2 images; one base (both share its top layer); 4 layers (2 shared base layers, 2 app
    // layers); packages with findings: openssl once (a shared layer), requests, the hostile one,
    // urllib3; plus folded nodes: base0 (zlib, libc6), appA (flask), image A (loose).
    #expect(kinds(g) == [.image: 2, .base: 1, .layer: 4, .package: 7, .vulnerability: 4])
    let byID = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.id, $0) })
    let base = try #require(g.nodes.first { $0.kind == .base })
    #expect(base.label == "example.org/base:bookworm")
    #expect(g.edges.filter { $0.to == base.id && $0.kind == .builtOn }.count == 2)
    let folded = g.nodes.compactMap(\.folded).sorted()
    #expect(folded == [1, 1, 2])
    #expect(
      byID["folded:layer:" + Self.digest("a").description]?.label == "2 packages without findings")
    #expect(byID["folded:image:" + Self.digest("1").description]?.folded == 1)
    // Packages hang from their layers; the one without a layer from its image.
    #expect(
      g.edges.contains {
        $0.from == "layer:" + Self.digest("b").description && $0.kind == .contains
          && byID[$0.to]?.label == "openssl 3.0.11-1"
      })
    // Severity flows up: both images reach the critical openssl finding.
    #expect(g.nodes.filter { $0.kind == .image }.allSatisfy { $0.severity == .critical })
    #expect(byID["layer:" + Self.digest("d").description]?.severity == .low)
    #expect(byID["layer:" + Self.digest("c").description]?.severity == .high)
    #expect(byID["layer:" + Self.digest("c").description]?.kev == true)
    // Vulnerabilities: most severe first; the critical one is reached through one package node
    // (the shared layer) — one edge, not two.
    let vulnerabilities = g.nodes.filter { $0.kind == .vulnerability }.map(\.label)
    #expect(
      vulnerabilities == ["CVE-2024-0001", "CVE-2018-18074", "CVE-<b>x</b>", "CVE-2019-11236"])
    #expect(g.edges.filter { $0.to == "vulnerability:CVE-2024-0001" }.count == 1)
    let fix = g.edges.first { $0.to == "vulnerability:CVE-2018-18074" }
    #expect(fix?.fixedVersion == "2.20.0")
    // Every edge joins two nodes of the graph; no edge twice.
    #expect(g.edges.allSatisfy { byID[$0.from] != nil && byID[$0.to] != nil })
    #expect(Set(g.edges.map { $0.from + ">" + $0.to }).count == g.edges.count)

    let expanded = DependencyGraph(images: Self.fleet(), options: .init(foldClean: false))
    // 8 packages: those of the shared base layers are the same nodes for both images.
    #expect(expanded.nodes.filter { $0.kind == .package }.count == 8)
    #expect(expanded.nodes.allSatisfy { $0.folded == nil })
  }

  @Test func pathsToCriticalAndKnownExploitedAreHighlighted() throws {
    let g = DependencyGraph(images: Self.fleet())
    let lit = Set(g.nodes.filter { $0.highlighted == true }.map(\.label))
    #expect(
      lit == [
        "example.org/shop/a:1", "example.org/shop/b:1", "example.org/base:bookworm",
        "#2 RUN apt-get install -y openssl", "#3 RUN pip install requests flask",
        "openssl 3.0.11-1", "requests 2.19.0", "CVE-2024-0001", "CVE-2018-18074",
      ])
    // The medium and low findings, their packages and image B's own layer stay unlit.
    let litEdges = g.edges.filter { $0.highlighted == true }
    #expect(litEdges.allSatisfy { e in g.nodes.first { $0.id == e.to }?.highlighted == true })
    #expect(!litEdges.contains { $0.to == "vulnerability:CVE-<b>x</b>" })
    // Paths: image A → base → base layer → openssl → critical; image B the same; image A →
    // app layer → requests → KEV.
    let paths = g.highlightedPaths
    #expect(paths.count == 3)
    #expect(paths.allSatisfy { $0.first?.hasPrefix("image:") == true })
    #expect(paths.contains { $0.count == 5 && $0[1].hasPrefix("base:") })
    #expect(g.summary.critical == 1 && g.summary.knownExploited == 1)
    #expect(g.description.contains("4 vulnerabilities (1 critical, 1 known exploited)"))
  }

  /// A package with ten findings, at most two drawn: the critical and the known-exploited ones
  /// always, the other eight as one node that says what it holds.
  @Test func vulnerabilitiesBeyondTheLimitAreFoldedNeverTheCriticalOrKEV() throws {
    let layer = Self.layer(0, "a", base: false, step: "RUN pip install stdlib")
    let p = Self.package("stdlib", "1.15.2", layer: layer)
    var findings = [
      finding(p, id: "CVE-C1", severity: .critical, cvss: 9.8, fixed: nil),
      Self.kev(finding(p, id: "CVE-K1", severity: .high, cvss: 7, fixed: nil)),
      finding(p, id: "CVE-H1", severity: .high, cvss: 7.5, fixed: nil),
    ]
    for i in 1...4 {
      findings.append(finding(p, id: "CVE-M\(i)", severity: .medium, cvss: 5, fixed: nil))
    }
    for i in 1...3 {
      findings.append(finding(p, id: "CVE-L\(i)", severity: .low, cvss: 2, fixed: nil))
    }
    let image = ImageMetadata(
      target: "t", sourceKind: "oci-layout", manifestDigest: Self.digest("9"), layers: [layer])
    let input = DependencyGraph.ImageInput(
      sbom: SoftwareBOM(image: image, packages: [p]), findings: findings)

    let all = DependencyGraph(images: [input])
    #expect(all.nodes.filter { $0.kind == .vulnerability }.count == 10)
    for keep in [0, 2] {
      let g = DependencyGraph(images: [input], options: .init(vulnerabilitiesPerPackage: keep))
      let vulnerabilities = g.nodes.filter { $0.kind == .vulnerability }
      #expect(
        vulnerabilities.map(\.label).filter { $0.hasPrefix("CVE-") }.sorted() == [
          "CVE-C1", "CVE-K1",
        ])
      let more = try #require(vulnerabilities.first { $0.folded != nil })
      #expect(more.folded == 8)
      #expect(more.label == "8 more: 1 high, 4 medium, 3 low")
      #expect(more.severity == .high && more.highlighted == nil)
      #expect(more.detail?.contains("CVE-H1") == true && more.detail?.contains("CVE-L3") == true)
      #expect(g.edges.filter { $0.kind == .affects }.count == 3)
      #expect(g.summary.vulnerabilities == 2 && g.summary.foldedVulnerabilities == 8)
      #expect(g.description.hasSuffix("8 less severe findings folded"))
      // The critical and KEV paths are all still there.
      #expect(g.highlightedPaths.count == all.highlightedPaths.count)
    }
    let three = DependencyGraph(images: [input], options: .init(vulnerabilitiesPerPackage: 3))
    #expect(three.nodes.contains { $0.label == "CVE-H1" })
    #expect(three.nodes.first { $0.folded != nil }?.label == "7 more: 4 medium, 3 low")
  }

  @Test func formatsEscapeEveryValue() throws {
    let g = DependencyGraph(images: Self.fleet())
    let title = "Dependency graph of <img src=x onerror=alert(1)>"
    let svg = DependencyGraphRenderer.svg(g, title: title)
    let html = DependencyGraphRenderer.html(g, title: title)
    for text in [svg, html] {
      #expect(!text.contains("<script>alert"))
      #expect(!text.contains("<img src"))
      #expect(!text.contains("<b>x</b>"))
      #expect(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }
    // The page's only script is its own.
    #expect(html.components(separatedBy: "<script>").count == 2)
    // One SVG group per node, one path per edge, severity also as text.
    #expect(svg.components(separatedBy: "<g class=\"node ").count - 1 == g.nodes.count)
    #expect(svg.components(separatedBy: "<path class=\"edge ").count - 1 == g.edges.count)
    #expect(svg.contains(">CRITICAL</text>") && svg.contains(">HIGH KEV</text>"))
    // Parses as XML.
    let parser = XMLParser(data: Data(svg.utf8))
    #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")

    // JSON: {nodes: [{id, kind, label, …}], edges: [{from, to, kind}]}.
    let json =
      try JSONSerialization.jsonObject(with: DependencyGraphRenderer.json(g)) as? [String: Any]
    let nodes = try #require(json?["nodes"] as? [[String: Any]])
    let edges = try #require(json?["edges"] as? [[String: Any]])
    #expect(nodes.count == g.nodes.count && edges.count == g.edges.count)
    #expect(
      nodes.allSatisfy { $0["id"] is String && $0["kind"] is String && $0["label"] is String })
    #expect(edges.allSatisfy { $0["from"] is String && $0["to"] is String && $0["kind"] is String })
    #expect(
      Set(nodes.compactMap { $0["kind"] as? String }) == [
        "image", "base", "layer", "package", "vulnerability",
      ])
    // Deterministic.
    #expect(
      try DependencyGraphRenderer.json(DependencyGraph(images: Self.fleet()))
        == DependencyGraphRenderer.json(g))
  }

  static var graphvizAvailable: Bool { ProcessRunner.which("dot") != nil }

  /// The DOT output in Graphviz (Debian's `dot`): it parses, with every node and edge, hostile
  /// labels and all.
  @Test(.enabled(if: Oracles.gate(graphvizAvailable)))
  func dotIsReadByGraphviz() throws {
    let g = DependencyGraph(images: Self.fleet())
    let dir = try TemporaryDirectory(prefix: "tailguard-graph-dot")
    let source = DependencyGraphRenderer.dot(g, title: "a \"quoted\" \\ title")
    try source.write(toFile: dir.file("g.dot"), atomically: true, encoding: .utf8)
    let run = try ProcessRunner.run("dot", ["-Tjson", dir.file("g.dot")], timeout: 120)
    #expect(run.status == 0, "\(run.output)")
    let doc = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    let objects = try #require(doc?["objects"] as? [[String: Any]])
    let edges = try #require(doc?["edges"] as? [[String: Any]])
    #expect(objects.count == g.nodes.count)
    #expect(edges.count == g.edges.count)
    // The label as Graphviz holds it: the quote unescaped, the backslash still escaped (an
    // escString: drawn as one backslash, never read as `\N`, `\l` and the like).
    #expect(doc?["label"] as? String == "a \"quoted\" \\\\ title")
    let names = Set(objects.compactMap { $0["name"] as? String })
    #expect(names == Set(g.nodes.map(\.id)))
  }
}
