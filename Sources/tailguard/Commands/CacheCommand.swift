import ArgumentParser
import Foundation
import Reports
import Scanner

/// `tailguard cache status|prune`: the content-addressed blob cache registry pulls fill.
struct CacheCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cache",
    abstract: "Inspect or prune the registry blob cache ($XDG_CACHE_HOME/tailguard).",
    subcommands: [Status.self, Prune.self, Fill.self])

  struct Location: ParsableArguments {
    @Option(
      name: .customLong("cache-dir"),
      help: "Cache directory (default: $XDG_CACHE_HOME/tailguard or ~/.cache/tailguard).")
    var cacheDir: String?

  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Entries and size of the cache.")
    @OptionGroup var location: Location
    @OptionGroup var output: OutputOptions<TextOrJSON>

    func run() throws {
      try ExitCodes.runSync(quiet: output.quiet) {
        let status = RegistryOperations.cacheStatus(location.cacheDir)
        switch output.format {
        case .json: try output.write(try JSONReport.encode(status))
        case .text:
          try output.write(
            """
            cache: \(status.root)
            entries: \(status.entries)
            size: \(ByteSize.text(status.totalBytes)) (\(status.totalBytes) bytes)

            """)
        }
      }
    }
  }

  struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Remove least recently used entries until the cache fits --max-size (default 0: empty it).")
    @OptionGroup var location: Location
    @Option(name: .customLong("max-size"), help: "Size to prune down to, e.g. 5GiB, 500MB, 0.")
    var maxSize: String = "0"
    @Flag(name: .shortAndLong, help: "Print nothing.")
    var quiet = false

    func validate() throws {
      guard ByteSize.parse(maxSize) != nil else {
        throw ValidationError("--max-size '\(maxSize)' is not a size")
      }
    }

    func run() throws {
      let removed = RegistryOperations.prune(
        location.cacheDir, maxSize: ByteSize.parse(maxSize) ?? 0)
      if !quiet { print("removed \(removed.entries) entries, \(ByteSize.text(removed.bytes))") }
    }
  }
}

extension CacheCommand {
  /// `tailguard cache fill REF…`: download images' manifests, configs and layers into the cache
  /// (digest-verified) ahead of scans, e.g. before going offline. Prints per image how many bytes
  /// came from the network and how many were already cached.
  struct Fill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Download images (manifests, configs, layers) into the cache, verifying every digest.")
    @Argument(help: "Registry references (registry:REF or REF).")
    var references: [String]
    @OptionGroup var location: Location
    @OptionGroup var registry: RegistryOptions
    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    func run() async throws {
      // Failures are printed even with -q (which silences only the per-image lines).
      try await ExitCodes.run {
        let filled = try await RegistryOperations.fill(
          references, settings: try registry.settings(), directory: location.cacheDir)
        for f in filled where f.error == nil && !quiet {
          print(
            "\(f.reference) \(f.manifestDigest ?? "") layers=\(f.layers) fetched=\(f.fetched) cached=\(f.cached)"
          )
        }
        let failures = filled.compactMap { f in f.error.map { "tailguard cache fill: \($0)" } }
        if !failures.isEmpty { throw Failing(.couldNotRun, failures) }
      }
    }
  }
}
