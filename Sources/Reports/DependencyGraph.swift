import Foundation
import TailguardModel

/// Where a vulnerable package comes from: image → base image → layers → packages →
/// vulnerabilities, for one image or for many (a team, a segment, the fleet).
///
/// - The base image is the run of leading layers the scan marked as the base's
///   (`LayerInfo.isBaseLayer`: the layers shared with `--base`, or read from the config history);
///   it is named by the `org.opencontainers.image.base.name` label when the image carries it.
///   Images built on the same base share its node (its id is its top layer's digest), and layers
///   shared between images are one node.
/// - A package hangs from the layer that brought it in (`introducedBy`); a package whose layer
///   is unknown (a directory or SBOM target) hangs from the image.
/// - A vulnerability hangs from every package it affects (open findings only: suppressed ones
///   are left out), the edge carrying the fixed version.
/// - Severity flows upwards: a package, layer, base or image carries the highest severity of the
///   vulnerabilities below it, so the colour of any node says what it leads to.
/// - Every node and edge on a path from an image to a critical or known-exploited (CISA KEV)
///   vulnerability is `highlighted`.
/// - Folded (the default): the packages of a layer that have no findings become one node
///   ("1,940 packages without findings"), so an image with thousands of packages stays readable.
///
/// Ids are stable and derived from content (digests, package ids, vulnerability ids), and nodes
/// and edges come out in a fixed order, so equal inputs give equal bytes in every format.
public struct DependencyGraph: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    case image, base, layer, package, vulnerability

    /// Its place from image (0) to vulnerability (4): the order of nodes and of columns.
    var rank: Int {
      switch self {
      case .image: 0
      case .base: 1
      case .layer: 2
      case .package: 3
      case .vulnerability: 4
      }
    }
  }

  public struct Node: Sendable, Hashable, Codable {
    public var id: String
    public var kind: Kind
    public var label: String
    /// More about the node: a digest, a version and ecosystem, a layer's `created_by`.
    public var detail: String?
    /// The highest severity of the vulnerabilities at or below this node (nil when none).
    public var severity: Severity?
    /// True when a known-exploited vulnerability is at or below this node.
    public var kev: Bool?
    /// On a path from an image to a critical or known-exploited vulnerability.
    public var highlighted: Bool?
    /// For a folded node: how many packages without findings it stands for.
    public var folded: Int?
    /// A layer's compressed size in bytes.
    public var size: Int64?
    /// For a layer: its position in its image (from 0).
    public var index: Int?

    public init(id: String, kind: Kind, label: String, detail: String? = nil) {
      self.id = id
      self.kind = kind
      self.label = label
      self.detail = detail
    }
  }

  public struct Edge: Sendable, Hashable, Codable {
    /// `built-on` (image → base), `layer` (image or base → layer), `contains` (layer or image
    /// → package), `affects` (package → vulnerability).
    public enum Kind: String, Sendable, Hashable, Codable {
      case builtOn = "built-on"
      case layer, contains, affects
    }
    public var from: String
    public var to: String
    public var kind: Kind
    public var highlighted: Bool?
    /// For `affects`: the version that fixes it, when there is one.
    public var fixedVersion: String?

    public init(from: String, to: String, kind: Kind) {
      self.from = from
      self.to = to
      self.kind = kind
    }
  }

  public var nodes: [Node]
  public var edges: [Edge]

  public init(nodes: [Node], edges: [Edge]) {
    self.nodes = nodes
    self.edges = edges
  }

  /// One image's part of the graph: what its scan found.
  public struct ImageInput: Sendable {
    public var sbom: SoftwareBOM
    /// The open findings (suppressed ones are not drawn).
    public var findings: [ScoredFinding]
    public init(sbom: SoftwareBOM, findings: [ScoredFinding]) {
      self.sbom = sbom
      self.findings = findings
    }
    public init(report: ScanReport) {
      self.init(sbom: report.sbom, findings: report.findings)
    }
  }

  public struct Options: Sendable, Hashable {
    /// Fold each layer's packages without findings into one node.
    public var foldClean: Bool
    /// Draw at most this many vulnerabilities per package (the most severe first; critical and
    /// known-exploited ones always), the rest as one node ("37 more: 2 high, 35 medium"); nil:
    /// every one.
    public var vulnerabilitiesPerPackage: Int?
    public init(foldClean: Bool = true, vulnerabilitiesPerPackage: Int? = nil) {
      self.foldClean = foldClean
      self.vulnerabilitiesPerPackage = vulnerabilitiesPerPackage.map { max(0, $0) }
    }
  }

  /// The label naming an image's base (OCI image-spec annotation, also set as a label).
  public static let baseNameLabel = "org.opencontainers.image.base.name"
  public static let baseDigestLabel = "org.opencontainers.image.base.digest"

  public init(report: ScanReport, options: Options = Options()) {
    self.init(images: [ImageInput(report: report)], options: options)
  }

  public init(images: [ImageInput], options: Options = Options()) {
    var builder = Builder(options: options)
    for image in images { builder.add(image) }
    self = builder.finish()
  }

  /// Counts of nodes per kind (folded nodes count as the packages they stand for under
  /// `foldedPackages`).
  public struct Summary: Sendable, Hashable, Codable {
    public var images = 0
    public var bases = 0
    public var layers = 0
    public var packages = 0
    public var foldedPackages = 0
    public var vulnerabilities = 0
    /// Vulnerabilities folded into "N more" nodes (`vulnerabilitiesPerPackage`).
    public var foldedVulnerabilities = 0
    public var critical = 0
    public var knownExploited = 0
    public var highlightedPaths = 0
  }

  public var summary: Summary {
    var s = Summary()
    for node in nodes {
      switch node.kind {
      case .image: s.images += 1
      case .base: s.bases += 1
      case .layer: s.layers += 1
      case .package:
        if let folded = node.folded { s.foldedPackages += folded } else { s.packages += 1 }
      case .vulnerability:
        if let folded = node.folded {
          s.foldedVulnerabilities += folded
          continue
        }
        s.vulnerabilities += 1
        if node.severity == .critical { s.critical += 1 }
        if node.kev == true { s.knownExploited += 1 }
      }
    }
    s.highlightedPaths = edges.filter { $0.kind == .affects && $0.highlighted == true }.count
    return s
  }

  /// One line saying what the graph shows (the text alternative of its picture).
  public var description: String {
    let s = summary
    var parts = [
      Self.count(s.images, "image"), Self.count(s.bases, "base image"),
      Self.count(s.layers, "layer"), Self.count(s.packages, "package") + " shown",
    ]
    if s.foldedPackages > 0 {
      parts.append("\(Self.grouped(s.foldedPackages)) without findings folded")
    }
    parts.append(
      Self.count(s.vulnerabilities, "vulnerability", plural: "vulnerabilities")
        + " (\(s.critical) critical, \(s.knownExploited) known exploited)")
    if s.foldedVulnerabilities > 0 {
      parts.append("\(Self.grouped(s.foldedVulnerabilities)) less severe findings folded")
    }
    return parts.joined(separator: ", ")
  }

  static func count(_ n: Int, _ word: String, plural: String? = nil) -> String {
    "\(grouped(n)) " + (n == 1 ? word : plural ?? word + "s")
  }

  static func grouped(_ n: Int) -> String {
    let digits = String(n)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0, (digits.count - i) % 3 == 0 { out += "," }
      out.append(c)
    }
    return out
  }

  /// The paths to critical and known-exploited vulnerabilities, one row per package and
  /// vulnerability, from image to vulnerability (ids of nodes, in order).
  public var highlightedPaths: [[String]] {
    var parents: [String: [String]] = [:]
    for edge in edges where edge.highlighted == true {
      parents[edge.to, default: []].append(edge.from)
    }
    var paths: [[String]] = []
    func walk(_ id: String, _ suffix: [String]) {
      guard let ups = parents[id], !ups.isEmpty else {
        paths.append([id] + suffix)
        return
      }
      for up in ups { walk(up, [id] + suffix) }
    }
    for edge in edges where edge.kind == .affects && edge.highlighted == true {
      walk(edge.from, [edge.to])
    }
    return paths
  }
}

