import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Catalogers

private let hasDpkg =
  FixtureProcess.which("dpkg") != nil && FixtureProcess.which("dpkg-query") != nil

@Suite struct OwnershipTests {
  /// The brief's example: Debian's python3-yaml ships PyYAML's dist-info; the deb is the component.
  @Test func debianPythonYamlIsTheDebNotAPyPIPackage() throws {
    let metadata = "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA"
    let files: [String: [UInt8]] = [
      metadata: Array("Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\n".utf8),
      "usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA": Array(
        "Name: requests\nVersion: 2.19.0\n".utf8),
    ]
    let resolver = InMemoryFileResolver(files: files, selectors: PythonCataloger().selectors)
    var merged = PythonCataloger().catalog(resolver, context: CatalogContext())
    let yaml = OwnershipTestsSupport.deb(
      "python3-yaml", "6.0-3",
      files: ["/usr/lib/python3/dist-packages/yaml/__init__.py", "/" + metadata])
    merged.packages.append(yaml)
    let pyyamlID = try #require(merged.packages.first { $0.name == "PyYAML" }?.id)
    merged.relationships.append(Relationship(from: yaml.id, to: pyyamlID, kind: .contains))

    let out = Ownership.apply(to: merged, options: CatalogOptions(), resolver: resolver)
    #expect(
      out.packages.map(\.purl.description).sorted() == [
        "pkg:deb/debian/python3-yaml@6.0-3", "pkg:pypi/requests@2.19.0",
      ])
    #expect(out.relationships.isEmpty)
    let note = try #require(out.diagnostics.first { $0.code == "ownership.dropped" })
    #expect(note.level == .info)
    #expect(note.path == metadata)
    #expect(note.message.contains("python3-yaml"))

