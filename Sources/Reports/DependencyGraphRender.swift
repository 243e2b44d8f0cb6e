import Foundation
import TailguardModel

/// Where each node of a `DependencyGraph` is drawn. The graph is layered by construction
/// (image → base → layer → package → vulnerability), so no general graph layout is needed: each
/// kind is a column; the longer of the package and vulnerability columns is stacked in order
/// (packages by layer, vulnerabilities by the first package they affect) and every other node is
/// placed level with the first node it connects to, pushed down just enough not to overlap, so
/// the picture reads top-down like a tree. Linear
/// in nodes and edges, deterministic, and no Graphviz needed at run time.
public struct DependencyGraphLayout: Sendable {
  public static let nodeWidth = 240
  public static let nodeHeight = 20
  public static let rowHeight = 26
  public static let columnGap = 70
  public static let margin = 16
  public static let header = 28

  /// Per node (in `graph.nodes` order): the top-left corner of its box.
  public var x: [Int]
  public var y: [Int]
  public var width: Int
  public var height: Int
  /// The columns drawn, left to right.
  public var columns: [DependencyGraph.Kind]

  public init(_ graph: DependencyGraph) {
    let kinds = DependencyGraph.Kind.allCases.filter { kind in
      graph.nodes.contains { $0.kind == kind }
    }
    columns = kinds
    let columnOf = Dictionary(uniqueKeysWithValues: kinds.enumerated().map { ($1, $0) })
    var index: [String: Int] = [:]
    for (i, node) in graph.nodes.enumerated() { index[node.id] = i }
    var parents = [[Int]](repeating: [], count: graph.nodes.count)
    var children = [[Int]](repeating: [], count: graph.nodes.count)
    for edge in graph.edges {
      guard let from = index[edge.from], let to = index[edge.to] else { continue }
      parents[to].append(from)
      children[from].append(to)
    }
    let row = Double(Self.rowHeight)
    var position = [Double?](repeating: nil, count: graph.nodes.count)

    func members(_ kind: DependencyGraph.Kind) -> [Int] {
      graph.nodes.indices.filter { graph.nodes[$0].kind == kind }
    }
    /// Beside the first of IDS (a tree read top-down: a node starts where what it holds starts).
    func first(_ ids: [Int]) -> Double? { ids.compactMap { position[$0] }.min() }
    /// Places IDS in order at their ideal heights, each at least a row below the previous.
    func sweep(_ ids: [Int], ideal: (Int) -> Double?) {
      var next = 0.0
      for id in ids {
        let y = max(ideal(id) ?? next, next)
        position[id] = y
        next = y + row
      }
    }

    // The longer of the package and vulnerability columns is the backbone, stacked in order;
    // the other is placed beside it.
    let packages = members(.package)
    var ideal: [(id: Int, y: Double)] = []
    if packages.count >= members(.vulnerability).count {
      sweep(packages) { _ in nil }
      for id in members(.vulnerability) { ideal.append((id, first(parents[id]) ?? 0)) }
    } else {
      // Vulnerabilities in the order of the first package they affect.
      let rank = Dictionary(uniqueKeysWithValues: packages.enumerated().map { ($1, Double($0)) })
      for id in members(.vulnerability) {
        ideal.append((id, parents[id].compactMap { rank[$0] }.min() ?? 0))
      }
    }
    ideal.sort { (a, b) -> Bool in a.y != b.y ? a.y < b.y : a.id < b.id }
    let vulnerabilities = ideal.map { $0.id }
    if packages.count >= vulnerabilities.count {
      sweep(vulnerabilities) { first(parents[$0]) }
    } else {
      sweep(vulnerabilities) { _ in nil }
      sweep(packages) { first(children[$0]) }
    }
    // Layers, bases and images beside what they hold, in their own order.
    sweep(members(.layer)) { first(children[$0]) }
    sweep(members(.base)) { first(children[$0]) }
    sweep(members(.image)) { first(children[$0]) }

    let columnStep = Self.nodeWidth + Self.columnGap
    x = graph.nodes.map { Self.margin + (columnOf[$0.kind] ?? 0) * columnStep }
    let top = Self.margin + Self.header
    y = position.map { (p: Double?) -> Int in top + Int((p ?? 0).rounded()) }
    width = Self.margin * 2 + max(1, kinds.count) * columnStep - Self.columnGap
    height = (y.max() ?? 0) + Self.nodeHeight + Self.margin
  }
}