// MARK: Building

extension DependencyGraph {
  struct Builder {
    let options: Options
    var nodes: [String: Node] = [:]
    /// Insertion order of the nodes of each kind (the drawing order).
    var order: [String] = []
    var edges: [String: Edge] = [:]
    var edgeOrder: [String] = []

    init(options: Options) { self.options = options }

    mutating func node(_ node: Node) {
      if nodes[node.id] == nil {
        nodes[node.id] = node
        order.append(node.id)
      }
    }

    mutating func edge(_ edge: Edge) {
      let key = edge.from + "\u{0}" + edge.to
      if edges[key] == nil {
        edges[key] = edge
        edgeOrder.append(key)
      }
    }

    mutating func add(_ input: ImageInput) {
      let image = input.sbom.image
      let imageID = "image:" + (image.manifestDigest?.description ?? image.target)
      var imageNode = Node(
        id: imageID, kind: .image, label: image.reference ?? image.target,
        detail: image.manifestDigest?.description)
      if let platform = image.platform {
        imageNode.detail = (imageNode.detail ?? "") + " \(platform)"
      }
      node(imageNode)

      // The base image: the leading layers marked as its own.
      let baseLayers = image.layers.prefix { $0.isBaseLayer == true }
      var baseID: String?
      if let top = baseLayers.last {
        let id = "base:" + top.digest.description
        let labels = image.config.labels
        let name = labels[DependencyGraph.baseNameLabel]
        var base = Node(
          id: id, kind: .base,
          label: name ?? "base image (\(DependencyGraph.count(baseLayers.count, "layer")))",
          detail: labels[DependencyGraph.baseDigestLabel])
        if let existing = nodes[id], existing.label.hasPrefix("base image ("), name != nil {
          base.detail = base.detail ?? existing.detail
          nodes[id] = base
        }
        node(base)
        edge(Edge(from: imageID, to: id, kind: .builtOn))
        baseID = id
      }

      var layerIDs: [Int: String] = [:]
      var layerByDigest: [Digest: String] = [:]
      for layer in image.layers {
        let id = "layer:" + layer.digest.description
        var n = Node(
          id: id, kind: .layer,
          label: LayerLabel.text(layer.index) + " " + Self.step(layer.createdBy),
          detail: layer.digest.description)
        n.size = layer.size
        n.index = layer.index
        node(n)
        let parent = layer.isBaseLayer == true ? (baseID ?? imageID) : imageID
        edge(Edge(from: parent, to: id, kind: .layer))
        layerIDs[layer.index] = id
        layerByDigest[layer.digest] = id
      }

      // Open findings per package.
      var findingsByPackage: [String: [ScoredFinding]] = [:]
      for finding in input.findings {
        findingsByPackage[finding.finding.packageID, default: []].append(finding)
      }
      // Packages come sorted by layer, so each layer's are contiguous: its folded node follows
      // its packages with findings.
      var foldedParent: String?
      var foldedCount = 0
      let packages = input.sbom.packages.sorted { Self.packageOrder($0, $1) }
      for package in packages {
        let parent =
          package.introducedBy.flatMap { layerByDigest[$0] }
          ?? package.introducedByIndex.flatMap { layerIDs[$0] } ?? imageID
        if parent != foldedParent {
          if let done = foldedParent { fold(foldedCount, under: done) }
          foldedParent = parent
          foldedCount = 0
        }
        let findings = findingsByPackage[package.id] ?? []
        if findings.isEmpty && options.foldClean {
          foldedCount += 1
          continue
        }
        let id = "package:" + parent + "/" + package.id
        node(
          Node(
            id: id, kind: .package, label: package.name + " " + package.version,
            detail: package.purl.description))
        edge(Edge(from: parent, to: id, kind: .contains))
        let (drawn, rest) = Self.split(findings, keep: options.vulnerabilitiesPerPackage)
        if !rest.isEmpty { more(rest, of: id) }
        for scored in drawn {
          let vid = "vulnerability:" + scored.finding.primaryID
          var v = Node(
            id: vid, kind: .vulnerability, label: scored.finding.primaryID,
            detail: scored.finding.summary)
          v.severity = scored.assessment.severity
          v.kev = scored.assessment.risk.threat.source == .kev ? true : nil
          if let existing = nodes[vid] {
            // The same vulnerability through another package or image: the strongest view.
            if (existing.severity ?? .unknown) > (v.severity ?? .unknown) {
              v.severity = existing.severity
            }
            if existing.kev == true { v.kev = true }
            v.detail = existing.detail ?? v.detail
            nodes[vid] = v
          }
          node(v)
          var e = Edge(from: id, to: vid, kind: .affects)
          e.fixedVersion = scored.finding.fixedVersion
          edge(e)
        }
      }
      if let done = foldedParent { fold(foldedCount, under: done) }
    }

