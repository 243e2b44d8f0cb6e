import Foundation
import TailguardModel

/// Plain-text tables for terminals: fixed columns, long cells cut with an ellipsis.
public struct TableRenderer: Sendable {
  public var maxCellWidth: Int
  public init(maxCellWidth: Int = 48) { self.maxCellWidth = maxCellWidth }

  public func render(header: [String], rows: [[String]]) -> String {
    let cut = rows.map { $0.map { cell($0) } }
    var widths = header.map(\.count)
    for row in cut {
      for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { i, c in
        i == cells.count - 1 ? c : c + String(repeating: " ", count: max(0, widths[i] - c.count))
      }.joined(separator: "  ")
    }
    return ([line(header)] + cut.map(line)).joined(separator: "\n") + "\n"
  }

  func cell(_ s: String) -> String {
    let flat = s.replacingOccurrences(of: "\n", with: " ")
    return flat.count <= maxCellWidth ? flat : String(flat.prefix(maxCellWidth - 1)) + "…"
  }
}
