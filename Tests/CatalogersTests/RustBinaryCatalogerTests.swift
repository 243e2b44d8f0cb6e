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
