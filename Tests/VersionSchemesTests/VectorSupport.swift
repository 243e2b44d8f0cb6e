import Foundation
import TailguardTesting

@testable import VersionSchemes

/// Reading the shared upstream vectors and our own `Vectors/<scheme>.txt` files.
enum VectorSupport {
  /// Rows of a tab-separated file, without `#` comment lines and blank lines.
  static func tsv(_ relative: String) throws -> [[String]] {
    let text = try String(contentsOfFile: SharedData.path(relative), encoding: .utf8)
    return text.split(separator: "\n", omittingEmptySubsequences: true)
      .filter { !$0.hasPrefix("#") }
      .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
  }

  /// One line of a vector file: `a < b`, `a == b`, `a > b`, or `! a` (must not parse).
  struct Line: CustomStringConvertible, Sendable {
    var a: String
    var op: String
    var b: String
    var number: Int
    var description: String { "line \(number): \(a) \(op) \(b)" }
    var expected: Int? {
      switch op {
      case "<": -1
      case "==", "=": 0
      case ">": 1
      default: nil
      }
    }
  }

  static var vectorDirectory: String {
    SharedData.packageRoot + "/Tests/VersionSchemesTests/Vectors"
  }

  static func lines(scheme: String) throws -> [Line] {
    let text = try String(contentsOfFile: vectorDirectory + "/\(scheme).txt", encoding: .utf8)
    var result: [Line] = []
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var line = Substring(raw)
      if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      if fields.isEmpty { continue }
      if fields.count == 2 && fields[0] == "!" {
        result.append(Line(a: fields[1], op: "!", b: "", number: index + 1))
      } else if fields.count == 3 {
        result.append(Line(a: fields[0], op: fields[1], b: fields[2], number: index + 1))
      } else {
        result.append(Line(a: String(line), op: "?", b: "", number: index + 1))
      }
    }
    return result
  }

  static func symbol(_ c: Int) -> String { c < 0 ? "<" : (c == 0 ? "==" : ">") }
}
