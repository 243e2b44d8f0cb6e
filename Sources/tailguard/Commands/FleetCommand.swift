import ArgumentParser
import Foundation
import Scanner

extension FleetOperations.InventoryFormat: OutputFormat {
  static var standard: Self { .table }
}

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
    @OptionGroup var output: FormatOptions<FleetOperations.InventoryFormat>
    @Option(name: .customLong("build-arg"), help: "Dockerfile ARG override K=V (repeatable).")
    var buildArgs: [String] = []
    @Option(name: .customLong("env"), help: "Compose variable K=V (repeatable).") var env:
      [String] = []
    @Flag(name: .short, help: "Quiet: no diagnostics on stderr.") var quiet = false

    func run() async throws {
      try await ExitCodes.run {
        let inventory = FleetOperations.inventory(
          FleetOperations.Files(
            paths: paths, buildArgs: try PinCommand.keyValues(buildArgs),
            environment: try PinCommand.keyValues(env)))
        if !quiet {
          for d in inventory.diagnostics {
            FileHandle.standardError.write(Data((d.description + "\n").utf8))
          }
        }
        try PinCommand.emit(try inventory.render(output.format), to: output.output)
        if inventory.exitStatus != .done { throw Failing(inventory.exitStatus) }
      }
    }
  }
}