/// The formats of `tailguard graph -o`: DOT (for Graphviz), SVG, JSON and a self-contained HTML
/// page. The SVG is drawn from `DependencyGraphLayout`; the HTML adds a text alternative (the
/// paths to critical and known-exploited vulnerabilities as a table), a filter that shows only
/// those paths, and layers that fold and unfold their packages.
public enum DependencyGraphRenderer {
  // MARK: JSON

  /// `{nodes: [{id, kind, label, …}], edges: [{from, to, kind, …}]}`, keys sorted.
  public static func json(_ graph: DependencyGraph) throws -> Data {
    try JSONReport.encode(graph)
  }

  // MARK: DOT

  public static func dot(_ graph: DependencyGraph, title: String) -> String {
    var out = "digraph tailguard {\n"
    out += "  graph [rankdir=LR, fontname=\"Helvetica\", label=\(quoted(title)), labelloc=t];\n"
    out += "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n"
    out += "  edge [color=\"#8c959f\", arrowsize=0.6];\n"
    for node in graph.nodes {
      let (fill, stroke) = colours(node.severity)
      var attributes = [
        "label=\(quoted(text(node)))", "fillcolor=\"\(fill)\"", "color=\"\(stroke)\"",
        "tooltip=\(quoted(tooltip(node)))",
      ]
      if node.highlighted == true { attributes.append("penwidth=2") }
      out += "  \(quoted(node.id)) [\(attributes.joined(separator: ", "))];\n"
    }
    for edge in graph.edges {
      var attributes: [String] = []
      if edge.highlighted == true { attributes += ["color=\"#a40e26\"", "penwidth=2"] }
      if let fixed = edge.fixedVersion { attributes.append("label=\(quoted("fixed in " + fixed))") }
      let tail = attributes.isEmpty ? "" : " [\(attributes.joined(separator: ", "))]"
      out += "  \(quoted(edge.from)) -> \(quoted(edge.to))\(tail);\n"
    }
    return out + "}\n"
  }

