import ArgumentParser
import Foundation
import TailguardModel

#if REGISTRY_DEV
  import RegistryDev
#else
  import ImageSources
#endif

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

    var cache: BlobCache { BlobCache(root: cacheDir ?? BlobCache.defaultRoot()) }
  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Entries and size of the cache.")
    @OptionGroup var location: Location
    @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: text or json.")
    var format: String = "text"

    func validate() throws {
      guard ["text", "json"].contains(format) else {
        throw ValidationError("-o must be text or json")
      }
    }

    func run() throws {
      let status = location.cache.status()
      if format == "json" {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(status), as: UTF8.self))
      } else {
        print("cache: \(status.root)")
        print("entries: \(status.entries)")
        print("size: \(CacheByteSize.format(status.totalBytes)) (\(status.totalBytes) bytes)")
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
      guard CacheByteSize.parse(maxSize) != nil else {
        throw ValidationError("--max-size '\(maxSize)' is not a size")
      }
    }

    func run() throws {
      let bound = CacheByteSize.parse(maxSize) ?? 0
      let removed = location.cache.prune(maxSize: bound)
      if !quiet {
        let bytes = removed.reduce(Int64(0)) { $0 + $1.size }
        print("removed \(removed.count) entries, \(CacheByteSize.format(bytes))")
      }
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
      let refs = try references.map { try RegistryOptions.parseReference($0) }
      let configuration = try registry.makeConfiguration()
      let client: RegistryClient
      do { client = try RegistryClient(configuration: configuration) } catch {
        FileHandle.standardError.write(Data("tailguard cache fill: \(error)\n".utf8))
        throw ExitCode(2)
      }
      let cache = location.cache
      var failed = false
      for ref in refs {
        let source = RegistryImageSource(reference: ref, client: client, cache: cache)
        do {
          let resolved = try await source.resolve()
          var fetched: Int64 = 0
          var cached: Int64 = 0
          for layer in resolved.metadata.layers {
            let chunks = source.openLayer(layer)
            let fromCache = chunks.isCached
            var n: Int64 = 0
            for try await chunk in chunks { n += Int64(chunk.count) }
            if fromCache { cached += n } else { fetched += n }
          }
          if !quiet {
            print(
              "\(ref.description) \(resolved.manifest.digest) layers=\(resolved.metadata.layers.count) fetched=\(fetched) cached=\(cached)"
            )
          }
        } catch {
          FileHandle.standardError.write(Data("tailguard cache fill: \(error)\n".utf8))
          failed = true
        }
      }
      await client.shutdown()
      if failed { throw ExitCode(2) }
    }
  }
}

/// Sizes as people type them: `1024`, `500MB`, `5GiB`, `1.5G`.
enum CacheByteSize {
  static func parse(_ text: String) -> Int64? {
    let t = text.trimmingCharacters(in: .whitespaces)
    let units: [(String, Double)] = [
      ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
      ("KB", 1e3), ("MB", 1e6),
      ("GB", 1e9),
      ("TB", 1e12), ("K", 1024), ("M", 1_048_576), ("G", 1_073_741_824), ("T", 1_099_511_627_776),
      ("B", 1),
    ]
    for (suffix, factor) in units where t.uppercased().hasSuffix(suffix.uppercased()) {
      guard let n = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), n >= 0,
        n < 1e18 / factor
      else { return nil }
      return Int64(n * factor)
    }
    guard let n = Int64(t), n >= 0 else { return nil }
    return n
  }

  static func format(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var i = 0
    while value >= 1024, i < units.count - 1 {
      value /= 1024
      i += 1
    }
    return i == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[i]
  }
}
