import ArgumentParser
import Foundation
import Scoring

/// `tailguard cvss VECTOR…`: CVSS v2, v3.0, v3.1 and v4.0 scores and severities, one line per
/// vector, for users checking an advisory's rating and for CI.
struct CVSSCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cvss",
    abstract: "Score CVSS v2/v3.0/v3.1/v4.0 vectors: prints vector, base score and severity.",
    discussion: """
      Text output is one line per vector: <vector><TAB><base score><TAB><severity>. An invalid \
      vector is reported on standard error and the others are still printed; the exit code is \
      then 2. Severity uses FIRST's scale for v3/v4 (none, low, medium, high, critical) and \
      NVD's for v2 (low, medium, high).
      """
  )

  @Argument(help: "CVSS vectors, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H.")
  var vectors: [String] = []

  @Flag(name: .long, help: "Read vectors from standard input, one per line.")
  var stdin = false

  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: text or json.")
  var format: String = "text"

  @Option(name: .long, help: "Write the output to this file instead of standard output.")
  var output: String?

  @Flag(name: .shortAndLong, help: "Do not print invalid vectors on standard error.")
  var quiet = false

  func validate() throws {
    guard format == "text" || format == "json" else {
      throw ValidationError("unknown format '\(format)'; use text or json")
    }
    if !stdin && vectors.isEmpty { throw ValidationError("give at least one vector, or --stdin") }
  }

  /// One scored vector, as JSON output shows it.
  struct Scored: Encodable {
    var vector: String
    var version: String
    var baseScore: Double
    var severity: String
    var temporalScore: Double?
    var environmentalScore: Double?
    var macroVector: String?
    var nomenclature: String?
  }

  struct Failure: Encodable {
    var vector: String
    var error: String
    var code: String
  }

  struct Report: Encodable {
    var results: [Scored]
    var errors: [Failure]
  }

  func run() throws {
    var inputs = vectors
    if stdin {
      while let line = readLine(strippingNewline: true) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty { inputs.append(trimmed) }
      }
    }
    var results: [Scored] = []
    var failures: [Failure] = []
    var text = ""
    for input in inputs {
      do {
        let scored = Self.score(try CVSSVector(parsing: input))
        results.append(scored)
        text += "\(scored.vector)\t\(Self.format(scored.baseScore))\t\(scored.severity)\n"
      } catch {
        failures.append(Failure(vector: input, error: error.message, code: error.code.rawValue))
        if !quiet {
          FileHandle.standardError.write(Data("tailguard: \(error.description)\n".utf8))
        }
      }
    }
    if format == "json" {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
      text =
        String(
          decoding: try encoder.encode(Report(results: results, errors: failures)), as: UTF8.self)
        + "\n"
    }
    if let output {
      do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: output))
      } catch {
        FileHandle.standardError.write(Data("tailguard: cannot write \(output): \(error)\n".utf8))
        throw ExitCode(2)
      }
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
    if !failures.isEmpty { throw ExitCode(2) }
  }

  static func format(_ score: Double) -> String { String(format: "%.1f", score) }

  static func score(_ vector: CVSSVector) -> Scored {
    var s = Scored(
      vector: vector.vector, version: vector.version, baseScore: vector.baseScore,
      severity: vector.severity.rawValue)
    switch vector {
    case .v2(let v):
      s.temporalScore = v.temporalScore
      s.environmentalScore = v.environmentalScore
    case .v3(let v):
      s.temporalScore = v.temporalScore
      s.environmentalScore = v.environmentalScore
    case .v4(let v):
      s.macroVector = v.macroVector
      s.nomenclature = v.nomenclature
    }
    return s
  }
}
