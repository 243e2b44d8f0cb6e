import Fleet
import Foundation
import ImageSources
import TailguardTesting
import Testing

@testable import Scanner
@testable import TailguardModel

/// `pin fix` against a real registry on loopback: copies of the whole fleet corpus whose
/// literal references are pointed at the local registry, an image pushed there for every
/// repository and tag they name, then fix → lint is clean at every fixed line, the bytes changed
/// are exactly the reference tokens, and each pin is the digest the registry serves.
@Suite(.serialized) struct PinFixRegistryTests {
  static let available =
    RegistryTestEnvironment.which("docker-registry") != nil && SharedData.isAvailable

  /// A tiny single-layer image whose content depends on `seed` (so digests differ per tag).
  static func tinyImage(seed: String) throws -> (config: [UInt8], layer: [UInt8], diffID: String) {
    var tar = TarBuilder()
    tar.file("etc/tag", seed)
    let layer = tar.bytes
    let diffID = FixtureDigest.sha256(layer)
    return (
      ImageBuilder.json([
        "architecture": "amd64", "os": "linux",
        "rootfs": ["type": "layers", "diff_ids": [diffID]], "config": [:],
      ]), layer, diffID
    )
  }

  /// Pushes a tiny image as `repository:tag` and returns the manifest digest the registry keeps.
  static func push(_ client: RegistryClient, registry: String, repository: String, tag: String)
    async throws -> String
  {
    let image = try tinyImage(seed: "\(repository):\(tag)")
    let config = try await client.pushBlob(
      registry: registry, repository: repository, bytes: image.config)
    let layer = try await client.pushBlob(
      registry: registry, repository: repository, bytes: image.layer)
    let manifest = ImageBuilder.json([
      "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": [
        "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.description,
        "size": image.config.count,
      ],
      "layers": [
        [
          "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer.description,
          "size": image.layer.count,
        ]
      ],
    ])
    return try await client.pushManifest(
      registry: registry, repository: repository, reference: tag, bytes: manifest,
      mediaType: "application/vnd.oci.image.manifest.v1+json"
    ).description
  }

  @Test(.enabled(if: available, "docker-registry not installed (install-oracles.sh)"))
  func corpusCopiesPointedAtTheLocalRegistryRoundTrip() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let port = try env.startRegistry()
    let registry = "127.0.0.1:\(port)"
    let client = try RegistryClient(
      configuration: RegistryClientConfiguration(insecureRegistries: [registry]))
    defer { Task { await client.shutdown() } }

