import ByteFormats
import FileTrees
import TailguardModel

/// Rust binaries built with `cargo auditable`: every crate of the embedded dependency list,
/// with dependency edges between them and the root crate containing the rest.
public typealias RustBinaryCataloger = FileCataloger<RustBinaryFiles>

public struct RustBinaryFiles: PackageFiles {
  public let id = "rust-binary"
  public init() {}

  public var parsers: [FileParser] {
    [FileParser(BinaryCatalogerSupport.executableSelector, parse: Self.read)]
  }

  static func read(_ file: SelectedFile) -> CatalogResult {
    var result = CatalogResult()
    let data: CargoAuditable
    do {
      guard let found = try CargoAuditable.read(from: file.source) else { return result }
      data = found
    } catch {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .warning, "rust-binary.unreadable", "cannot read cargo-auditable data: \(error)",
          source: file.catalogerID, path: file.path, resolver: file.resolver))
      return result
    }
    let layer = BinaryCatalogerSupport.layer(of: file.path, in: file.resolver)
    let location = file.resolver.location(of: file.path)
    let packages = data.packages.map { crate in
      Package(
        name: crate.name, version: crate.version, ecosystem: .cargo,
        purl: PackageURL(
          type: Ecosystem.cargo.traits.purlType, name: crate.name, version: crate.version),
        locations: [location],
        foundBy: file.catalogerID, introducedBy: layer.digest, introducedByIndex: layer.index,
        metadata: .rust(RustMetadata(source: crate.source, kind: crate.kind ?? "runtime")))
    }
    let root = data.packages.firstIndex { $0.root == true }.map { packages[$0].id } ?? file.path
    var relationships = Set<Relationship>()
    for (i, crate) in data.packages.enumerated() {
      if packages[i].id != root {
        relationships.insert(Relationship(from: root, to: packages[i].id, kind: .contains))
      }
      for d in crate.dependencies ?? [] where d != i {
        relationships.insert(
          Relationship(from: packages[i].id, to: packages[d].id, kind: .dependsOn))
      }
    }
    result.packages = packages
    // One binary's list may name an edge twice; the set keeps one (the ids carry the path, so
    // edges of different binaries never coincide).
    result.relationships = Array(relationships)
    return result
  }
}
