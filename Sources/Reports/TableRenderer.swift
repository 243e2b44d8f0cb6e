import Foundation
import TailguardModel

/// Plain-text tables for terminals: fixed columns, long cells cut with an ellipsis.
public struct TableRenderer: Sendable {
  public var maxCellWidth: Int
  /// The last column (a path, say) is printed whole: nothing after it needs aligning.
  public var uncutLastColumn: Bool
  public init(maxCellWidth: Int = 48, uncutLastColumn: Bool = false) {
    self.maxCellWidth = maxCellWidth
    self.uncutLastColumn = uncutLastColumn
  }

  public func render(header: [String], rows: [[String]]) -> String {
    let cut = rows.map { row in
      row.enumerated().map { i, c in
        uncutLastColumn && i == row.count - 1
          ? c.replacingOccurrences(of: "\n", with: " ") : cell(c)
      }
    }
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
