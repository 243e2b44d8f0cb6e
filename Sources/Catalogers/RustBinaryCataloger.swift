import ByteFormats
import FileTrees
import TailguardModel

/// Rust binaries built with `cargo auditable`: every crate of the embedded dependency list,
/// with dependency edges between them and the root crate containing the rest.
public struct RustBinaryCataloger: Cataloger {
  public let id = "rust-binary"
  public init() {}

  public var selectors: [FileSelector] { [BinaryCatalogerSupport.executableSelector] }

  public func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult {
    var result = CatalogResult()
    for path in resolver.paths(matching: BinaryCatalogerSupport.executableSelector) {
      guard let source = resolver.contents(at: path) else { continue }
      let data: CargoAuditable
      do {
        guard let found = try CargoAuditable.read(from: source) else { continue }
        data = found
      } catch {
        result.diagnostics.append(
          BinaryCatalogerSupport.diagnostic(
            .warning, "rust-binary.unreadable", "cannot read cargo-auditable data: \(error)",
            source: id, path: path,
            resolver: resolver))
        continue
      }
      let layer = BinaryCatalogerSupport.layer(of: path, in: resolver)
      let location = resolver.location(of: path)
      let packages = data.packages.map { crate in
        Package(
          name: crate.name, version: crate.version, ecosystem: .cargo,
          purl: PackageURL(type: "cargo", name: crate.name, version: crate.version),
          locations: [location],
          foundBy: id, introducedBy: layer.digest, introducedByIndex: layer.index,
          metadata: .rust(RustMetadata(source: crate.source, kind: crate.kind ?? "runtime")))
      }
      let root = data.packages.firstIndex { $0.root == true }.map { packages[$0].id } ?? path
      for (i, crate) in data.packages.enumerated() {
        if packages[i].id != root {
          result.relationships.append(Relationship(from: root, to: packages[i].id, kind: .contains))
        }
        for d in crate.dependencies ?? [] where d != i {
          result.relationships.append(
            Relationship(from: packages[i].id, to: packages[d].id, kind: .dependsOn))
        }
      }
      result.packages += packages
    }
    result.packages.sort()
    result.relationships = Array(Set(result.relationships)).sorted()
    return result
  }
}