    let all = Ownership.apply(
      to: merged, options: CatalogOptions(allEcosystems: true), resolver: resolver)
    #expect(all.packages.count == 3)
    #expect(all.diagnostics.allSatisfy { $0.code != "ownership.dropped" })
  }

  /// Real Debian data: this machine's own dpkg database and the egg-info/dist-info files its
  /// python3-* packages installed. Every such distribution is found by the python cataloger and
  /// every one is dropped in favour of the owning deb, whose name `dpkg -S` reports.
  @Test(.enabled(if: Oracles.gate(hasDpkg), "dpkg is not installed"))
  func hostDebianPythonPackages() throws {
    let out = String(
      decoding: (try? FixtureProcess.run(
        "dpkg",
        [
          "-S", "/usr/lib/python3/dist-packages/*-info/PKG-INFO",
          "/usr/lib/python3/dist-packages/*.dist-info/METADATA",
        ]))
        ?? [], as: UTF8.self)
    var owners: [String: String] = [:]  // image path → deb name
    for line in out.split(separator: "\n") {
      guard let sep = line.range(of: ": ") else { continue }
      let package = line[..<sep.lowerBound].split(separator: ":").first.map(String.init) ?? ""
      owners[String(line[sep.upperBound...].dropFirst())] = package
    }
    try #require(!owners.isEmpty, "no dpkg-owned Python metadata on this machine")
    var files: [String: [UInt8]] = [:]
    var debs: [Package] = []
    for deb in Set(owners.values).sorted() {
      let version = String(
        decoding: try FixtureProcess.run("dpkg-query", ["-W", "-f=${Version}", deb]), as: UTF8.self)
      let list = String(decoding: try FixtureProcess.run("dpkg-query", ["-L", deb]), as: UTF8.self)
      debs.append(
        OwnershipTestsSupport.deb(deb, version, files: list.split(separator: "\n").map(String.init))
      )
    }
    for path in owners.keys {
      files[path] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/" + path)))
    }
    let resolver = InMemoryFileResolver(files: files, selectors: PythonCataloger().selectors)
    let python = PythonCataloger().catalog(resolver, context: CatalogContext())
    #expect(python.packages.count == owners.count)
    let out2 = Ownership.apply(
      to: CatalogResult(packages: python.packages + debs), options: CatalogOptions())
    #expect(out2.packages.allSatisfy { $0.ecosystem == .deb })
    let dropped = out2.diagnostics.filter { $0.code == "ownership.dropped" }
    #expect(dropped.count == owners.count)
    for d in dropped {
      let owner = try #require(owners[d.path ?? ""])
      #expect(d.message.contains("deb package \(owner) "))
    }
  }

  /// A listed symlink owns what it points at: Debian's libfoo-java lists the unversioned
  /// `foo.jar` link, the Java cataloger reads the versioned jar it points at. Also through a
  /// directory link (`/share` → `usr/share`) and through a chain of links. A listed symlink
  /// to some other file owns nothing.
  @Test func listedSymlinkOwnsItsTarget() throws {
    var tar = TarBuilder()
    tar.file("usr/share/java/foo-1.2.jar", [0x50, 0x4B])
    tar.file("usr/share/java/bar-2.0.jar", [0x50, 0x4B])
    tar.file("usr/share/java/other.txt", [])
    tar.symlink("usr/share/java/foo.jar", to: "foo-1.2.jar")
    tar.symlink("usr/share/java/bar.jar", to: "other.txt")
    tar.symlink("share", to: "usr/share")
    // A chain: the first hop names another link, not the jar.
    tar.file("usr/share/java/baz-3.0.jar", [0x50, 0x4B])
    tar.symlink("usr/share/java/baz-current.jar", to: "baz-3.0.jar")
    tar.symlink("usr/share/java/baz.jar", to: "baz-current.jar")
    let layer = tar.finished()
    var builder = LayerStackBuilder(
      layers: [
        LayerInfo(
          index: 0, digest: try Digest(parsing: FixtureDigest.sha256(layer)), mediaType: "tar",
          compression: .none, size: Int64(layer.count))
      ], selectors: [])
    builder.beginLayer(0)
    try layer.withUnsafeBytes { try builder.push($0) }
    try builder.endLayer()
    let resolver = builder.finish()
    func jar(_ name: String, _ version: String, _ path: String) -> Package {
      Package(
        name: name, version: version, ecosystem: .maven,
        purl: PackageURL(type: "maven", namespace: "org.example", name: name, version: version),
        locations: [Location(path: path)], foundBy: "java")
    }
    let foo = jar("foo", "1.2", "usr/share/java/foo-1.2.jar")
    let bar = jar("bar", "2.0", "usr/share/java/bar-2.0.jar")
    let baz = jar("baz", "3.0", "usr/share/java/baz-3.0.jar")
    let deb = OwnershipTestsSupport.deb(
      "libfoo-java", "1.2-1",
      files: ["/share/java/foo.jar", "/usr/share/java/bar.jar", "/usr/share/java/baz.jar"])
    let (kept, notes) = Ownership.apply(
      to: [foo, bar, baz, deb], options: CatalogOptions(), resolver: resolver)
    #expect(kept.map(\.name) == ["bar", "libfoo-java"])
    #expect(
      notes.map(\.path) == ["usr/share/java/foo-1.2.jar", "usr/share/java/baz-3.0.jar"])
    #expect(notes.allSatisfy { $0.message.contains("deb package libfoo-java 1.2-1") })
  }

  @Test func goBinaryInstalledByAnOSPackage() {
    let go = Package(
      name: "stdlib", version: "1.19.8", ecosystem: .golang,
      purl: PackageURL(type: "golang", name: "stdlib", version: "1.19.8"),
      locations: [Location(path: "usr/bin/umoci")], foundBy: "go-binary")
    let copied = Package(
      name: "stdlib", version: "1.19.8", ecosystem: .golang,
      purl: PackageURL(type: "golang", name: "stdlib", version: "1.19.8"),
      locations: [Location(path: "usr/local/bin/umoci")], foundBy: "go-binary")
    let apk = Package(
      name: "umoci", version: "0.4.7-r1", ecosystem: .apk,
      purl: PackageURL(type: "apk", namespace: "alpine", name: "umoci"),
      foundBy: "apk", metadata: .apk(ApkMetadata(files: ["usr/bin/umoci"])))
    let (kept, notes) = Ownership.apply(to: [go, copied, apk], options: CatalogOptions())
    #expect(kept.map(\.locations) == [copied.locations, []])
    #expect(notes.count == 1)
  }
}

