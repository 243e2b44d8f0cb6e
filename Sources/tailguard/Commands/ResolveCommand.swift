import ArgumentParser
import Foundation
import Reports
import Scanner

/// `tailguard resolve REF`: the digest a tag points to right now (for pinning and drift checks).
struct ResolveCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resolve",
    abstract: "Print the digest a registry reference points to now.",
    discussion: """
      Text output is the digest of what the tag points to (the index digest for a multi-platform \
      image). JSON output adds the media type and the manifest digest selected for --platform.
      Exit codes: 0 resolved; 2 not found, auth denied, network or digest failure; 64 usage.
      """)

  @Argument(
    help: "Image reference, e.g. registry:127.0.0.1:5000/app:1.2 or docker.io/library/alpine:3.19")
  var reference: String

  @OptionGroup var output: OutputOptions<TextOrJSON>

  @OptionGroup var registry: RegistryOptions

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      let out = try await RegistryOperations.resolve(reference, settings: try registry.settings())
      switch output.format {
      case .json: try output.write(try JSONReport.encode(out))
      case .text: try output.write(out.digest + "\n")
      }
    }
  }
}
