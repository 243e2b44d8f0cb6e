import TailguardModel

/// `fleet scan -o table` and `-o markdown`: the headline, the segments side by side, the alerts
/// (each with why), then the images by risk — what a person reads first comes first.
public struct FleetScanText: Sendable {
  public enum Style: Sendable { case table, markdown }
  public var style: Style
  /// Images listed (the JSON has all); 0: all.
  public var maxImages: Int

  public init(style: Style, maxImages: Int = 0) {
    self.style = style
    self.maxImages = maxImages
  }

  public func render(_ report: FleetScanReport) -> String {
    var out = ""
    switch style {
    case .table: out += report.headline + "\n\n"
    case .markdown: out += "# Fleet scan\n\n**\(Self.escape(report.headline))**\n\n"
    }
    out += section("Segments")
    out += grid(
      header: [
        "SEGMENT", "IMAGES", "SHARE", "FINDINGS", "SHARE", "CRITICAL", "HIGH", "KEV", "FIXABLE",
        "VULNS",
      ],
      rows: [("head", report.segments.head), ("tail", report.segments.tail)].map { name, s in
        [
          name, "\(s.images)", FleetSegment.percent(s.imageShare), "\(s.findings)",
          FleetSegment.percent(s.findingShare), "\(s.critical)", "\(s.high)", "\(s.kev)", "\(s.fixable)",
          "\(s.vulnerabilities)",
        ]
      })
    out += section("Alerts (\(report.alerts.count))")
    if report.alerts.isEmpty {
      out += "No image has an open known-exploited finding or a fixable critical one.\n\n"
    } else {
      out += grid(
        header: ["RISK", "IMAGE", "WHY"],
        rows: report.alerts.map { a in
          [Self.number(a.risk), a.reference, a.reasons.joined(separator: "; ")]
        })
    }
    let byRisk = report.images.sorted {
      ($1.risk.value, $0.rank) < ($0.risk.value, $1.rank)
    }
    let shown = maxImages > 0 ? Array(byRisk.prefix(maxImages)) : byRisk
    out += section("Images by risk (\(report.images.count))")
    out += grid(
      header: [
        "RISK", "IMAGE", "RANK", "SEGMENT", "REPLICAS", "FINDINGS", "CRIT", "HIGH", "KEV", "FIX",
        "HEALTH", "EXPOSURE",
      ],
      rows: shown.map { i in
        [
          Self.number(i.risk.value), i.reference, "\(i.rank)", i.segment.rawValue,
          "\(i.usage.replicas)", "\(i.findings.total)", "\(i.findings.critical)",
          "\(i.findings.high)", "\(i.findings.kev)", "\(i.findings.fixable)",
          "\(i.health.grade) \(i.health.score)",
          i.exposure.isEmpty ? "-" : i.exposure.joined(separator: "; "),
        ]
      })
    if shown.count < byRisk.count {
      out += "(\(byRisk.count - shown.count) more images in the JSON output)\n\n"
    }
    if !report.unresolved.isEmpty {
      out += section("Unresolved references (\(report.unresolved.count))")
      out += grid(
        header: ["FILE", "LINE", "REFERENCE", "REASON"],
        rows: report.unresolved.map { [$0.file, "\($0.line)", $0.reference, $0.reason] })
    }
    if !report.failed.isEmpty {
      out += section("Images that could not be scanned (\(report.failed.count))")
      out += grid(
        header: ["IMAGE", "REASON"], rows: report.failed.map { [$0.reference, $0.reason] })
    }
    let d = report.definitions
    out += section("Definitions")
    let lines = [
      "rank key: \(d.rankKey.rawValue); head: the \(d.head) most used images, tail: the rest",
      "counting unit: \(d.countingUnit)", "replicas: \(d.replicas)", "alerts: \(d.alertFloor)",
      "measured as of \(report.asOf)",
    ]
    out += lines.map { style == .markdown ? "- \(Self.escape($0))" : $0 }.joined(separator: "\n")
    return out + "\n"
  }

  func section(_ title: String) -> String {
    style == .markdown ? "## \(title)\n\n" : "\(title)\n"
  }

  func grid(header: [String], rows: [[String]]) -> String {
    switch style {
    case .table:
      return TableRenderer(maxCellWidth: 60, uncutLastColumn: true).render(
        header: header, rows: rows)
        + "\n"
    case .markdown:
      var out = "| " + header.map(Self.escape).joined(separator: " | ") + " |\n"
      out += "|" + header.map { _ in " --- |" }.joined() + "\n"
      for row in rows {
        out += "| " + row.map(Self.escape).joined(separator: " | ") + " |\n"
      }
      return out + "\n"
    }
  }

  /// Markdown-safe cell text: pipes, backslashes, angle brackets and newlines cannot break the
  /// table or inject markup.
  static func escape(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "|": out += "\\|"
      case "\\": out += "\\\\"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\n", "\r": out += " "
      case "*", "_", "`", "[", "]": out += "\\\(c)"
      default: out.append(c)
      }
    }
    return out
  }



  static func number(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}
