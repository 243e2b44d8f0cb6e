// Exercises `RegistryImageSource` as an `ImageSource` next to `OCILayoutSource`.
import ByteFormats
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import ImageSources

/// Acceptance: the planted image pushed to a real registry reads exactly like the OCI layout it
/// came from — same manifest digest, config, layer digests and diff IDs, and the same
/// uncompressed layer bytes through `readLayer` (which verifies digests and diff IDs again).
@Suite(
  .enabled(
    if: Oracles.gate(RegistryTestEnvironment.toolsAvailable),
    "needs docker-registry, skopeo, openssl, python3")
)
struct RegistrySourceConformanceTests {
  /// Reads every layer through `readLayer`, returning per layer (uncompressed bytes, hex SHA-256).
  static func layers(of source: any ImageSource, _ image: ImageMetadata) async throws -> [(
    Int64, String
  )] {
    var out: [(Int64, String)] = []
    for layer in image.layers {
      var count: Int64 = 0
      var hasher = BlobHasher.sha256()
      try await source.readLayer(layer, of: image) { buffer in
        count += Int64(buffer.count)
        hasher.update(Array(buffer))
      }
      out.append((count, hasher.hex()))
    }
    return out
  }

  @Test func registryTagDigestAndLayoutAgree() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let port = try env.startRegistry()
    let host = "127.0.0.1:\(port)"
    try env.push(to: "\(host)/fixtures/planted:latest")
    let layout = OCILayoutSource(
      directory: RegistryTestEnvironment.plantedLayout, reference: .tag("planted"))
    let fromDisk = try await layout.image()
    let diskLayers = try await Self.layers(of: layout, fromDisk)
    #expect(diskLayers.count == 2)

    let configuration = RegistryClientConfiguration(insecureRegistries: [host])
    let cacheDir = try TemporaryDirectory()
    let digest = try #require(fromDisk.manifestDigest)
    for target in [
      "registry:\(host)/fixtures/planted:latest", "registry:\(host)/fixtures/planted@\(digest)",
    ] {
      for cache in [nil, BlobCache(root: cacheDir.path)] {
        let source: any ImageSource = try RegistryImageSource(
          target: target, configuration: configuration, cache: cache)
        let image = try await source.image()
        #expect(image.target == target)
        #expect(image.sourceKind == "registry")
        #expect(image.manifestDigest == fromDisk.manifestDigest)
        #expect(image.configDigest == fromDisk.configDigest)
        #expect(image.layers.map(\.digest) == fromDisk.layers.map(\.digest))
        #expect(image.layers.map(\.diffID) == fromDisk.layers.map(\.diffID))
        #expect(image.layers.map(\.size) == fromDisk.layers.map(\.size))
        #expect(image.config == fromDisk.config)
        #expect(image.platform == fromDisk.platform)
        let registryLayers = try await Self.layers(of: source, image)
        #expect(registryLayers.map(\.0) == diskLayers.map(\.0))
        #expect(registryLayers.map(\.1) == diskLayers.map(\.1))
        #expect(registryLayers.map(\.1) == image.layers.compactMap { $0.diffID?.hex })
      }
    }
  }
}