/// Debian packages made from a file list, standing in for the dpkg cataloger's output.
enum OwnershipTestsSupport {
  static func deb(_ name: String, _ version: String, files: [String]) -> Package {
    Package(
      name: name, version: version, ecosystem: .deb,
      purl: PackageURL(type: "deb", namespace: "debian", name: name, version: version),
      locations: [Location(path: "var/lib/dpkg/status")], foundBy: "dpkg",
      metadata: .dpkg(DpkgMetadata(files: files)))
  }
}

/// Every language cataloger over the planted image's second layer, attributed with the
/// image's real layer digests: each package is introduced by layer 2, where its evidence lives.
@Suite struct LanguageLayerAttributionTests {
  @Test(.enabled(if: Oracles.gate(PlantedLayerFixture.available), "planted image not available"))
  func plantedPackagesAreIntroducedBySecondLayer() throws {
    let catalogers: [any Cataloger] = [
      PythonCataloger(), NpmCataloger(), GoBinaryCataloger(), RustBinaryCataloger(),
      JavaCataloger(),
    ]
    let layers = try PlantedLayerFixture.layers()
    try #require(layers.count == 2)
    let inner = try PlantedLayerFixture.resolver(selectors: catalogers.flatMap(\.selectors))
    let resolver = LayerShiftedResolver(inner: inner, layers: layers, layerIndex: 1)
    var all: [Package] = []
    for cataloger in catalogers {
      let result = cataloger.catalog(resolver, context: CatalogContext())
      #expect(
        result.diagnostics.filter { $0.level != .info }.isEmpty,
        "\(cataloger.id): \(result.diagnostics)")
      all += result.packages
    }
    // 7 python + 1 npm + (gobin: main, stdlib, 3 deps) + (umoci: stdlib) + 2 jars.
    #expect(all.count == 7 + 1 + 5 + 1 + 2)
    #expect(all.allSatisfy { $0.introducedBy == layers[1].digest && $0.introducedByIndex == 1 })
    #expect(
      all.allSatisfy {
        $0.locations.allSatisfy { $0.layer == layers[1].digest && $0.layerIndex == 1 }
      })
    #expect(Set(all.map(\.id)).count == all.count)
  }
}

/// Every language cataloger over the whole of syft's and trivy's fixture trees (hundreds of
/// files, corrupt ones included): no crash, every problem a diagnostic with a path, and the
/// trees' known packages found.
@Suite struct LanguageFixtureSweepTests {
  @Test(arguments: ["pkgdb/syft", "pkgdb/trivy"])
  func sweep(tree: String) throws {
    let catalogers: [any Cataloger] = [
      PythonCataloger(), NpmCataloger(), GoBinaryCataloger(), RustBinaryCataloger(),
      JavaCataloger(),
    ]
    let resolver = try InMemoryFileResolver.loading(
      directory: SharedData.path(tree), selectors: catalogers.flatMap(\.selectors))
    var counts: [String: Int] = [:]
    for cataloger in catalogers {
      let result = cataloger.catalog(resolver, context: CatalogContext())
      counts[cataloger.id] = result.packages.count
      #expect(result.diagnostics.allSatisfy { $0.path != nil && $0.source == cataloger.id })
      #expect(
        result.packages.allSatisfy {
          !$0.name.isEmpty && $0.foundBy == cataloger.id && !$0.locations.isEmpty
        })
      #expect(result.packages == result.packages.sorted())
    }
    // Counts checked by hand against the trees' listings (see the files each cataloger selects).
    if tree == "pkgdb/syft" {
      // 10 site-packages fixtures + Python-2.7.egg-info + 4 in image-pkg-coverage.
      #expect(counts == ["python": 15, "npm": 2, "java": 4, "go-binary": 0, "rust-binary": 0])
    } else {
      // 5 dist/egg-info directories + 2 zipped eggs + 1 egg-info file; 24 Maven coordinates.
      #expect(counts == ["python": 8, "npm": 0, "java": 24, "go-binary": 0, "rust-binary": 0])
    }
  }
}
