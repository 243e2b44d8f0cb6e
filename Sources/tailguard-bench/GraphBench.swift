import Foundation
import Reports
import TailguardModel

/// `tailguard-bench graph [PACKAGES] [ROUNDS]`: the dependency graph of one image with PACKAGES
/// packages (default 2,000) over 12 layers, one package in seven with findings (1 to 4 each,
/// every severity, some known exploited): the time to build the graph, to render its SVG and its
/// HTML page, folded and expanded, as the median of ROUNDS rounds (behind bench/graph.sh).
func graphBench(_ args: [String]) -> Never {
  let count = args.first.flatMap(Int.init) ?? 2000
  let rounds = args.dropFirst().first.flatMap(Int.init) ?? 21
  func digest(_ n: Int) -> Digest {
    let hex = String(n, radix: 16)
    do {
      return try Digest(
        algorithm: "sha256", hex: String(repeating: "0", count: 64 - hex.count) + hex)
    } catch { fail("digest \(n): \(error)") }
  }
  let layers = (0..<12).map { i in
    LayerInfo(
      index: i, digest: digest(i + 1), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      compression: .gzip, size: Int64(1_000_000 * (i + 1)), createdBy: "RUN step \(i)",
      isBaseLayer: i < 4)
  }
  var image = ImageMetadata(
    target: "oci:/bench:latest", sourceKind: "oci-layout", reference: "example.org/bench:latest",
    manifestDigest: digest(99), layers: layers)
  image.config.labels[DependencyGraph.baseNameLabel] = "example.org/base:1"
  var packages: [Package] = []
  var findings: [ScoredFinding] = []
  let severities: [Severity] = [.critical, .high, .medium, .low, .unknown]
  for i in 0..<count {
    let name = "package-\(i)"
    let layer = layers[i % layers.count]
    var p = Package(
      name: name, version: "1.\(i % 17).\(i % 5)", ecosystem: .deb,
      purl: PackageURL(type: "deb", namespace: "debian", name: name, version: "1.0"),
      foundBy: "bench", introducedBy: layer.digest, introducedByIndex: layer.index)
    p.id = "p\(i)"
    packages.append(p)
    guard i % 7 == 0 else { continue }
    for k in 0..<(1 + i % 4) {
      let id = "CVE-2024-\(10000 + (i * 3 + k) % 900)"
      let finding = Finding(
        packageID: p.id, packageName: p.name, packageVersion: p.version, ecosystem: p.ecosystem,
        purl: p.purl, primaryID: id, advisoryIDs: [id], recordIDs: [id], summary: "summary \(id)",
        fixState: .fixed, fixedVersion: "2.0")
      let threat = (i + k) % 23 == 0 ? ThreatSource(source: .kev, date: "2024-01-01") : .none
      findings.append(
        ScoredFinding(
          finding: finding,
          assessment: Assessment(
            severity: severities[(i + k) % severities.count], severitySource: "vendor",
            risk: RiskScore(value: 5, reasons: [], threat: threat))))
    }
  }
  let input = DependencyGraph.ImageInput(
    sbom: SoftwareBOM(image: image, packages: packages), findings: findings)
  func median(_ body: () -> Int) -> (Double, Int) {
    var times: [Double] = []
    var size = 0
    for _ in 0..<rounds {
      let start = ContinuousClock.now
      size = body()
      times.append(seconds(ContinuousClock.now - start) * 1000)
    }
    times.sort()
    return (times[times.count / 2], size)
  }
  print(
    "graph of one image: \(count) packages, \(findings.count) findings, median of \(rounds) rounds")
  let variants: [(String, DependencyGraph.Options)] = [
    ("folded", DependencyGraph.Options(foldClean: true)),
    (
      "folded, 6 vulnerabilities per package (the dashboard)",
      DependencyGraph.Options(foldClean: true, vulnerabilitiesPerPackage: 6)
    ),
    ("expanded", DependencyGraph.Options(foldClean: false)),
  ]
  for (name, options) in variants {
    let (build, nodes) = median { DependencyGraph(images: [input], options: options).nodes.count }
    let graph = DependencyGraph(images: [input], options: options)
    let (svg, svgBytes) = median { DependencyGraphRenderer.svg(graph, title: "bench").utf8.count }
    let (html, htmlBytes) = median {
      DependencyGraph(images: [input], options: options).nodes.isEmpty
        ? 0 : DependencyGraphRenderer.html(graph, title: "bench").utf8.count
    }
    print(
      String(
        format:
          "%@: %d nodes, %d edges; build %.1f ms, svg %.1f ms (%d KB), build + html %.1f ms (%d KB)",
        name, nodes, graph.edges.count, build, svg, svgBytes / 1024, html, htmlBytes / 1024))
  }
  exit(0)
}
