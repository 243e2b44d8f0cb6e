import ArgumentParser
import Fleet
import Foundation

/// `tailguard fleet inventory`: where every image runs, from deployment files.
struct FleetCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fleet", abstract: "Inventory of image references in deployment files.",
    subcommands: [Inventory.self, FleetScanCommand.self])

  struct Inventory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "List every image reference (Dockerfiles, Kubernetes, Compose, Helm values, GitHub Actions) with file, line, pinning class and replicas.",
      discussion: """
        -o json prints an array with one object per reference; -o summary-json prints the summary \
        (per class, per image: workloads and total replicas); -o table prints both.
        """)

    @Argument(help: "Files or directories (searched recursively).") var paths: [String]
    @Option(
      name: [.customShort("o"), .customLong("format")], help: "table, json, csv or summary-json.")
    var format: String = "table"
    @Option(name: .customLong("output"), help: "Write to this file instead of stdout.") var output:
      String?
    @Option(name: .customLong("build-arg"), help: "Dockerfile ARG override K=V (repeatable).")
    var buildArgs: [String] = []
    @Option(name: .customLong("env"), help: "Compose variable K=V (repeatable).") var env:
      [String] = []
    @Flag(name: .short, help: "Quiet: no diagnostics on stderr.") var quiet = false

    func run() async throws {
      let scanner = FleetScanner(
        buildArgs: try PinCommand.keyValues(buildArgs), environment: try PinCommand.keyValues(env))
      let inv = scanner.scan(paths)
      if !quiet {
        for d in inv.diagnostics {
          FileHandle.standardError.write(Data((d.description + "\n").utf8))
        }
      }
      let summary = FleetSummary(inv.references, files: inv.files.count)
      let text: String
      switch format {
      case "json": text = try InventoryFormatter.json(inv.references)
      case "summary-json": text = try InventoryFormatter.json(summary)
      case "csv": text = InventoryFormatter.csv(inv.references)
      case "table": text = InventoryFormatter.table(inv.references, summary: summary)
      default: throw ValidationError("unknown format '\(format)' (table, json, csv, summary-json)")
      }
      try PinCommand.emit(text, to: output)
      if inv.diagnostics.contains(where: {
        $0.code == "fleet.missing" || $0.code == "fleet.unreadable"
      }) {
        throw ExitCodes.exitCode(.couldNotRun)
      }
    }
  }
}