  /// A DOT string: backslashes and quotes escaped, line breaks dropped (so no escape sequence
  /// or markup of the input reaches Graphviz).
  static func quoted(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n", "\r": out += " "
      default: out.unicodeScalars.append(c.value < 0x20 ? " " : c)
      }
    }
    return out + "\""
  }

  // MARK: SVG

  /// The graph as SVG. STANDALONE adds the style sheet inside the SVG (a file on its own);
  /// without it the page that embeds the SVG supplies `style` (a dashboard whose
  /// Content-Security-Policy forbids inline styles).
  public static func svg(_ graph: DependencyGraph, title: String, standalone: Bool = true)
    -> String
  {
    let layout = DependencyGraphLayout(graph)
    var out = ""
    out.reserveCapacity(graph.nodes.count * 400 + graph.edges.count * 160)
    let namespace = standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : ""
    out +=
      "<svg\(namespace) class=\"dependency-graph\" viewBox=\"0 0 \(layout.width) \(layout.height)\" width=\"\(layout.width)\" height=\"\(layout.height)\" role=\"img\" aria-labelledby=\"graph-title graph-desc\">\n"
    out += "<title id=\"graph-title\">\(HTMLText.escape(title))</title>\n"
    out += "<desc id=\"graph-desc\">\(HTMLText.escape(graph.description))</desc>\n"
    if standalone { out += "<style>\(style)</style>\n" }
    let step = DependencyGraphLayout.nodeWidth + DependencyGraphLayout.columnGap
    for (i, kind) in layout.columns.enumerated() {
      out +=
        "<text class=\"column\" x=\(attr(DependencyGraphLayout.margin + i * step)) y=\(attr(DependencyGraphLayout.margin + 12))>\(columnTitle(kind))</text>\n"
    }
    var index: [String: Int] = [:]
    for (i, node) in graph.nodes.enumerated() { index[node.id] = i }
    // The layer (or image) each package hangs from, so a layer can fold its packages.
    var holder: [Int: Int] = [:]
    for edge in graph.edges where edge.kind == .contains {
      if let from = index[edge.from], let to = index[edge.to] { holder[to] = from }
    }
    let w = DependencyGraphLayout.nodeWidth
    let h = DependencyGraphLayout.nodeHeight
    out += "<g class=\"edges\">\n"
    for edge in graph.edges {
      guard let a = index[edge.from], let b = index[edge.to] else { continue }
      let x1 = layout.x[a] + w
      let y1 = layout.y[a] + h / 2
      let x2 = layout.x[b]
      let y2 = layout.y[b] + h / 2
      let bend = (x2 - x1) / 2
      let hl = edge.highlighted == true ? " hl" : ""
      out +=
        "<path class=\"edge \(edge.kind.rawValue)\(hl)\" data-from=\"n\(a)\" data-to=\"n\(b)\" d=\"M\(x1) \(y1)C\(x1 + bend) \(y1) \(x2 - bend) \(y2) \(x2) \(y2)\"/>\n"
    }
    out += "</g>\n<g class=\"nodes\">\n"
    for (i, node) in graph.nodes.enumerated() {
      let severity = node.severity.map { " sev-\($0.rawValue)" } ?? " sev-none"
      let hl = node.highlighted == true ? " hl" : ""
      let folded = node.folded != nil ? " folded" : ""
      var extra = ""
      if let parent = holder[i] { extra += " data-holder=\"n\(parent)\"" }
      if node.kind == .layer || node.kind == .image {
        extra += " tabindex=\"0\" role=\"button\" aria-expanded=\"true\""
      }
      out +=
        "<g class=\"node \(node.kind.rawValue)\(severity)\(hl)\(folded)\" id=\"n\(i)\"\(extra)>"
      out += "<title>\(HTMLText.escape(tooltip(node)))</title>"
      out +=
        "<rect x=\(attr(layout.x[i])) y=\(attr(layout.y[i])) width=\"\(w)\" height=\"\(h)\" rx=\"4\"/>"
      let tag = severityTag(node)
      // Room for the label beside the tag (bold, smaller): about 6 px per label character.
      let room = tag.isEmpty ? 38 : 35 - tag.count
      out +=
        "<text x=\(attr(layout.x[i] + 6)) y=\(attr(layout.y[i] + 14))>\(HTMLText.escape(clip(node.label, room)))</text>"
      if !tag.isEmpty {
        out +=
          "<text class=\"tag\" x=\(attr(layout.x[i] + w - 5)) y=\(attr(layout.y[i] + 14))>\(tag)</text>"
      }
      out += "</g>\n"
    }
    out += "</g>\n</svg>\n"
    return out
  }

  static func attr(_ n: Int) -> String { "\"\(n)\"" }

  static func columnTitle(_ kind: DependencyGraph.Kind) -> String {
    switch kind {
    case .image: "Images"
    case .base: "Base images"
    case .layer: "Layers"
    case .package: "Packages"
    case .vulnerability: "Vulnerabilities"
    }
  }

  /// Severity as text (colour is never the only carrier): `CRITICAL`, `HIGH`, … and `KEV`.
  static func severityTag(_ node: DependencyGraph.Node) -> String {
    var parts: [String] = []
    if let s = node.severity, s != .unknown { parts.append(s.rawValue.uppercased()) }
    if node.kev == true { parts.append("KEV") }
    return parts.joined(separator: " ")
  }

  static func clip(_ s: String, _ n: Int) -> String {
    s.count > n ? String(s.prefix(max(1, n - 1))) + "…" : s
  }

  static func text(_ node: DependencyGraph.Node) -> String {
    let tag = severityTag(node)
    return tag.isEmpty ? node.label : node.label + " · " + tag
  }

  static func tooltip(_ node: DependencyGraph.Node) -> String {
    var lines = ["\(node.kind.rawValue): \(node.label)"]
    if let detail = node.detail, !detail.isEmpty { lines.append(detail) }
    if let size = node.size { lines.append("size \(ByteSize.text(size))") }
    if let s = node.severity { lines.append("severity \(s.rawValue)") }
    if node.kev == true { lines.append("known exploited (CISA KEV)") }
    if node.highlighted == true {
      lines.append("on a path to a critical or known-exploited vulnerability")
    }
    return lines.joined(separator: "\n")
  }

  static func colours(_ severity: Severity?) -> (fill: String, stroke: String) {
    switch severity {
    case .critical: ("#ffd7d5", "#a40e26")
    case .high: ("#ffe2cc", "#bc4c00")
    case .medium: ("#fff3c4", "#9a6700")
    case .low: ("#dafbe1", "#1a7f37")
    case .negligible, .unknown: ("#eaeef2", "#57606a")
    case nil: ("#f6f8fa", "#8c959f")
    }
  }

  /// The graph's style sheet (inside a standalone SVG, or served by a page).
  public static let style: String = {
    var css = """
      .dependency-graph{font-family:system-ui,sans-serif;font-size:11px;background:#fff}
      .dependency-graph .column{font-weight:600;font-size:12px;fill:#1b1f24}
      .dependency-graph .edge{fill:none;stroke:#afb8c1;stroke-width:1}
      .dependency-graph .edge.hl{stroke:#a40e26;stroke-width:2}
      .dependency-graph .node rect{stroke-width:1}
      .dependency-graph .node.hl rect{stroke-width:2.5}
      .dependency-graph .node text{fill:#1b1f24}
      .dependency-graph .node .tag{text-anchor:end;font-weight:600;font-size:9px}
      .dependency-graph .node.folded rect{stroke-dasharray:3 2}
      .dependency-graph .node[role=button]{cursor:pointer}
      .dependency-graph .node:focus rect{stroke:#0969da;stroke-width:3}
      .dependency-graph .hidden{display:none}
      .dependency-graph.focus .node:not(.hl),.dependency-graph.focus .edge:not(.hl){opacity:.12}

      """
    for (name, severity) in [
      ("critical", Severity.critical), ("high", .high), ("medium", .medium), ("low", .low),
      ("negligible", .negligible), ("unknown", .unknown),
    ] {
      let (fill, stroke) = colours(severity)
      css += ".dependency-graph .sev-\(name) rect{fill:\(fill);stroke:\(stroke)}\n"
    }
    let (fill, stroke) = colours(nil)
    css += ".dependency-graph .sev-none rect{fill:\(fill);stroke:\(stroke)}\n"
    return css
  }()

  /// The graph's interaction (no inline handlers: a page may serve it as a file under a
  /// Content-Security-Policy): a layer or image node folds and unfolds what hangs from it
  /// (click, Enter or Space), and a checkbox `#graph-focus` shows only the highlighted paths.
  public static let script = """
    (function(){
    var svg=document.querySelector('svg.dependency-graph');if(!svg)return;
    function edgesOf(id,side){return svg.querySelectorAll('.edge[data-'+side+'="'+id+'"]');}
    function setHidden(node,hidden){node.classList.toggle('hidden',hidden);
    edgesOf(node.id,'to').forEach(function(e){e.classList.toggle('hidden',hidden);});
    edgesOf(node.id,'from').forEach(function(e){e.classList.toggle('hidden',hidden);
    var t=document.getElementById(e.dataset.to);if(!t||!t.classList.contains('vulnerability'))return;
    var open=Array.prototype.some.call(edgesOf(t.id,'to'),function(x){return !x.classList.contains('hidden');});
    t.classList.toggle('hidden',!open);});}
    function toggle(holder){var open=holder.getAttribute('aria-expanded')!=='false';
    holder.setAttribute('aria-expanded',open?'false':'true');
    svg.querySelectorAll('.node[data-holder="'+holder.id+'"]').forEach(function(n){setHidden(n,open);});}
    svg.querySelectorAll('.node[role=button]').forEach(function(n){
    n.addEventListener('click',function(){toggle(n);});
    n.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();toggle(n);}});});
    var focus=document.getElementById('graph-focus');
    if(focus){focus.addEventListener('change',function(){svg.classList.toggle('focus',focus.checked);});}
    })();
    """

  // MARK: HTML

  /// A self-contained page: the SVG with its controls, and as its text alternative the paths to
  /// critical and known-exploited vulnerabilities and the list of vulnerabilities.
  public static func html(_ graph: DependencyGraph, title: String) -> String {
    var out = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(HTMLText.escape(title))</title>
      <style>\(pageStyle)\(style)</style>
      </head>
      <body>
      <h1>\(HTMLText.escape(title))</h1>
      <p id="summary">\(HTMLText.escape(graph.description)).</p>

      """
    out += fragment(graph, title: title)
    out += "<script>\(script)</script>\n</body>\n</html>\n"
    return out
  }

  /// The graph with its controls and text alternative, for embedding in a page that supplies
  /// `style` and `script` (the dashboard) or in `html`.
  public static func fragment(_ graph: DependencyGraph, title: String) -> String {
    var out = """
      <p class="graph-controls"><label><input type="checkbox" id="graph-focus"> Only the paths to critical and known-exploited vulnerabilities</label> · Click a layer (or press Enter on it) to fold its packages.</p>
      <p class="legend">Colour and tag give the highest severity at or below a node: <span class="sw sev-critical">CRITICAL</span> <span class="sw sev-high">HIGH</span> <span class="sw sev-medium">MEDIUM</span> <span class="sw sev-low">LOW</span> <span class="sw sev-none">none</span>; KEV: known exploited (CISA); a thick red line: a path to a critical or known-exploited vulnerability.</p>
      <div class="graph-frame">

      """
    out += svg(graph, title: title, standalone: false)
    out += "</div>\n"
    out += pathsTable(graph)
    out += vulnerabilityTable(graph)
    return out
  }

  static func pathsTable(_ graph: DependencyGraph) -> String {
    let byID = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0) })
    let fixed = Dictionary(
      graph.edges.filter { $0.kind == .affects }.map {
        ($0.from + "\u{0}" + $0.to, $0.fixedVersion)
      },
      uniquingKeysWith: { a, _ in a })
    var out =
      "<h2>Paths to critical and known-exploited vulnerabilities</h2>\n"
    let paths = graph.highlightedPaths
    if paths.isEmpty { return out + "<p id=\"no-paths\">None.</p>\n" }
    out +=
      "<table id=\"paths\"><thead><tr><th scope=\"col\">Image</th><th scope=\"col\">Base image</th><th scope=\"col\">Layer</th><th scope=\"col\">Package</th><th scope=\"col\">Vulnerability</th><th scope=\"col\">Severity</th><th scope=\"col\">KEV</th><th scope=\"col\">Fixed in</th></tr></thead><tbody>\n"
    for path in paths {
      let nodes = path.compactMap { byID[$0] }
      func label(_ kind: DependencyGraph.Kind) -> String {
        HTMLText.escape(nodes.first { $0.kind == kind }?.label ?? "")
      }
      guard let vulnerability = nodes.last, nodes.count >= 2 else { continue }
      let package = nodes[nodes.count - 2]
      let fix = fixed[package.id + "\u{0}" + vulnerability.id] ?? nil
      out +=
        "<tr><td>\(label(.image))</td><td>\(label(.base))</td><td>\(label(.layer))</td><td>\(HTMLText.escape(package.label))</td><td>\(HTMLText.escape(vulnerability.label))</td><td>\(vulnerability.severity?.rawValue ?? "")</td><td>\(vulnerability.kev == true ? "yes" : "")</td><td>\(HTMLText.escape(fix ?? ""))</td></tr>\n"
    }
    return out + "</tbody></table>\n"
  }

  static func vulnerabilityTable(_ graph: DependencyGraph) -> String {
    var packages: [String: Int] = [:]
    for edge in graph.edges where edge.kind == .affects { packages[edge.to, default: 0] += 1 }
    let vulnerabilities = graph.nodes.filter { $0.kind == .vulnerability }
    var out = "<h2>Vulnerabilities</h2>\n"
    if vulnerabilities.isEmpty { return out + "<p>None.</p>\n" }
    out +=
      "<table id=\"vulnerabilities\"><thead><tr><th scope=\"col\">Vulnerability</th><th scope=\"col\">Severity</th><th scope=\"col\">KEV</th><th scope=\"col\">Packages</th><th scope=\"col\">Summary</th></tr></thead><tbody>\n"
    for v in vulnerabilities {
      out +=
        "<tr><td>\(HTMLText.escape(v.label))</td><td>\(v.severity?.rawValue ?? "")</td><td>\(v.kev == true ? "yes" : "")</td><td>\(packages[v.id] ?? 0)</td><td>\(HTMLText.escape(v.detail ?? ""))</td></tr>\n"
    }
    return out + "</tbody></table>\n"
  }

  static let pageStyle = """
    body{font-family:system-ui,sans-serif;margin:2em;color:#1b1f24}
    table{border-collapse:collapse;font-size:.9em;margin-bottom:1.5em}th,td{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left}
    th{background:#f6f8fa}.graph-frame{overflow:auto;max-height:80vh;border:1px solid #d0d7de}
    .legend .sw{padding:0 4px;border:1px solid #8c959f;border-radius:3px;font-size:.85em}
    .legend .sev-critical{background:#ffd7d5}.legend .sev-high{background:#ffe2cc}.legend .sev-medium{background:#fff3c4}.legend .sev-low{background:#dafbe1}.legend .sev-none{background:#f6f8fa}

    """
}
