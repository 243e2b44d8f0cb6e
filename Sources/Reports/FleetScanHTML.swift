import TailguardModel

/// `fleet scan -o html`: one self-contained file (no external scripts, fonts or styles) with
/// the headline, a long-tail chart, a head/tail comparison chart, the alerts and a sortable
/// image table. Charts are inline SVG with titles and axis labels, readable without JavaScript;
/// the only script sorts the table when a header is clicked.
public struct FleetScanHTML: Sendable {
  public init() {}

  public func render(_ report: FleetScanReport) -> String {
    var out = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>tailguard fleet scan</title>
      <style>\(Self.style)</style>
      </head>
      <body>
      <h1>Fleet scan</h1>
      <p class="headline" id="headline">\(Self.escape(report.headline))</p>
      <p class="meta">tailguard \(Self.escape(report.toolVersion)) · as of \(Self.escape(report.asOf)) · \(report.images.count) images · \(report.alerts.count) alerts · \(report.unresolved.count) unresolved references</p>

      """
    out += "<h2>The long tail</h2>\n" + longTailChart(report) + "\n"
    out += "<h2>Head and tail</h2>\n" + segmentChart(report) + "\n"
    out += alerts(report)
    out += imageTable(report)
    if !report.unresolved.isEmpty {
      out +=
        "<h2>Unresolved references</h2>\n<table id=\"unresolved\"><thead><tr><th>File</th><th>Line</th><th>Reference</th><th>Reason</th></tr></thead><tbody>\n"
      for u in report.unresolved {
        out +=
          "<tr><td>\(Self.escape(u.file))</td><td>\(u.line)</td><td>\(Self.escape(u.reference))</td><td>\(Self.escape(u.reason))</td></tr>\n"
      }
      out += "</tbody></table>\n"
    }
    let d = report.definitions
    out += """
      <h2>Definitions</h2>
      <ul class="definitions">
      <li>Rank key: \(Self.escape(d.rankKey.rawValue)); head: the \(d.head) most used images; tail: the rest.</li>
      <li>Counting unit: \(Self.escape(d.countingUnit)).</li>
      <li>Replicas: \(Self.escape(d.replicas)).</li>
      <li>Alerts: \(Self.escape(d.alertFloor)).</li>
      </ul>
      <script>\(Self.script)</script>
      </body>
      </html>

      """
    return out
  }

  // MARK: Charts

  /// Images ranked by usage left to right: a bar per image for its usage (left axis) and a
  /// point per image for its open findings (right axis); a dashed line marks the head/tail cut.
  func longTailChart(_ report: FleetScanReport) -> String {
    let images = report.images.sorted { $0.rank < $1.rank }
    let key = report.definitions.rankKey
    let usage = images.map { key == .pulls ? $0.usage.pulls ?? 0 : $0.usage.replicas }
    let (width, height, left, right, top, bottom) = (900.0, 320.0, 60.0, 60.0, 30.0, 50.0)
    let plotW = width - left - right
    let plotH = height - top - bottom
    let maxUsage = Double(max(1, usage.max() ?? 1))
    let maxFindings = Double(max(1, images.map(\.findings.total).max() ?? 1))
    let step = images.isEmpty ? plotW : plotW / Double(images.count)
    var svg =
      "<svg id=\"long-tail-chart\" role=\"img\" aria-labelledby=\"lt-title\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
    svg +=
      "<title id=\"lt-title\">Images ranked by \(key.rawValue) (bars, left axis) and their open findings (points, right axis)</title>\n"
    svg += axis(x: left, y: top, plotW: plotW, plotH: plotH)
    for (i, image) in images.enumerated() {
      let h = Double(usage[i]) / maxUsage * plotH
      let x = left + Double(i) * step
      svg +=
        "<rect class=\"usage-bar\" x=\"\(Self.n(x + step * 0.1))\" y=\"\(Self.n(top + plotH - h))\" width=\"\(Self.n(max(1, step * 0.8)))\" height=\"\(Self.n(h))\"><title>#\(image.rank) \(Self.escape(image.reference)): \(usage[i]) \(key.rawValue)</title></rect>\n"
    }
    for (i, image) in images.enumerated() {
      let y = top + plotH - Double(image.findings.total) / maxFindings * plotH
      let x = left + (Double(i) + 0.5) * step
      svg +=
        "<circle class=\"finding-point\" cx=\"\(Self.n(x))\" cy=\"\(Self.n(y))\" r=\"4\"><title>#\(image.rank) \(Self.escape(image.reference)): \(image.findings.total) findings</title></circle>\n"
    }
    let cut = min(report.definitions.head, images.count)
    if cut > 0 && cut < images.count {
      let x = left + Double(cut) * step
      svg +=
        "<line class=\"cut\" x1=\"\(Self.n(x))\" y1=\"\(Self.n(top))\" x2=\"\(Self.n(x))\" y2=\"\(Self.n(top + plotH))\"><title>head/tail cut after rank \(cut)</title></line>\n"
      svg +=
        "<text class=\"cut-label\" x=\"\(Self.n(x + 4))\" y=\"\(Self.n(top + 12))\">head | tail</text>\n"
    }
    svg +=
      "<text class=\"axis-label\" x=\"\(Self.n(left + plotW / 2))\" y=\"\(Self.n(height - 10))\" text-anchor=\"middle\">images ranked by \(key.rawValue) (most used first)</text>\n"
    svg +=
      "<text class=\"axis-label\" transform=\"rotate(-90)\" x=\"\(Self.n(-(top + plotH / 2)))\" y=\"16\" text-anchor=\"middle\">\(key.rawValue) (max \(Int(maxUsage)))</text>\n"
    svg +=
      "<text class=\"axis-label\" transform=\"rotate(90)\" x=\"\(Self.n(top + plotH / 2))\" y=\"\(Self.n(-(width - 16)))\" text-anchor=\"middle\">open findings (max \(Int(maxFindings)))</text>\n"
    return svg + "</svg>"
  }

  /// Head against tail on four shares: images, findings, critical and known-exploited.
  func segmentChart(_ report: FleetScanReport) -> String {
    let s = report.segments
    func share(_ a: Int, _ b: Int) -> Double { a + b == 0 ? 0 : Double(a) / Double(a + b) }
    let metrics: [(String, Double, Double)] = [
      ("images", s.head.imageShare, s.tail.imageShare),
      ("findings", s.head.findingShare, s.tail.findingShare),
      (
        "critical", share(s.head.critical, s.tail.critical), share(s.tail.critical, s.head.critical)
      ),
      ("known-exploited", share(s.head.kev, s.tail.kev), share(s.tail.kev, s.head.kev)),
    ]
    let (width, height, left, top, bottom) = (600.0, 280.0, 60.0, 30.0, 50.0)
    let plotW = width - left - 20
    let plotH = height - top - bottom
    let group = plotW / Double(metrics.count)
    var svg =
      "<svg id=\"segment-chart\" role=\"img\" aria-labelledby=\"seg-title\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
    svg +=
      "<title id=\"seg-title\">Share of the fleet's images, findings, critical and known-exploited findings in the head and the tail</title>\n"
    svg += axis(x: left, y: top, plotW: plotW, plotH: plotH)
    for (i, (name, head, tail)) in metrics.enumerated() {
      for (j, (segment, value)) in [("head", head), ("tail", tail)].enumerated() {
        let h = value * plotH
        let x = left + Double(i) * group + group * (0.15 + 0.35 * Double(j))
        svg +=
          "<rect class=\"segment-bar \(segment)\" x=\"\(Self.n(x))\" y=\"\(Self.n(top + plotH - h))\" width=\"\(Self.n(group * 0.3))\" height=\"\(Self.n(h))\"><title>\(segment): \(FleetSegment.percent(value)) of \(name)</title></rect>\n"
      }
      svg +=
        "<text class=\"tick\" x=\"\(Self.n(left + (Double(i) + 0.5) * group))\" y=\"\(Self.n(top + plotH + 16))\" text-anchor=\"middle\">\(name)</text>\n"
    }
    svg +=
      "<text class=\"axis-label\" transform=\"rotate(-90)\" x=\"\(Self.n(-(top + plotH / 2)))\" y=\"16\" text-anchor=\"middle\">share of the fleet (0–100%)</text>\n"
    svg +=
      "<text class=\"axis-label\" x=\"\(Self.n(left + plotW / 2))\" y=\"\(Self.n(height - 8))\" text-anchor=\"middle\">head (dark) and tail (light)</text>\n"
    return svg + "</svg>"
  }

  func axis(x: Double, y: Double, plotW: Double, plotH: Double) -> String {
    "<line class=\"axis\" x1=\"\(Self.n(x))\" y1=\"\(Self.n(y + plotH))\" x2=\"\(Self.n(x + plotW))\" y2=\"\(Self.n(y + plotH))\"/>\n<line class=\"axis\" x1=\"\(Self.n(x))\" y1=\"\(Self.n(y))\" x2=\"\(Self.n(x))\" y2=\"\(Self.n(y + plotH))\"/>\n"
  }

  // MARK: Tables

  func alerts(_ report: FleetScanReport) -> String {
    var out = "<h2>Alerts (\(report.alerts.count))</h2>\n"
    if report.alerts.isEmpty {
      return out
        + "<p>No image has an open known-exploited finding or a fixable critical one.</p>\n"
    }
    out += "<ol id=\"alerts\">\n"
    for a in report.alerts {
      out +=
        "<li><strong>\(Self.escape(a.reference))</strong> (risk \(FleetScanText.number(a.risk)))<ul>"
      for r in a.reasons { out += "<li>\(Self.escape(r))</li>" }
      out += "</ul></li>\n"
    }
    return out + "</ol>\n"
  }

  func imageTable(_ report: FleetScanReport) -> String {
    var out =
      "<h2>Images (\(report.images.count))</h2>\n<p class=\"hint\">Click a column header to sort.</p>\n<table id=\"images\" class=\"sortable\"><thead><tr>"
    let headers: [(String, String)] = [
      ("Risk", "num"), ("Image", "text"), ("Rank", "num"), ("Segment", "text"),
      ("Replicas", "num"), ("Findings", "num"), ("Critical", "num"), ("High", "num"),
      ("KEV", "num"), ("Fixable", "num"), ("Health", "num"), ("Exposure", "text"),
    ]
    for (name, kind) in headers {
      out += "<th data-kind=\"\(kind)\" tabindex=\"0\">\(name)</th>"
    }
    out += "</tr></thead><tbody>\n"
    for i in report.images.sorted(by: { ($1.risk.value, $0.rank) < ($0.risk.value, $1.rank) }) {
      let cells: [String] = [
        FleetScanText.number(i.risk.value), i.reference, "\(i.rank)", i.segment.rawValue,
        "\(i.usage.replicas)", "\(i.findings.total)", "\(i.findings.critical)",
        "\(i.findings.high)", "\(i.findings.kev)", "\(i.findings.fixable)",
        "\(i.health.score)", i.exposure.joined(separator: "; "),
      ]
      out += "<tr\(i.alert ? " class=\"alert\"" : "") title=\"\(Self.escape(i.digest))\">"
      for (n, c) in cells.enumerated() {
        let text = n == 10 ? "\(i.health.grade) \(c)" : c
        out += "<td data-value=\"\(Self.escape(c))\">\(Self.escape(text))</td>"
      }
      out += "</tr>\n"
    }
    return out + "</tbody></table>\n"
  }

  // MARK: Text

  /// HTML text and attribute escaping.
  static func escape(_ s: String) -> String { HTMLText.escape(s) }

  static func n(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }

  static let style = """
    body{font-family:system-ui,sans-serif;margin:2em;color:#1b1f24;max-width:1100px}
    h1{margin-bottom:.2em}.headline{font-size:1.2em;font-weight:600}.meta,.hint{color:#57606a}
    table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left}
    th{cursor:pointer;background:#f6f8fa}tr.alert td{background:#ffebe9}
    svg{max-width:100%;height:auto;background:#fff;border:1px solid #d0d7de}
    .usage-bar{fill:#0969da}.finding-point{fill:#cf222e}.cut{stroke:#57606a;stroke-dasharray:4 3}
    .axis{stroke:#57606a}.axis-label,.tick,.cut-label{font-size:12px;fill:#1b1f24}
    .segment-bar.head{fill:#0550ae}.segment-bar.tail{fill:#80ccff}
    """

  static let script = """
    document.querySelectorAll('table.sortable th').forEach(function(th,col){th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],rows=Array.from(b.rows),num=th.dataset.kind==='num',dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir===1?'asc':'desc';rows.sort(function(a,c){var x=a.cells[col].dataset.value,y=c.cells[col].dataset.value;if(num){return dir*(parseFloat(x)-parseFloat(y));}return dir*x.localeCompare(y);});rows.forEach(function(r){b.appendChild(r);});});});
    """
}
