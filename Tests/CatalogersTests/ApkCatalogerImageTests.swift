import ByteFormats
import Catalogers
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

/// The apk cataloger and the OS release detector on trivy's real Alpine 3.10.4 image
/// (docker-archive, one layer). Expectations read off `lib/apk/db/installed` by hand (14 `P:`
/// records) and from the README of the data set ("14 apk packages, e.g. libcrypto1.1 1.1.1d-r2").
@Suite struct ApkCatalogerImageTests {
  static let archive = SharedData.path("images/trivy-fanal/alpine-310.tar.gz")
  static let layer = "71dba1fabbde4baabcdebcde4895d3f3887e388b09cef162f8159cf7daffa1b8/layer.tar"
  static var canRun: Bool {
    FixtureProcess.which("tar") != nil && FileManager.default.fileExists(atPath: archive)
  }

  @Test(.enabled(if: Oracles.gate(canRun), "tar or the alpine-310 archive is missing"))
  func alpine310() throws {
    let dir = try TemporaryDirectory(prefix: "apk-image")
    var r = try OracleProcess.run("tar", ["-xzf", Self.archive, "-C", dir.path, Self.layer])
    #expect(r.status == 0, "\(r.output)")
    try FileManager.default.createDirectory(
      atPath: dir.file("root"), withIntermediateDirectories: true)
    r = try OracleProcess.run(
      "tar",
      [
        "-xf", dir.file(Self.layer), "-C", dir.file("root"), "lib/apk/db/installed",
        "etc/os-release", "etc/alpine-release",
      ])
    #expect(r.status == 0, "\(r.output)")

    let cataloger = ApkCataloger()
    let resolver = try InMemoryFileResolver.loading(
      directory: dir.file("root"), selectors: cataloger.selectors + OSReleaseDetector.selectors)
    let distro = try #require(OSReleaseDetector().detect(resolver).distro)
    #expect(distro.id == "alpine")
    #expect(distro.versionID == "3.10.4")
    let result = cataloger.catalog(resolver, context: CatalogContext(distro: distro))
    #expect(result.diagnostics.isEmpty)
    #expect(
      result.packages.map { "\($0.name) \($0.version)" } == [
        "alpine-baselayout 3.1.2-r0", "alpine-keys 2.1-r2", "apk-tools 2.10.4-r2",
        "busybox 1.30.1-r3",
        "ca-certificates-cacert 20190108-r0", "libc-utils 0.7.1-r0", "libcrypto1.1 1.1.1d-r2",
        "libssl1.1 1.1.1d-r2",
        "libtls-standalone 2.9.1-r0", "musl 1.1.22-r3", "musl-utils 1.1.22-r3", "scanelf 1.2.3-r0",
        "ssl_client 1.30.1-r3",
        "zlib 1.2.11-r1",
      ])
    let crypto = try #require(result.packages.first { $0.name == "libcrypto1.1" })
    #expect(
      crypto.purl.description
        == "pkg:apk/alpine/libcrypto1.1@1.1.1d-r2?arch=x86_64&distro=alpine-3.10.4&upstream=openssl"
    )
    #expect(crypto.source == SourcePackage(name: "openssl", version: "1.1.1d-r2"))
    guard case .apk(let m) = crypto.metadata else {
      Issue.record("no apk metadata")
      return
    }
    #expect(m.files.contains("lib/libcrypto.so.1.1"))
    #expect(crypto.licenses == ["OpenSSL"])
  }
}
