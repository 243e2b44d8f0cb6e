import ByteFormats
import Catalogers
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

/// The dpkg cataloger and the OS release detector on the real base layer of the planted image
/// (debootstrap minbase bookworm), with `dpkg-query -L` as the oracle for file ownership.
/// The layer is unpacked with `tar` here because reading layers is another module's job.
@Suite struct DpkgCatalogerImageTests {
  static let layer = SharedData.path(
    "images/built/oci-layout/blobs/sha256/96643d90f1b068670cf0a0e1e7ae81a17ccaea3e2ef2941ab9295c272c695763"
  )
  static var canRun: Bool {
    FixtureProcess.which("tar") != nil && FileManager.default.fileExists(atPath: layer)
  }
  static var hasDpkgQuery: Bool { FixtureProcess.which("dpkg-query") != nil }

  static func unpack() throws -> TemporaryDirectory {
    let dir = try TemporaryDirectory(prefix: "dpkg-layer")
    let r = try OracleProcess.run(
      "tar",
      [
        "-xzf", layer, "-C", dir.path, "--wildcards", "var/lib/dpkg/*", "etc/os-release",
        "usr/lib/os-release",
      ])
    #expect(r.status == 0, "tar: \(r.output)")
    return dir
  }

  @Test(.enabled(if: Oracles.gate(canRun), "the planted image layer or tar is missing"))
  func baseLayerInventoryAndDistro() throws {
    let dir = try Self.unpack()
    let cataloger = DpkgCataloger()
    let resolver = try InMemoryFileResolver.loading(
      directory: dir.path, selectors: cataloger.selectors + OSReleaseDetector.selectors)
    let distro = try #require(OSReleaseDetector().detect(resolver).distro)
    #expect(distro.id == "debian")
    #expect(distro.versionID == "12")
    #expect(distro.versionCodename == "bookworm")
    let result = cataloger.catalog(resolver, context: CatalogContext(distro: distro))
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    #expect(result.packages.count == 88)
    let expected = try String(
      contentsOfFile: SharedData.path("pkgdb/expected/debian-bookworm-minbase.dpkg-query.tsv"),
      encoding: .utf8
    )
    .split(separator: "\n").map { $0.split(separator: "\t").prefix(5).joined(separator: "\t") }
    .sorted()
    #expect(DpkgCatalogerTests.rows(result.packages) == expected)
    // Every package has its file list (88 info/*.list files, multi-arch ones named NAME:ARCH.list).
    for package in result.packages {
      guard case .dpkg(let m) = package.metadata else { continue }
      #expect(!m.files.isEmpty, "\(package.name)")
      #expect(package.locations.count == 2, "\(package.name)")
    }
    let libc = try #require(result.packages.first { $0.name == "libc6" })
    #expect(libc.locations.last?.path == "var/lib/dpkg/info/libc6:amd64.list")
    #expect(libc.purl.qualifiers == ["arch": "amd64", "distro": "debian-12", "upstream": "glibc"])
    #expect(libc.purl.namespace == "debian")
  }

  @Test(
    .enabled(
      if: Oracles.gate(canRun && hasDpkgQuery), "needs tar, dpkg-query and the planted image layer")
  )
  func fileListsAgreeWithDpkgQuery() throws {
    let dir = try Self.unpack()
    let cataloger = DpkgCataloger()
    let resolver = try InMemoryFileResolver.loading(
      directory: dir.path, selectors: cataloger.selectors)
    let result = cataloger.catalog(resolver, context: CatalogContext())
    var total = 0
    for package in result.packages {
      guard case .dpkg(let m) = package.metadata else { continue }
      let r = try OracleProcess.run(
        "dpkg-query", ["--admindir=\(dir.path)/var/lib/dpkg", "-L", package.name])
      #expect(r.status == 0, "\(package.name): \(r.output.prefix(200))")
      let oracle = r.output.split(separator: "\n").filter { $0.hasPrefix("/") && $0 != "/." }.map {
        String($0.dropFirst())
      }.sorted()
      #expect(m.files == oracle, "\(package.name)")
      total += oracle.count
    }
    #expect(total > 5000)
  }
}