    /// A package's findings to draw and to fold: the KEEP most severe (known-exploited first
    /// among equals), plus every critical or known-exploited one, so no highlighted path is lost.
    static func split(_ findings: [ScoredFinding], keep: Int?) -> (
      [ScoredFinding], [ScoredFinding]
    ) {
      guard let keep, findings.count > keep else { return (findings, []) }
      let ordered = findings.sorted {
        let (a, b) = ($0.assessment, $1.assessment)
        if a.severity != b.severity { return a.severity > b.severity }
        let (ka, kb) = (a.risk.threat.source == .kev, b.risk.threat.source == .kev)
        if ka != kb { return ka }
        return $0.finding.primaryID < $1.finding.primaryID
      }
      var drawn: [ScoredFinding] = []
      var rest: [ScoredFinding] = []
      for (i, f) in ordered.enumerated() {
        let hot = f.assessment.severity == .critical || f.assessment.risk.threat.source == .kev
        if i < keep || hot { drawn.append(f) } else { rest.append(f) }
      }
      return (drawn, rest)
    }

    /// One node for the vulnerabilities of PACKAGE that are not drawn, with their counts by
    /// severity.
    mutating func more(_ rest: [ScoredFinding], of package: String) {
      var bySeverity: [Severity: Int] = [:]
      for f in rest { bySeverity[f.assessment.severity, default: 0] += 1 }
      let counts = Severity.allCases.reversed().compactMap { s in
        bySeverity[s].map { "\($0) \(s.rawValue)" }
      }
      var n = Node(
        id: "more:" + package, kind: .vulnerability,
        label: "\(DependencyGraph.grouped(rest.count)) more: " + counts.joined(separator: ", "),
        detail: rest.map(\.finding.primaryID).sorted().joined(separator: " "))
      n.folded = rest.count
      n.severity = bySeverity.keys.max()
      node(n)
      edge(Edge(from: package, to: n.id, kind: .affects))
    }

