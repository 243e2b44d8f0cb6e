import Foundation

/// Renders an inventory as JSON (the array of references), CSV, a text table, or the summary.
public enum InventoryFormatter {
  public static func json<T: Encodable>(_ value: T) throws -> String {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try enc.encode(value), as: UTF8.self) + "\n"
  }

  static func csvField(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
  }

  public static func csv(_ refs: [FleetReference]) -> String {
    var out =
      "file,line,reference,resolved,class,source,kind,name,container,replicas,replicasSource\n"
    for r in refs {
      let fields = [
        r.file, String(r.line), r.reference, r.resolved ?? "", r.class.rawValue, r.source.rawValue,
        r.workload?.kind ?? "", r.workload?.name ?? "", r.workload?.container ?? "",
        r.replicas.map(String.init) ?? "", r.replicasSource ?? "",
      ]
      out += fields.map(csvField).joined(separator: ",") + "\n"
    }
    return out
  }

  public static func table(_ refs: [FleetReference], summary: FleetSummary?) -> String {
    var rows: [[String]] = [
      ["FILE:LINE", "CLASS", "REFERENCE", "RESOLVED", "WORKLOAD", "REPLICAS"]
    ]
    for r in refs {
      let w = [r.workload?.kind, r.workload?.name, r.workload?.container].compactMap { $0 }
        .joined(separator: "/")
      let cls = r.resolvedClass.map { "\(r.class.rawValue)→\($0.rawValue)" } ?? r.class.rawValue
      rows.append([
        "\(r.file):\(r.line)", cls, r.reference, r.resolved ?? "", w,
        r.replicas.map(String.init) ?? (r.replicasSource ?? "-"),
      ])
    }
    var out = render(rows)
    if let summary {
      out += "\n\(summary.references) references in \(summary.files) files: "
      out +=
        summary.byClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
          separator: ", ") + "\n\n"
      var rows2: [[String]] = [["IMAGE", "WORKLOADS", "REPLICAS", "UNCOUNTED"]]
      for u in summary.images {
        rows2.append([
          u.image, String(u.workloads), String(u.totalReplicas), String(u.workloadsWithoutCount),
        ])
      }
      out += render(rows2)
    }
    return out
  }

  static func render(_ rows: [[String]]) -> String {
    guard let first = rows.first else { return "" }
    var widths = Array(repeating: 0, count: first.count)
    for row in rows {
      for (i, c) in row.enumerated() { widths[i] = min(max(widths[i], c.count), 80) }
    }
    var out = ""
    for row in rows {
      var line = ""
      for (i, c) in row.enumerated() {
        line +=
          i == row.count - 1
          ? c : c.padding(toLength: max(widths[i], c.count), withPad: " ", startingAt: 0) + "  "
      }
      out += line + "\n"
    }
    return out
  }
}
