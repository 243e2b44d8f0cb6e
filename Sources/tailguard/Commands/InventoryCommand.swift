import ArgumentParser
import Foundation
import Reports
import Scanner
import TailguardModel

/// `tailguard inventory TARGET`: the image's identity, its layers, and which layer wrote the
/// files the container sees. Reads every layer once (digests verified as they stream).
struct InventoryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inventory",
    abstract: "Show an image's identity, layers and the layer attribution of its files.",
    discussion: """
      Formats: table (default), json. Progress (layer N of M, bytes) goes to standard error \
      unless -q. Decompression is bounded (a layer may expand to --max-layer-bytes and at most \
      --max-ratio times its compressed size); raise the bounds to read an unusual image.
      Exit code 2 when the image cannot be read (missing, malformed, digest mismatch, bounds).
      """)

  @Argument(help: "What to inventory (see `tailguard --help` for the forms).")
  var target: String

  /// `--platform` and the registry flags for `registry:` targets.
  @OptionGroup var registry: RegistryOptions

  @Option(
    name: .customLong("max-layer-bytes"),
    help: "Most bytes one layer may decompress to (default 32 GiB).")
  var maxLayerBytes: Int64 = InventoryRequest.defaultMaxLayerBytes

  @Option(
    name: .customLong("max-ratio"),
    help: "Most decompressed bytes per compressed byte (default 1000).")
  var maxRatio: Int64 = InventoryRequest.defaultMaxRatio

  @OptionGroup var output: OutputOptions<TableOrJSON>

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      var request = InventoryRequest(target: target, registry: try registry.settings())
      request.maxLayerBytes = maxLayerBytes
      request.maxRatio = maxRatio
      let inventory = try await Scanner().inventory(request, progress: output.progressSink)
      Diagnostics.print(inventory.diagnostics, output.verbosity)
      switch output.format {
      case .json: try output.write(try JSONReport.encode(inventory))
      case .table: try output.write(InventoryTableReport.render(inventory))
      }
    }
  }
}
