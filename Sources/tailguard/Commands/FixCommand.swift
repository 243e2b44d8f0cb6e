import ArgumentParser
import Foundation
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
    abstract: "Plan what removes each open finding of an image, and apply the plan to files.",
    subcommands: [FixPlanCommand.self, FixApplyCommand.self])
}

struct FixPlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract:
      "For every open finding, the action that removes it, grouped into the fewest actions.",
    discussion: """
      Actions: package-upgrade (the lowest version that fixes every finding of the package, in \
      its own version scheme) and base-image-bump (the base named by --base-name, --dockerfile \
      or the org.opencontainers.image.base.name label; newer tags of its repository in the same \
      line are scanned and the one with the fewest findings is proposed as tag@digest); findings nothing removes are listed as \
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

  @Option(
    name: .long,
    help: "Dockerfile the image is built from: its final stage's FROM names the base image.")
  var dockerfile: String?

  @Option(
    name: .customLong("base-name"),
    help:
      "The base image reference (default: --dockerfile, else the image's org.opencontainers.image.base.name label)."
  )
  var baseName: String?

  @Option(name: .customLong("base-candidates"), help: "How many newer base tags to scan.")
  var baseCandidates = 3

  @Flag(name: .customLong("no-base-bump"), help: "Do not look for a newer base image.")
  var noBaseBump = false

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      let request = ScanRequest(
        target: target, advisories: AdvisoryChoice.resolve(flag: db),
        options: try targetOptions.scanOptions(progress: output.progressSink))
      var bump: BaseBumpRequest?
      if !noBaseBump {
        bump = BaseBumpRequest(dockerfile: dockerfile, baseName: baseName)
        bump?.maxCandidates = max(1, baseCandidates)
      }
      let plan = try await Scanner().fixPlan(
        FixPlanRequest(scan: request, endOfLifeData: eolData, asOf: asOf, bump: bump))
      switch output.format {
      case .json: try output.write(try JSONReport.encode(plan))
      case .table: try output.write(plan.table())
      case .markdown: try output.write(plan.markdown())
      }
    }
  }
}

struct FixApplyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Rewrite Dockerfile FROM lines and dependency pins to what a fix plan recommends.",
    discussion: """
      Reads a plan written by `tailguard fix plan TARGET -o json` (--plan FILE) and edits each \
      PATH (a file, or the known files directly inside a directory): Dockerfile/Containerfile \
      FROM lines of the plan's base image become `repository:tag@digest`; exact pins of the \
      plan's package upgrades in requirements*.txt (`name==x`) and package.json \
      (dependencies, devDependencies, optionalDependencies: `"x"`) become the fixing version. \
      Only the bytes of the changed versions change. Ranges, hash-pinned requirements and \
      build arguments are left alone with a note. --dry-run prints a unified diff and writes \
      nothing. Exit 0 when done (also when nothing needed a change), 2 when the plan or a file \
      cannot be read or is refused (not text, larger than 4 MiB, a symlink leading out of its \
      directory); nothing is written then.
      """)

  @Argument(help: "Files or directories to edit.")
  var paths: [String]

  @Option(name: .long, help: "The plan: JSON from `tailguard fix plan TARGET -o json`.")
  var plan: String

  @Flag(name: .customLong("dry-run"), help: "Print a unified diff; write nothing.")
  var dryRun = false

  @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No summary on standard error.")
  var quiet = false

  func run() async throws {
    try await ExitCodes.run(quiet: quiet) {
      let edits = try Scanner().applyFixes(planPath: plan, paths: paths, dryRun: dryRun)
      if dryRun {
        FileHandle.standardOutput.write(Data(edits.map(\.unifiedDiff).joined().utf8))
      }
      guard !quiet else { return }
      for edit in edits {
        for c in edit.changes {
          Console.error("\(edit.path): \(dryRun ? "would change" : "changed") \(c)")
        }
        for n in edit.notes { Console.error("\(edit.path): note: \(n)") }
      }
      if edits.allSatisfy({ !$0.changed }) {
        Console.error("nothing to change in \(edits.count) file(s)")
      }
    }
  }
}
