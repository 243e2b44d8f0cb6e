import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Catalogers

@Suite struct RustBinaryCatalogerTests {
  /// Expected crates checked independently with Python zlib + json on the `.dep-v0` section.
  @Test func cargoAuditableBinary() throws {
    let bytes = [UInt8](
      try Data(
        contentsOf: URL(
          fileURLWithPath: SharedData.path(
            "binaries/trivy/pkg/dependency/parser/rust/binary/testdata/test.elf"))))
    let resolver = InMemoryFileResolver(
      files: ["usr/local/bin/app": bytes], modes: ["usr/local/bin/app": 0o755],
      selectors: RustBinaryCataloger().selectors)
    let result = RustBinaryCataloger().catalog(resolver, context: CatalogContext())
    #expect(result.diagnostics.isEmpty)
    #expect(
      result.packages.map(\.purl.description) == [
        "pkg:cargo/crate_with_features@0.1.0", "pkg:cargo/library_crate@0.1.0",
      ])
    #expect(
      result.packages.allSatisfy {
        $0.locations.map(\.path) == ["usr/local/bin/app"] && $0.foundBy == "rust-binary"
      })
    let root = result.packages[0].id
    let lib = result.packages[1].id
    #expect(
      result.relationships.sorted()
        == [
          Relationship(from: root, to: lib, kind: .contains),
          Relationship(from: root, to: lib, kind: .dependsOn),
        ].sorted())
    guard case .rust(let meta) = result.packages[1].metadata else {
      Issue.record("no rust metadata")
      return
    }
    #expect(meta.source == "local")
    #expect(meta.kind == "runtime")
    // The Go cataloger sees the same executable and finds nothing in it.
    #expect(GoBinaryCataloger().catalog(resolver, context: CatalogContext()).packages.isEmpty)
  }
}

/// Binaries are catalogued by their bytes, not their mode bits (issue 14): a shared library
/// built with cargo-auditable or Go's `-buildmode=c-shared` is usually mode 0644. The real
/// Rust and Go test binaries go into an image layer as read-only `.so` files and through the
/// same walk a scan uses.
@Suite struct BinaryByMagicTests {
  @Test func nonExecutableBinariesAreCatalogued() throws {
    func shared(_ path: String) throws -> [UInt8] {
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedData.path(path))))
    }
    let rust = try shared("binaries/trivy/pkg/dependency/parser/rust/binary/testdata/test.elf")
    let go = try shared("binaries/trivy/pkg/dependency/parser/golang/binary/testdata/test.elf")
    var tar = TarBuilder()
    tar.file("usr/lib/librustapp.so", rust, mode: 0o644)
    tar.file("usr/lib/libgoapp.so", go, mode: 0o444)
    tar.file("usr/share/doc/readme", "not a binary", mode: 0o755)
    let layer = tar.finished()
    let catalogers: [any Cataloger] = [RustBinaryCataloger(), GoBinaryCataloger()]
    var builder = LayerStackBuilder(
      layers: [
        LayerInfo(
          index: 0, digest: try Digest(parsing: FixtureDigest.sha256(layer)), mediaType: "tar",
          compression: .none, size: Int64(layer.count))
      ], selectors: catalogers.flatMap(\.selectors))
    builder.beginLayer(0)
    try layer.withUnsafeBytes { try builder.push($0) }
    try builder.endLayer()
    let stack = builder.finish()
    let rustPackages = RustBinaryCataloger().catalog(stack, context: CatalogContext()).packages
    #expect(
      rustPackages.map(\.purl.description) == [
        "pkg:cargo/crate_with_features@0.1.0", "pkg:cargo/library_crate@0.1.0",
      ])
    #expect(rustPackages.allSatisfy { $0.locations.map(\.path) == ["usr/lib/librustapp.so"] })
    let goPackages = GoBinaryCataloger().catalog(stack, context: CatalogContext()).packages
    #expect(!goPackages.isEmpty)
    #expect(goPackages.allSatisfy { $0.locations.map(\.path) == ["usr/lib/libgoapp.so"] })
    #expect(goPackages.contains { $0.name == "stdlib" })
  }
}