    let tmp = try TemporaryDirectory(prefix: "pin-registry")
    let corpus = tmp.path + "/corpus"
    try FileManager.default.copyItem(atPath: SharedData.path("fleet/corpus"), toPath: corpus)
    // 1. Point every literal unpinned reference of the copies at the local registry.
    let original = FleetScanner().scan([corpus])
    let literal = original.references.filter {
      [.tag, .latest, .untagged].contains($0.class) && $0.resolved == nil && $0.span != nil
    }
    #expect(literal.count > 500)
    var pointed: [PinEdit] = []
    for r in literal {
      guard let span = r.span, let ref = try? ImageReference(parsing: r.reference) else {
        continue
      }
      let local = "\(registry)/\(ref.repository)" + (ref.tag.map { ":" + $0 } ?? "")
      pointed.append(PinEdit(file: r.file, line: r.line, span: span, old: r.reference, new: local))
    }
    for (file, edits) in Dictionary(grouping: pointed, by: \.file) {
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
      try Data(PinFixer.apply(edits, to: bytes)).write(to: URL(fileURLWithPath: file))
    }
    // 2. Push an image for every repository:tag the copies now name.
    let before = FleetScanner().scan([corpus])
    let local = before.references.filter {
      $0.reference.hasPrefix(registry + "/") && $0.span != nil
    }
    #expect(local.count == pointed.count)
    var served: [String: String] = [:]
    for r in local {
      let ref = try ImageReference(parsing: r.reference)
      let key = "\(ref.repository):\(ref.tag ?? "latest")"
      if served[key] == nil {
        served[key] = try await Self.push(
          client, registry: registry, repository: ref.repository, tag: ref.tag ?? "latest")
      }
    }
    // 3. Fix through the registry.
    let plan = await PinFixer(resolver: RegistryDigestResolver(client: client)).plan(
      before.references.filter { $0.reference.hasPrefix(registry + "/") })
    #expect(plan.skipped.isEmpty, "\(plan.skipped.prefix(3))")
    #expect(plan.edits.count == local.count)
    for e in plan.edits {
      let ref = try ImageReference(parsing: e.old)
      let digest = try #require(served["\(ref.repository):\(ref.tag ?? "latest")"])
      #expect(e.new == "\(registry)/\(ref.repository):\(ref.tag ?? "latest")@\(digest)")
    }
    var editedFiles = Set<String>()
    for (file, edits) in Dictionary(grouping: plan.edits, by: \.file) {
      let old = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
      let new = PinFixer.apply(edits, to: old)
      // Only the reference tokens changed: rebuild the file independently from the spans.
      var expected: [UInt8] = []
      var pos = 0
      for e in edits.sorted(by: { $0.span.start < $1.span.start }) {
        #expect(Array(old[e.span.start..<e.span.end]) == Array(e.old.utf8))
        expected += old[pos..<e.span.start] + Array(e.new.utf8)
        pos = e.span.end
      }
      expected += old[pos...]
      #expect(new == expected, "\(file)")
      try Data(new).write(to: URL(fileURLWithPath: file))
      editedFiles.insert(file)
    }
    // 4. Lint again: nothing left at the fixed lines, and every fixed reference is a digest pin.
    let after = FleetScanner().scan([corpus])
    #expect(after.references.count == before.references.count)
    let fixedLines = Set(plan.edits.map { "\($0.file):\($0.line)" })
    let left = PinLinter().lint(after.references, fileLines: PinLinter.readLines).filter {
      fixedLines.contains("\($0.file):\($0.line)")
    }
    #expect(left.isEmpty, "\(left.prefix(5).map(\.message))")
    for r in after.references where fixedLines.contains("\(r.file):\(r.line)") {
      #expect(r.class == .digest, "\(r.file):\(r.line) \(r.reference)")
    }
    // Files with nothing to fix are byte-identical to the corpus.
    for f in after.files.map(\.path) where !editedFiles.contains(f) {
      let rel = String(f.dropFirst(corpus.count))
      #expect(
        FileManager.default.contents(atPath: f)
          == FileManager.default.contents(atPath: SharedData.path("fleet/corpus") + rel), "\(rel)")
    }
  }

  @Test(.enabled(if: available, "docker-registry not installed (install-oracles.sh)"))
  func helmImageMapGetsItsDigestFilled() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let port = try env.startRegistry()
    let registry = "127.0.0.1:\(port)"
    let client = try RegistryClient(
      configuration: RegistryClientConfiguration(insecureRegistries: [registry]))
    defer { Task { await client.shutdown() } }
    let digest = try await Self.push(
      client, registry: registry, repository: "bitnami/redis", tag: "7.2.4")
    let values = """
      # Bitnami-style values
      image:
        registry: \(registry)
        repository: bitnami/redis
        tag: 7.2.4   # keep this comment
        digest: ""
        pullPolicy: IfNotPresent
      sidecar:
        image:
          registry: \(registry)
          repository: bitnami/redis
          tag: 7.2.4
      """
    let tmp = try TemporaryDirectory()
    let file = tmp.file("values.yaml")
    try values.write(toFile: file, atomically: true, encoding: .utf8)
    let inventory = FleetScanner().scan([file])
    let plan = await PinFixer(resolver: RegistryDigestResolver(client: client)).plan(
      inventory.references)
    #expect(plan.edits.count == 1)
    // The map without a digest key is reported, not rewritten.
    #expect(plan.skipped.map(\.reference.line) == [11])
    let fixed = String(
      decoding: PinFixer.apply(plan.edits, to: Array(values.utf8)), as: UTF8.self)
    #expect(fixed == values.replacingOccurrences(of: "digest: \"\"", with: "digest: \"\(digest)\""))
    try fixed.write(toFile: file, atomically: true, encoding: .utf8)
    let again = FleetScanner().scan([file]).references
    #expect(again.map(\.class) == [.digest, .tag])
  }
}
