import ArgumentParser
import Scanner
import ByteFormats
import FileTrees
import Foundation
import ImageSources
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
  var maxLayerBytes: Int64 = DecompressionLimits.layer.maxOutput

  @Option(
    name: .customLong("max-ratio"),
    help: "Most decompressed bytes per compressed byte (default 1000).")
  var maxRatio: Int64 = DecompressionLimits.layer.maxRatio

  @OptionGroup var output: OutputOptions

  func run() async throws {
    try await ExitCodes.run {
      let format = try output.resolvedFormat(["table", "json"])
      let requested = try registry.requestedPlatform()
      let limits = DecompressionLimits(maxOutput: maxLayerBytes, maxRatio: maxRatio)
      let quiet = output.quiet
      let configuration = try registry.makeConfiguration()
      let inventory = try await Self.inventory(
        target: target, platform: requested, limits: limits, registry: configuration)
      { line in
        if !quiet { Console.error(line) }
      }
      Diagnostics.print(inventory.diagnostics, output: output)
      if format == "json" {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(inventory)
        data.append(0x0A)
        try output.write(data)
      } else {
        try output.write(Self.table(inventory))
      }
    }
  }

  /// Reads `target` and summarises it (shared with tests; the Scanner uses the same pieces).
  static func inventory(
    target: String, platform: Platform?, limits: DecompressionLimits,
    registry: RegistryClientConfiguration = RegistryClientConfiguration(),
    progress: @escaping (String) -> Void
  ) async throws -> ImageInventory {
    let parsed = try ImageTarget.parse(target)
    if case .directory(let root) = parsed {
      let image = try DirectorySource(root: root, target: target).resolve()
      progress("reading directory \(root)")
      let stack = try DirectoryResolver.build(root: root, selectors: [])
      return ImageInventory.summarize(image: image, stack: stack)
    }
    var options = ScanOptions(platform: platform)
    options.registry = registry
    let source = try Scanner().imageSource(for: parsed, target: target, options: options)
    let image = try await source.image()
    let count = image.layers.count
    let (inventory, _) = try await ImageInventory.build(image: image) { layer, sink in
      progress(
        "layer \(layer.index + 1) of \(count): \(layer.digest.short), \(Self.bytes(layer.size))")
      try await source.readLayer(
        layer, of: image, limits: limits,
        progress: { p in
          if !p.done {
            progress(
              "layer \(p.layerIndex + 1) of \(p.layerCount): \(Self.bytes(p.bytesIn)) read, \(Self.bytes(p.bytesOut)) unpacked"
            )
          }
        }, into: sink)
    }
    return inventory
  }

  static func bytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var u = 0
    while v >= 1024 && u < units.count - 1 {
      v /= 1024
      u += 1
    }
    return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
  }

  static func table(_ inv: ImageInventory) -> String {
    let image = inv.image
    var out = ""
    func line(_ key: String, _ value: String?) {
      guard let value, !value.isEmpty else { return }
      out += key.padding(toLength: 11, withPad: " ", startingAt: 0) + value + "\n"
    }
    line("Target:", image.target)
    line("Source:", image.sourceKind)
    line(
      "Manifest:",
      image.manifestDigest.map { d in "\(d)" + (image.manifestMediaType.map { " (\($0))" } ?? "") })
    line("Index:", image.indexDigest?.description)
    line("Config:", image.configDigest?.description)
    line("Platform:", image.platform?.description)
    line("Tags:", image.tags.joined(separator: ", "))
    line("Created:", image.config.created)
    line("User:", image.config.user)
    out += "\n"
    var rows: [[String]] = [["#", "DIGEST", "SIZE", "MEDIA TYPE", "FILES", "BYTES", "CREATED BY"]]
    for l in inv.layers {
      rows.append([
        "\(l.index + 1)", l.digest?.short ?? "-", bytes(l.size),
        (l.mediaType ?? "-").replacingOccurrences(of: "application/vnd.", with: ""), "\(l.files)",
        bytes(l.bytes),
        String((l.createdBy ?? "").replacingOccurrences(of: "\n", with: " ").prefix(60)),
      ])
    }
    var widths = [Int](repeating: 0, count: rows[0].count)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    for r in rows {
      out +=
        r.enumerated().map { i, c in
          i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }
        .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
    }
    out += "\n\(inv.totalFiles) files visible, \(bytes(inv.totalBytes)) in regular files\n"
    return out
  }
}
