import ArgumentParser
import Fleet
import Foundation
import Remediation
import Reports
import Scanner
import TailguardModel

/// `fix plan -o`: the plan formats.
enum FixPlanFormat: String, OutputFormat {
  case table, json, markdown
  static let standard = FixPlanFormat.table
}

struct FixCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fix",
    abstract: "Plan what removes each open finding of an image.",
    subcommands: [FixPlanCommand.self])
}

struct FixPlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract:
      "For every open finding, the action that removes it, grouped into the fewest actions.",
    discussion: """
      Actions: package-upgrade (the lowest version that fixes every finding of the package, in \
      its own version scheme) and base-image-bump; findings nothing removes are listed as \
      unactionable with the reason (not fixed upstream, won't fix, end-of-life distribution). \
      JSON: {schemaVersion, target, imageDigest, distro, actions[{kind, package|base, from, to, \
      closes[], riskClosed}], unactionable[], notes[]}. Exit 0 when the plan was made, 2 when the \
      image or the database could not be read.
      """)

  @Argument(help: "The image, root filesystem or SBOM to plan for.")
  var target: String

  @OptionGroup var targetOptions: TargetOptions
  @OptionGroup var output: OutputOptions<FixPlanFormat>

  @Option(
    name: .long, help: "Advisory database file (default: $TAILGUARD_DB or the user data directory)."
  )
  var db: String?

  @Option(
    name: .customLong("eol-data"),
    help: "endoflife.date checkout (products/*.md) for the end-of-life check (default: embedded).")
  var eolData: String?

  @Option(name: .customLong("as-of"), help: "Judge end of life at this day (YYYY-MM-DD).")
  var asOf: String?

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      let request = ScanRequest(
        target: target, advisories: AdvisoryChoice.resolve(flag: db),
        options: try targetOptions.scanOptions(progress: output.progressSink))
      let table = try eolData.map { try EndOfLifeTable(directory: $0) } ?? EndOfLifeTable.embedded
      let day = asOf ?? String(ISO8601DateFormatter().string(from: Date()).prefix(10))
      let (plan, _) = try await Scanner().fixPlan(request, endOfLife: table, asOf: day)
      switch output.format {
      case .json: try output.write(try JSONReport.encode(plan))
      case .table: try output.write(plan.table())
      case .markdown: try output.write(plan.markdown())
      }
    }
  }
}
