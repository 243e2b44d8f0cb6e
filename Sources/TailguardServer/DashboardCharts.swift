import Foundation

/// The overview's charts: inline SVG computed here, each with a `<title>` and a table beside it
/// as its text alternative. Colours come from the stylesheet by class; every bar names its
/// value and severity as text too (its `<title>`, and the table).
enum DashboardCharts {
  /// At most this many bars on the long-tail chart: beyond it, images are grouped by rank.
  static let maxBars = 100

  /// One bar of the long-tail chart: an image, or a run of consecutive ranks.
  struct TailBar {
    var firstRank: Int
    var lastRank: Int
    var label: String
    var digest: String?
    var replicas: Int
    var findings: Int
    var head: Bool
  }

  static func tailBars(_ ranked: [DashboardRanked]) -> [TailBar] {
    if ranked.count <= maxBars {
      return ranked.enumerated().map { i, r in
        TailBar(
          firstRank: i + 1, lastRank: i + 1, label: r.reference, digest: r.digest,
          replicas: r.replicas, findings: r.findings, head: r.segment == "head")
      }
    }
    let size = (ranked.count + maxBars - 1) / maxBars
    return stride(from: 0, to: ranked.count, by: size).map { start in
      let run = ranked[start..<min(ranked.count, start + size)]
      return TailBar(
        firstRank: start + 1, lastRank: start + run.count,
        label: "ranks \(start + 1)–\(start + run.count)", digest: nil,
        replicas: run.map(\.replicas).reduce(0, +), findings: run.map(\.findings).reduce(0, +),
        head: run.contains { $0.segment == "head" })
    }
  }

