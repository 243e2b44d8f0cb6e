import Foundation
import TailguardTesting
import Testing

@testable import Scoring

/// Red Hat's `cvss` test vectors (../shared/data/cvss/tests, 7,667 lines): every vector must
/// give exactly the expected base, temporal and environmental scores.
@Suite(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
struct CVSSReferenceVectorTests {
  struct Row: Sendable {
    var vector: String
    var expected: [Double?]
  }

  /// `VECTOR - (base, temporal, environmental)`, `VECTOR - (score,)` or `VECTOR - score`.
  static func rows(_ file: String) throws -> [Row] {
    let text = try String(contentsOfFile: SharedData.path("cvss/tests/\(file)"), encoding: .utf8)
    return text.split(separator: "\n").compactMap { line -> Row? in
      guard let sep = line.range(of: " - ") else { return nil }
      let vector = String(line[..<sep.lowerBound])
      let numbers = line[sep.upperBound...].trimmingCharacters(
        in: CharacterSet(charactersIn: "() ")
      )
      .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      return Row(vector: vector, expected: numbers.map { $0 == "None" ? nil : Double($0) })
    }
  }

  static let files: [(String, Int)] = [
    ("vectors_simple2", 729), ("vectors_calculator2", 5), ("vectors_cvsslib2", 24),
    ("vectors_simple3", 2592), ("vectors_simple31", 2592), ("vectors_calculator3", 2),
    ("vectors_cvsslib3", 29), ("vectors_simple4", 1058), ("vectors_security4", 54),
    ("vectors_supplemental4", 576), ("vectors_threat4", 6),
  ]

  @Test(arguments: files.map(\.0))
  func referenceFile(_ file: String) throws {
    let rows = try Self.rows(file)
    let expectedCount = Self.files.first { $0.0 == file }?.1
    #expect(rows.count == expectedCount)
    var disagreements: [String] = []
    for row in rows {
      let got: [Double?]
      do {
        switch try CVSSVector(parsing: row.vector) {
        case .v2(let v): got = [v.baseScore, v.temporalScore, v.environmentalScore]
        case .v3(let v): got = [v.baseScore, v.temporalScore, v.environmentalScore]
        case .v4(let v): got = [v.score]
        }
      } catch {
        disagreements.append("\(row.vector): \(error)")
        continue
      }
      if got != row.expected {
        disagreements.append("\(row.vector): expected \(row.expected), got \(got)")
      }
    }
    #expect(
      disagreements.isEmpty, "\(disagreements.count) disagreements, e.g. \(disagreements.prefix(5))"
    )
  }

  @Test func totalIs7667() throws {
    #expect(Self.files.map(\.1).reduce(0, +) == 7667)
  }
}