    /// One node for PARENT's COUNT packages without findings.
    mutating func fold(_ count: Int, under parent: String) {
      guard count > 0 else { return }
      let id = "folded:" + parent
      if var existing = nodes[id] {
        // A layer shared by two images is counted once: its packages are the same.
        existing.folded = max(existing.folded ?? 0, count)
        existing.label =
          DependencyGraph.count(existing.folded ?? 0, "package") + " without findings"
        nodes[id] = existing
        return
      }
      var n = Node(
        id: id, kind: .package, label: DependencyGraph.count(count, "package") + " without findings"
      )
      n.folded = count
      node(n)
      edge(Edge(from: parent, to: id, kind: .contains))
    }

    /// A layer's Dockerfile step, shortened: the shell prefix and `#(nop)` dropped, at most 60
    /// characters.
    static func step(_ createdBy: String?) -> String {
      var text = (createdBy ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
      for prefix in ["/bin/sh -c #(nop) ", "/bin/sh -c ", "|"] where text.hasPrefix(prefix) {
        text = String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
      }
      text = text.replacingOccurrences(of: "\n", with: " ")
      return text.count > 60 ? String(text.prefix(59)) + "…" : text
    }

    /// Packages by layer, then name and version (stable: ids break ties).
    static func packageOrder(_ a: Package, _ b: Package) -> Bool {
      let la = a.introducedByIndex ?? Int.max
      let lb = b.introducedByIndex ?? Int.max
      if la != lb { return la < lb }
      if a.name != b.name { return a.name < b.name }
      if a.version != b.version { return a.version < b.version }
      return a.id < b.id
    }

    func finish() -> DependencyGraph {
      var nodes = self.nodes
      var edges = edgeOrder.compactMap { self.edges[$0] }
      var children: [String: [Int]] = [:]
      for (i, e) in edges.enumerated() { children[e.from, default: []].append(i) }

      // Severity and KEV flow upwards (post-order over the DAG, memoised).
      var done: [String: (Severity?, Bool)] = [:]
      func reach(_ id: String) -> (Severity?, Bool) {
        if let known = done[id] { return known }
        var severity = nodes[id]?.kind == .vulnerability ? nodes[id]?.severity : nil
        var kev = nodes[id]?.kev == true
        for i in children[id] ?? [] {
          let (s, k) = reach(edges[i].to)
          if let s, s > (severity ?? .unknown) || severity == nil { severity = s }
          kev = kev || k
        }
        done[id] = (severity, kev)
        return (severity, kev)
      }
      for id in order {
        let (severity, kev) = reach(id)
        nodes[id]?.severity = severity
        nodes[id]?.kev = kev ? true : nil
      }

      // Highlight: every path from an image to a critical or known-exploited vulnerability.
      func hot(_ id: String) -> Bool {
        guard let n = nodes[id], n.kind == .vulnerability else { return false }
        return n.severity == .critical || n.kev == true
      }
      var onPath: [String: Bool] = [:]
      func leads(_ id: String) -> Bool {
        if let known = onPath[id] { return known }
        var result = hot(id)
        for i in children[id] ?? [] where leads(edges[i].to) { result = true }
        onPath[id] = result
        return result
      }
      for id in order where leads(id) { nodes[id]?.highlighted = true }
      for i in edges.indices where leads(edges[i].to) && leads(edges[i].from) {
        edges[i].highlighted = true
      }

      // By kind; vulnerabilities most severe first, known-exploited first, then by id; every
      // other kind in the order it was met.
      let met = order.enumerated().compactMap { i, id in nodes[id].map { (i, $0) } }
      let sorted = met.sorted { a, b in
        let (x, y) = (a.1, b.1)
        if x.kind.rank != y.kind.rank { return x.kind.rank < y.kind.rank }
        if x.kind == .vulnerability {
          let (sx, sy) = (x.severity ?? .unknown, y.severity ?? .unknown)
          if sx != sy { return sx > sy }
          if (x.kev == true) != (y.kev == true) { return x.kev == true }
          return x.id < y.id
        }
        return a.0 < b.0
      }.map(\.1)
      return DependencyGraph(nodes: sorted, edges: edges)
    }
  }
}