  /// Images ranked by usage: a bar per image (replicas, left axis), a point per image (open
  /// findings, right axis), a dashed line at the head/tail cut; then the same as a table.
  static func longTail(_ html: inout HTML, ranked: [DashboardRanked]) {
    let bars = tailBars(ranked)
    let grouped = ranked.count > maxBars
    let (width, height, left, right, top, bottom) = (900.0, 300.0, 60.0, 60.0, 24.0, 46.0)
    let plotW = width - left - right
    let plotH = height - top - bottom
    let maxUsage = Double(max(1, bars.map(\.replicas).max() ?? 1))
    let maxFindings = Double(max(1, bars.map(\.findings).max() ?? 1))
    let step = bars.isEmpty ? plotW : plotW / Double(bars.count)
    let title =
      grouped
      ? "Images ranked by replicas in \(bars.count) groups of ranks: replicas (bars, left axis) and open findings (points, right axis)"
      : "Images ranked by replicas (bars, left axis) and their open findings (points, right axis)"
    html.open(
      "svg",
      [
        "id": "long-tail-chart", "class": "chart", "role": "img",
        "aria-labelledby": "long-tail-title", "viewBox": "0 0 \(Int(width)) \(Int(height))",
        "xmlns": "http://www.w3.org/2000/svg",
      ])
    html.element("title", ["id": "long-tail-title"], text: title)
    axes(&html, left: left, top: top, plotW: plotW, plotH: plotH)
    for (i, bar) in bars.enumerated() {
      let h = Double(bar.replicas) / maxUsage * plotH
      html.open(
        "rect",
        [
          "class": "usage-bar \(bar.head ? "head" : "tail")",
          "x": HTML.n(left + Double(i) * step + step * 0.1),
          "y": HTML.n(top + plotH - h), "width": HTML.n(max(1, step * 0.8)), "height": HTML.n(h),
        ])
      html.element(
        "title",
        text:
          "#\(bar.firstRank)\(grouped ? "–\(bar.lastRank)" : "") \(bar.label) (\(bar.head ? "head" : "tail")): \(bar.replicas) replicas, \(bar.findings) open findings"
      )
      html.close("rect")
    }
    for (i, bar) in bars.enumerated() {
      let y = top + plotH - Double(bar.findings) / maxFindings * plotH
      html.open(
        "circle",
        [
          "class": "finding-point", "cx": HTML.n(left + (Double(i) + 0.5) * step), "cy": HTML.n(y),
          "r": "4",
        ])
      html.element("title", text: "\(bar.label): \(bar.findings) open findings")
      html.close("circle")
    }
    // The cut: after the last bar that holds a head image.
    let cut = bars.lastIndex(where: \.head).map { $0 + 1 } ?? 0
    if cut > 0 && cut < bars.count {
      let x = left + Double(cut) * step
      html.open(
        "line",
        [
          "class": "cut", "x1": HTML.n(x), "y1": HTML.n(top), "x2": HTML.n(x),
          "y2": HTML.n(top + plotH),
        ])
      html.element("title", text: "head/tail cut after rank \(bars[cut - 1].lastRank)")
      html.close("line")
      html.element(
        "text", ["class": "cut-label", "x": HTML.n(x + 4), "y": HTML.n(top + 12)],
        text: "head | tail")
    }
    html.element(
      "text",
      [
        "class": "axis-label", "x": HTML.n(left + plotW / 2), "y": HTML.n(height - 8),
        "text-anchor": "middle",
      ],
      text: "images ranked by replicas (most used first)")
    html.element(
      "text",
      [
        "class": "axis-label", "transform": "rotate(-90)", "x": HTML.n(-(top + plotH / 2)),
        "y": "16",
        "text-anchor": "middle",
      ], text: "replicas (max \(Int(maxUsage)))")
    html.element(
      "text",
      [
        "class": "axis-label", "transform": "rotate(90)", "x": HTML.n(top + plotH / 2),
        "y": HTML.n(-(width - 16)), "text-anchor": "middle",
      ], text: "open findings (max \(Int(maxFindings)))")
    html.close("svg")
    html.newline()
    // The text alternative.
    html.element("details", ["class": "alt"]) { html in
      html.element("summary", text: "The long-tail chart as a table (\(bars.count) rows)")
      html.element("table", ["id": "long-tail-table"]) { html in
        html.element("thead") { html in
          html.element("tr") { html in
            for h in ["Rank", grouped ? "Images" : "Image", "Segment", "Replicas", "Open findings"]
            {
              html.element("th", ["scope": "col"], text: h)
            }
          }
        }
        html.element("tbody") { html in
          for bar in bars {
            html.element("tr") { html in
              html.element(
                "td", text: grouped ? "\(bar.firstRank)–\(bar.lastRank)" : "\(bar.firstRank)")
              html.element("td") { html in
                if let digest = bar.digest {
                  html.element("a", ["href": "/images/\(digest)"], text: bar.label)
                } else {
                  html.text(bar.label)
                }
              }
              html.element("td", text: bar.head ? "head" : "tail")
              html.element("td", ["class": "num"], text: "\(bar.replicas)")
              html.element("td", ["class": "num"], text: "\(bar.findings)")
            }
          }
        }
      }
    }
  }

  static let severities = ["critical", "high", "medium", "low", "other"]

  static func severityKey(_ s: String) -> String {
    ["critical", "high", "medium", "low"].contains(s) ? s : "other"
  }

