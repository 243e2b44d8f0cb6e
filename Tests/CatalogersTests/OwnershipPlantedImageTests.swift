import ByteFormats
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Catalogers

/// The planted image end to end through the real layer reader: both gzip layer blobs are
/// inflated and walked once by `LayerStackBuilder` with every cataloger's selectors, then the
/// dpkg cataloger and all language catalogers run over the squashed view, and the precision
/// rule is applied. The result is compared with the oracle inventory
/// (`images/built/planted.expected-inventory.json`, `pkgdb/expected/*.dpkg-query.tsv`).
@Suite struct OwnershipPlantedImageTests {
  @Test(.enabled(if: Oracles.gate(PlantedLayerFixture.available), "planted image not available"))
  func plantedImageInventory() throws {
    let layers = try PlantedLayerFixture.layers()
    try #require(layers.count == 2)
    let language: [any Cataloger] = [
      PythonCataloger(), NpmCataloger(), GoBinaryCataloger(), RustBinaryCataloger(),
      JavaCataloger(),
    ]
    let catalogers: [any Cataloger] = [DpkgCataloger()] + language
    var builder = LayerStackBuilder(layers: layers, selectors: catalogers.flatMap(\.selectors))
    for layer in layers {
      builder.beginLayer(layer.index)
      let blob = try FileByteSource(
        path: SharedData.path("\(PlantedLayerFixture.layout)/blobs/sha256/\(layer.digest.hex)"))
      var inflater = Inflater(mode: .gzip)
      var offset = 0
      while offset < blob.count {
        let chunk = try blob.read(at: offset, length: 1 << 20)
        offset += chunk.count
        try inflater.push(chunk) { try builder.push($0) }
      }
      try inflater.finish()
      try builder.endLayer()
    }
    let stack = builder.finish()
    var merged = CatalogResult()
    for cataloger in catalogers {
      let result = cataloger.catalog(stack, context: CatalogContext())
      merged.packages += result.packages
      merged.relationships += result.relationships
      merged.diagnostics += result.diagnostics
    }
    let final = Ownership.apply(to: merged, options: CatalogOptions(), resolver: stack)
    #expect(final.diagnostics.filter { $0.code == "ownership.dropped" }.isEmpty)

    let expected = try PlantedLayerFixture.expectedInventory
    let tsv = try String(
      contentsOfFile: SharedData.path("pkgdb/expected/debian-bookworm-minbase.dpkg-query.tsv"),
      encoding: .utf8)
    let debCount = tsv.split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }.count
    let debs = final.packages.filter { $0.ecosystem == .deb }
    #expect(debs.count == debCount)
    #expect(debs.allSatisfy { $0.introducedBy == layers[0].digest })

    let lang = final.packages.filter { !$0.ecosystem.isOperatingSystem }
    #expect(lang.allSatisfy { $0.introducedBy == layers[1].digest && $0.introducedByIndex == 1 })
    let python = (expected["python"] as? [[String: String]] ?? []).map {
      "\($0["name"]!)@\($0["version"]!)"
    }
    #expect(
      lang.filter { $0.ecosystem == .pypi }.map { "\($0.name)@\($0.version)" }.sorted()
        == python.sorted())
    let java = (expected["java"] as? [String: String] ?? [:]).filter { $0.key.hasPrefix("/") }
    #expect(
      Set(
        lang.filter { $0.ecosystem == .maven }.map {
          "/\($0.locations[0].path) \($0.name):\($0.version)"
        })
        == Set(java.map { "\($0.key) \($0.value)" }))
    #expect(
      lang.filter { $0.ecosystem == .npm }.map(\.purl.description) == ["pkg:npm/semver@7.6.2"])
    let goDeps =
      ((expected["go_binaries"] as? [String: [String: Any]])?["/usr/local/bin/gobin-with-deps"]?[
        "deps"]
        as? [String: String]) ?? [:]
    let go = lang.filter { $0.ecosystem == .golang }
    #expect(
      Set(
        go.filter { $0.name != "stdlib" && $0.version != "(devel)" }.map {
          "\($0.name)@\($0.version)"
        })
        == Set(goDeps.map { "\($0.key)@\($0.value)" }))
    #expect(Set(go.filter { $0.name == "stdlib" }.map(\.version)) == ["1.15.2", "1.19.8"])
    #expect(go.count == 6)
    #expect(lang.count == 7 + 2 + 1 + 6)
    // Large binaries were spooled, not held in memory, and still read through ranges.
    #expect(stack.contents(at: "usr/local/bin/umoci") != nil)
  }
}
