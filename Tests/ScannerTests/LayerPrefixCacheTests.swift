import FileTrees
import Foundation
import Scanner
import TailguardModel
import TailguardTesting
import Testing

/// Reading an image from a kept layer prefix must give exactly what reading it whole gives: the
/// planted image (the shared Debian base layer plus its own) read whole, then again from the
/// state kept after its base layer, and the base image itself in between.
@Suite struct LayerPrefixCacheTests {
  static let layout = SharedData.path("images/built/oci-layout")

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func imageFromAKeptPrefixEqualsTheImageReadWhole() async throws {
    let scanner = Scanner()
    let whole = try await scanner.inspect(target: "oci:\(Self.layout):planted")
    var options = ScanOptions()
    let cache = LayerPrefixCache()
    options.layerCache = cache
    let first = try await scanner.inspect(target: "oci:\(Self.layout):planted", options: options)
    #expect(await cache.hits == 0)
    let base = try await scanner.inspect(
      target: "oci:\(Self.layout):bookworm-minbase", options: options)
    let second = try await scanner.inspect(target: "oci:\(Self.layout):planted", options: options)
    #expect(await cache.hits == 1)
    #expect(first.sbom == whole.sbom)
    #expect(second.sbom == whole.sbom)
    #expect(second.files == whole.files)
    #expect(!whole.sbom.packages.isEmpty)
    let baseWhole = try await scanner.inspect(target: "oci:\(Self.layout):bookworm-minbase")
    #expect(base.sbom == baseWhole.sbom)
  }
}
