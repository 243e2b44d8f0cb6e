import ArgumentParser
import Foundation
import Reports
import Scanner

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

  @OptionGroup var output: OutputOptions<TextOrJSON>

  func validate() throws {
    if !stdin && vectors.isEmpty { throw ValidationError("give at least one vector, or --stdin") }
  }

  func run() throws {
    try ExitCodes.runSync(quiet: output.quiet) {
      var inputs = vectors
      if stdin {
        while let line = readLine(strippingNewline: true) {
          let trimmed = line.trimmingCharacters(in: .whitespaces)
          if !trimmed.isEmpty { inputs.append(trimmed) }
        }
      }
      let report = CVSSScoring.score(inputs)
      switch output.format {
      case .json: try output.write(try JSONReport.encode(report))
      case .text:
        try output.write(
          report.results.map { "\($0.vector)\t\(Self.format($0.baseScore))\t\($0.severity)\n" }
            .joined())
      }
      if !report.errors.isEmpty {
        // Invalid vectors are reported after the valid ones are printed.
        throw Failing(.couldNotRun, report.errors.map { "tailguard: \($0.description)" })
      }
    }
  }

  static func format(_ score: Double) -> String { String(format: "%.1f", score) }
}
