import ArgumentParser
import Foundation
import Reports
import SBOMFormats
import Scanner
import TailguardModel

struct SBOMCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sbom",
    abstract: "List every component of an image as an SBOM (CycloneDX, SPDX, JSON or a table).",
    discussion: """
      Formats: table (default), cyclonedx-json (CycloneDX 1.6), spdx-json (SPDX 2.3), json \
      (tailguard's SoftwareBOM). Output is deterministic; --timestamp and --serial make it \
      byte-for-byte reproducible.
      """,
    subcommands: [SBOMGenerate.self, SBOMDiff.self],
    defaultSubcommand: SBOMGenerate.self
  )
}

/// Flags shared by the commands that read a target into a SoftwareBOM.
struct TargetOptions: ParsableArguments {
  /// `--platform`, and the registry flags for `registry:` targets.
  @OptionGroup var registry: RegistryOptions

  @Flag(
    name: .customLong("all-ecosystems"),
    help: "Also report language packages whose files an OS package owns.")
  var allEcosystems = false

  @Option(
    name: .long, help: "Base image (a TARGET) whose layers count as base layers for attribution.")
  var base: String?

  func scanOptions(progress: (@Sendable (String) -> Void)?) throws -> ScanOptions {
    try ScanOptions(
      registry: try registry.settings(), allEcosystems: allEcosystems, baseImage: base,
      progress: progress)
  }
}

/// `sbom -o`: the SBOM formats.
enum SBOMFormat: String, OutputFormat {
  case table
  case cyclonedxJSON = "cyclonedx-json"
  case spdxJSON = "spdx-json"
  case json
  static let standard = SBOMFormat.table
}

struct SBOMGenerate: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate", abstract: "Write the SBOM of TARGET (the default subcommand).")

  @Argument(help: "What to inventory (see `tailguard --help` for the forms).")
  var target: String

  @OptionGroup var targetOptions: TargetOptions
  @OptionGroup var output: OutputOptions<SBOMFormat>

  @Option(name: .long, help: "Creation timestamp to write (RFC 3339), for reproducible SBOMs.")
  var timestamp: String?

  @Option(
    name: .long,
    help:
      "UUID for the CycloneDX serial number / SPDX namespace (default: derived from the content).")
  var serial: String?

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      let serialUUID = try serial.map { s in
        guard let u = UUID(uuidString: s) else { throw ValidationError("--serial must be a UUID") }
        return u
      }
      let bom = try await Scanner().sbom(
        target: target, options: try targetOptions.scanOptions(progress: output.progressSink))
      Diagnostics.print(bom.diagnostics, output.verbosity)
      // Only the standard formats carry a creation time (formatting "now" loads ICU).
      var options: SBOMWriteOptions { SBOMWriteOptions(timestamp: timestamp, serial: serialUUID) }
      switch output.format {
      case .cyclonedxJSON: try output.write(try CycloneDXWriter(options: options).write(bom))
      case .spdxJSON: try output.write(try SPDXWriter(options: options).write(bom))
      case .json: try output.write(try JSONReport.encode(bom))
      case .table: try output.write(SBOMTable.render(bom))
      }
    }
  }
}

struct SBOMDiff: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Compare the packages of two images or SBOM files: added, removed, changed versions.",
    discussion: "Exit code 0 whether or not they differ; use -o json to script on the result.")

  @Argument(help: "The old image or SBOM.") var old: String
  @Argument(help: "The new image or SBOM.") var new: String
  @OptionGroup var targetOptions: TargetOptions
  @OptionGroup var output: OutputOptions<TableOrJSON>

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      let options = try targetOptions.scanOptions(progress: output.progressSink)
      let a = try await Scanner().sbom(target: old, options: options)
      let b = try await Scanner().sbom(target: new, options: options)
      let diff = SBOMDiffResult(old: a, new: b)
      if output.format == .json {
        try output.write(try JSONReport.encode(diff))
      } else {
        try output.write(diff.table())
      }
    }
  }
}

enum Diagnostics {
  /// Errors and warnings on stderr (all levels with -v), unless -q.
  static func print(_ diagnostics: [Diagnostic], _ output: Verbosity) {
    guard !output.quiet else { return }
    let shown = diagnostics.filter { output.verbose || $0.level >= .warning }
    for d in shown.prefix(output.verbose ? Int.max : 50) { Console.error(d.description) }
    if !output.verbose && shown.count > 50 {
      Console.error("… and \(shown.count - 50) more diagnostics (use -v to see all)")
    }
  }
}

enum SBOMTable {
  static func render(_ bom: SoftwareBOM) -> String {
    var out = "Target: \(bom.image.target)"
    if let d = bom.image.manifestDigest { out += "  (\(d.short))" }
    if let distro = bom.distro { out += "  \(distro.prettyName ?? distro.id)" }
    out += "\n\n"
    out += TableRenderer().render(
      header: ["NAME", "VERSION", "TYPE", "SOURCE", "LAYER", "LOCATION"],
      rows: bom.packages.map { p in
        [
          p.name, p.version, p.ecosystem.rawValue,
          p.source.map {
            $0.name == p.name && $0.version == p.version ? "" : "\($0.name) \($0.version)"
          } ?? "",
          p.introducedByIndex.map {
            LayerLabel.text($0) + (p.fromBaseImage == true ? " (base)" : "")
          } ?? "",
          p.locations.min().map { "/" + $0.path } ?? "",
        ]
      })
    out += "\n\(bom.packages.count) packages\n"
    return out
  }
}