  /// Open findings per segment, a bar per severity within each segment; then the table.
  static func severityBySegment(_ html: inout HTML, counts: [String: [String: Int]]) {
    let segments = ["head", "tail"] + (counts["none"] == nil ? [] : ["none"])
    var folded: [String: [String: Int]] = [:]
    for (segment, bySeverity) in counts {
      for (s, n) in bySeverity { folded[segment, default: [:]][severityKey(s), default: 0] += n }
    }
    let maxCount = Double(max(1, folded.values.flatMap(\.values).max() ?? 1))
    let (width, height, left, top, bottom) = (600.0, 260.0, 50.0, 20.0, 46.0)
    let plotW = width - left - 20
    let plotH = height - top - bottom
    let group = plotW / Double(segments.count)
    let bar = group * 0.8 / Double(severities.count)
    html.open(
      "svg",
      [
        "id": "severity-chart", "class": "chart", "role": "img",
        "aria-labelledby": "severity-title",
        "viewBox": "0 0 \(Int(width)) \(Int(height))", "xmlns": "http://www.w3.org/2000/svg",
      ])
    html.element(
      "title", ["id": "severity-title"],
      text:
        "Open findings by severity in the head, the tail\(segments.count > 2 ? " and images without usage" : "")"
    )
    axes(&html, left: left, top: top, plotW: plotW, plotH: plotH)
    for (i, segment) in segments.enumerated() {
      for (j, severity) in severities.enumerated() {
        let n = folded[segment]?[severity] ?? 0
        let h = Double(n) / maxCount * plotH
        html.open(
          "rect",
          [
            "class": "severity-bar sev-\(severity)",
            "x": HTML.n(left + Double(i) * group + group * 0.1 + Double(j) * bar),
            "y": HTML.n(top + plotH - h), "width": HTML.n(bar * 0.9), "height": HTML.n(h),
          ])
        html.element("title", text: "\(segment): \(n) \(severity)")
        html.close("rect")
      }
      html.element(
        "text",
        [
          "class": "tick", "x": HTML.n(left + (Double(i) + 0.5) * group),
          "y": HTML.n(top + plotH + 16),
          "text-anchor": "middle",
        ], text: segment == "none" ? "no usage" : segment)
    }
    html.element(
      "text",
      [
        "class": "axis-label", "x": HTML.n(left + plotW / 2), "y": HTML.n(height - 6),
        "text-anchor": "middle",
      ],
      text: "bars left to right: critical, high, medium, low, other")
    html.close("svg")
    html.newline()
    html.element("table", ["id": "severity-table", "class": "compact"]) { html in
      html.element("caption", text: "Open findings by segment and severity")
      html.element("thead") { html in
        html.element("tr") { html in
          html.element("th", ["scope": "col"], text: "Segment")
          for s in severities { html.element("th", ["scope": "col", "class": "num"], text: s) }
        }
      }
      html.element("tbody") { html in
        for segment in segments {
          html.element("tr") { html in
            html.element("th", ["scope": "row"], text: segment == "none" ? "no usage" : segment)
            for s in severities {
              html.element("td", ["class": "num"], text: "\(folded[segment]?[s] ?? 0)")
            }
          }
        }
      }
    }
  }

  /// SLA states of open findings with a clock: one bar each.
  static func sla(_ html: inout HTML, counts: [String: Int]) {
    let states = [("ok", "within SLA"), ("at_risk", "at risk"), ("breached", "breached")]
    let maxCount = Double(max(1, counts.values.max() ?? 1))
    let (width, height, left, top) = (600.0, 120.0, 110.0, 10.0)
    let plotW = width - left - 60
    let row = (height - top * 2) / Double(states.count)
    html.open(
      "svg",
      [
        "id": "sla-chart", "class": "chart", "role": "img", "aria-labelledby": "sla-title",
        "viewBox": "0 0 \(Int(width)) \(Int(height))", "xmlns": "http://www.w3.org/2000/svg",
      ])
    html.element(
      "title", ["id": "sla-title"], text: "Open findings with an SLA clock, by SLA state")
    for (i, (key, label)) in states.enumerated() {
      let n = counts[key] ?? 0
      let y = top + Double(i) * row
      let w = Double(n) / maxCount * plotW
      html.element(
        "text",
        [
          "class": "tick", "x": HTML.n(left - 8), "y": HTML.n(y + row * 0.65), "text-anchor": "end",
        ],
        text: label)
      html.open(
        "rect",
        [
          "class": "sla-bar sla-\(key)", "x": HTML.n(left), "y": HTML.n(y + row * 0.15),
          "width": HTML.n(w), "height": HTML.n(row * 0.7),
        ])
      html.element("title", text: "\(label): \(n)")
      html.close("rect")
      html.element(
        "text", ["class": "tick", "x": HTML.n(left + w + 6), "y": HTML.n(y + row * 0.65)],
        text: "\(n)")
    }
    html.close("svg")
    html.newline()
  }

  static func axes(_ html: inout HTML, left: Double, top: Double, plotW: Double, plotH: Double) {
    html.void(
      "line",
      [
        "class": "axis", "x1": HTML.n(left), "y1": HTML.n(top + plotH), "x2": HTML.n(left + plotW),
        "y2": HTML.n(top + plotH),
      ])
    html.close("line")
    html.void(
      "line",
      [
        "class": "axis", "x1": HTML.n(left), "y1": HTML.n(top), "x2": HTML.n(left),
        "y2": HTML.n(top + plotH),
      ])
    html.close("line")
  }
}
