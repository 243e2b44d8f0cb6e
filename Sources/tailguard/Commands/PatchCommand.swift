import ArgumentParser
import Foundation
import Reports
import Scanner
import TailguardModel

/// `patch -o`: the summary formats.
enum PatchFormat: String, OutputFormat {
  case table, json
  static let standard = PatchFormat.table
}

struct PatchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "patch",
    abstract: "Replace an image's vulnerable Debian packages by fixed versions in one new layer.",
    discussion: """
      Reads TARGET (an OCI layout, oci:DIR[:tag]), picks for each vulnerable OS package the \
      lowest version in the flat apt repository --packages DIR (its Packages index) that fixes \
      its findings, checks each .deb's SHA256 against the index, and writes the image with one \
      new layer holding the packages' files and dpkg records (status.d/ for distroless images, \
      the status file otherwise) to --output oci:DIR:TAG. No maintainer script runs; a \
      package that has one is refused unless --allow-scripts-skipped. Nothing is written when a \
      check fails. Exit 0 done, 2 refused or unreadable.
      """)

  @Argument(help: "The image to patch (oci:DIR[:tag]).")
  var target: String

  @OptionGroup var targetOptions: TargetOptions
  @Option(name: [.customShort("o"), .customLong("format")], help: "Summary format on stdout.")
  var format: PatchFormat = .table

  @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress on standard error.")
  var quiet = false

  @Option(
    name: .long, help: "Advisory database file (default: $TAILGUARD_DB or the user data directory)."
  )
  var db: String?

  @Option(name: .long, help: "Directory of a flat apt repository (Packages + .deb files).")
  var packages: String

  @Option(
    name: .customLong("output"),
    help: "Where the patched image goes: oci:DIR:TAG (an OCI layout; other tags in it are kept).")
  var imageOutput: String

  @Option(name: .customLong("vex"), help: "Write an OpenVEX document of the fixed vulnerabilities.")
  var vex: String?

  @Flag(
    name: .customLong("allow-scripts-skipped"),
    help: "Patch packages that have maintainer scripts without running them.")
  var allowScriptsSkipped = false

  func run() async throws {
    try await ExitCodes.run(quiet: quiet) {
      let scan = ScanRequest(
        target: target, advisories: AdvisoryChoice.resolve(flag: db),
        options: try targetOptions.scanOptions(
          progress: quiet ? nil : { @Sendable m in Console.error(m) }))
      var request = PatchRequest(scan: scan, packages: packages, output: imageOutput)
      request.vex = vex
      request.allowScriptsSkipped = allowScriptsSkipped
      let outcome = try await Scanner().patch(request)
      switch format {
      case .json: FileHandle.standardOutput.write(try JSONReport.encode(outcome))
      case .table:
        var lines = ["patched image \(outcome.output) (\(outcome.manifestDigest))"]
        for r in outcome.replaced {
          lines.append(
            "  \(r.name) \(r.from ?? "(added)") -> \(r.to)  closes \(r.closes.joined(separator: ", "))"
          )
        }
        lines += outcome.skipped.map { "  not patched: \($0)" }
        lines += outcome.notes.map { "  note: \($0)" }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
      }
    }
  }
}
