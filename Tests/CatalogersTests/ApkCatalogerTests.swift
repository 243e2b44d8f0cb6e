import ByteFormats
import Catalogers
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@Suite struct ApkCatalogerTests {
  static let cataloger = ApkCataloger()
  static let alpine = Distro(id: "alpine", versionID: "3.10.4")

  static func catalog(_ bytes: [UInt8], distro: Distro? = alpine) -> CatalogResult {
    let resolver = InMemoryFileResolver(
      files: [ApkCataloger.databasePath: bytes], selectors: cataloger.selectors)
    return cataloger.catalog(resolver, context: CatalogContext(distro: distro))
  }

  static func load(_ relative: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: SharedData.path(relative))))
  }

  /// Independent expectation: split on blank lines, keep blocks with both a `P:` and a `V:` line,
  /// and print `name version origin` (a second, deliberately naive reading of the same text).
  static func naive(_ bytes: [UInt8]) -> [String] {
    let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    return text.components(separatedBy: "\n\n").compactMap { block -> String? in
      let lines = block.split(separator: "\n")
      func field(_ k: String) -> String? {
        lines.first { $0.hasPrefix(k + ":") }.map { String($0.dropFirst(2)) }
      }
      guard let p = field("P"), let v = field("V") else { return nil }
      return "\(p) \(v) \(field("o") ?? p)"
    }.sorted()
  }

  static func rows(_ result: CatalogResult) -> [String] {
    result.packages.map { "\($0.name) \($0.version) \($0.source?.name ?? "")" }.sorted()
  }

  @Test func singlePackage() throws {
    let result = Self.catalog(try Self.load("pkgdb/syft/syft/pkg/cataloger/alpine/testdata/single"))
    #expect(result.diagnostics.isEmpty)
    let p = try #require(result.packages.first)
    #expect(result.packages.count == 1)
    #expect(p.name == "musl-utils")
    #expect(p.version == "1.1.24-r2")
    #expect(p.ecosystem == .apk)
    #expect(p.licenses == ["MIT BSD GPL2+"])
    #expect(p.source == SourcePackage(name: "musl", version: "1.1.24-r2"))
    #expect(
      p.purl.description
        == "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&distro=alpine-3.10.4&upstream=musl")
    guard case .apk(let m) = p.metadata else {
      Issue.record("no apk metadata")
      return
    }
    #expect(m.origin == "musl")
    #expect(m.architecture == "x86_64")
    #expect(m.commit == "4024cc3b29ad4c65544ad068b8f59172b5494306")
    #expect(m.url == "https://musl.libc.org/")
    // F:sbin R:ldconfig, F:usr, F:usr/bin R:iconv R:ldd R:getconf R:getent (read off the file).
    #expect(
      m.files == [
        "sbin", "sbin/ldconfig", "usr", "usr/bin", "usr/bin/getconf", "usr/bin/getent",
        "usr/bin/iconv", "usr/bin/ldd",
      ])
  }

  @Test func multipleAndTrivyDatabasesMatchANaiveReading() throws {
    for path in [
      "pkgdb/syft/syft/pkg/cataloger/alpine/testdata/multiple-1/lib/apk/db/installed",
      "pkgdb/syft/syft/pkg/cataloger/alpine/testdata/multiple-2/lib/apk/db/installed",
      "pkgdb/syft/syft/pkg/cataloger/alpine/testdata/base",
      "pkgdb/syft/syft/pkg/cataloger/alpine/testdata/extra-file-attributes",
      "pkgdb/syft/syft/pkg/cataloger/alpine/testdata/empty-deps-and-provides",
      "pkgdb/trivy/pkg/fanal/analyzer/pkg/apk/testdata/apk",
    ] {
      let bytes = try Self.load(path)
      #expect(Self.rows(Self.catalog(bytes)) == Self.naive(bytes), "\(path)")
    }
    let multiple = Self.catalog(
      try Self.load("pkgdb/syft/syft/pkg/cataloger/alpine/testdata/multiple-1/lib/apk/db/installed")
    )
    #expect(
      Self.rows(multiple) == [
        "bash 5.2.21-r0 bash", "busybox-binsh 1.36.1-r15 busybox", "musl 1.2.4_git20230717-r4 musl",
        "readline 8.2.1-r2 readline",
      ])
  }

  @Test func trivyDatabaseReportsThePackageWithoutVersion() throws {
    let result = Self.catalog(try Self.load("pkgdb/trivy/pkg/fanal/analyzer/pkg/apk/testdata/apk"))
    // 16 records by hand; `invalidPackageWithoutAVersion` has only a P: line.
    #expect(result.packages.count == 15)
    #expect(result.diagnostics.map(\.code) == ["apk.missing-field"])
    #expect(result.diagnostics.first?.line == 23)
    let crypto = try #require(result.packages.first { $0.name == "libcrypto1.0" })
    #expect(crypto.version == "1.0.2h-r1")
    #expect(crypto.source?.name == "openssl")
  }

  @Test func corruptDatabaseGivesDiagnosticsAndTheReadableRecord() throws {
    let result = Self.catalog(
      try Self.load("pkgdb/syft/syft/pkg/cataloger/alpine/testdata/corrupt/lib/apk/db/installed"))
    #expect(Self.rows(result) == ["alpine-baselayout-data 3.2.0-r22 alpine-baselayout"])
    #expect(result.diagnostics.map(\.code).sorted() == ["apk.bad-line", "apk.missing-field"])
    #expect(result.diagnostics.allSatisfy { $0.line == 1 && $0.path == ApkCataloger.databasePath })

    let glob = Self.catalog(
      try Self.load("pkgdb/syft/syft/pkg/cataloger/alpine/testdata/glob-paths/lib/apk/db/installed")
    )
    #expect(glob.packages.isEmpty)
    #expect(!glob.diagnostics.isEmpty)
  }

  @Test func hostileInputIsBounded() throws {
    // Many files in one record, CRLF, an R: before any F:, a huge line.
    var text = "P:big\r\nV:1\r\nR:orphan\r\nF:d\r\n"
    text += (0..<50).map { "R:f\($0)" }.joined(separator: "\n") + "\n"
    text += "T:" + String(repeating: "x", count: 2 << 20) + "\n\nP:next\nV:2\n"
    let parser = ApkInstalledParser(
      limits: .init(maxRecords: 10, maxFilesPerRecord: 20, maxLineBytes: 1 << 20))
    let (records, diagnostics) = parser.parse(Array(text.utf8), path: "x")
    #expect(records.map(\.name) == ["big", "next"])
    #expect(records.first?.files.count == 20)
    #expect(diagnostics.map(\.code).sorted() == ["apk.bad-line", "apk.bad-line", "apk.limit"])
    // Too many records.
    let many = (0..<30).map { "P:p\($0)\nV:1\n" }.joined(separator: "\n")
    let (capped, capDiagnostics) = parser.parse(Array(many.utf8), path: "x")
    #expect(capped.count == 10)
    #expect(capDiagnostics.map(\.code) == ["apk.limit"])
  }

  @Test func layerAttributionAndWolfiNamespace() throws {
    let first = Array("P:musl\nV:1.2.4-r0\nA:x86_64\no:musl\n".utf8)
    let second = first + Array("\nP:curl\nV:8.5.0-r0\nA:x86_64\n".utf8)
    let resolver = try DistroTestResolver(
      layers: [[ApkCataloger.databasePath: first], [ApkCataloger.databasePath: second]],
      selectors: Self.cataloger.selectors)
    let result = Self.cataloger.catalog(
      resolver, context: CatalogContext(distro: Distro(id: "wolfi", versionID: "20230201")))
    let index = Dictionary(
      uniqueKeysWithValues: result.packages.map { ($0.name, $0.introducedByIndex) })
    #expect(index == ["musl": 0, "curl": 1])
    #expect(
      result.packages.first { $0.name == "curl" }?.purl.description
        == "pkg:apk/wolfi/curl@8.5.0-r0?arch=x86_64&distro=wolfi-20230201")
  }

  @Test func usrMergedDatabaseIsFoundOnce() throws {
    let db = Array("P:musl\nV:1.2.5-r0\nA:x86_64\n".utf8)
    // Real file under usr/lib, compatibility symlink at lib/apk/db.
    let resolver = try DistroTestResolver(
      layers: [[ApkCataloger.mergedDatabasePath: db]],
      symlinks: ["lib/apk/db": "../../usr/lib/apk/db"],
      selectors: Self.cataloger.selectors)
    let result = Self.cataloger.catalog(resolver, context: CatalogContext())
    #expect(result.packages.map(\.name) == ["musl"])
    #expect(result.packages.first?.introducedByIndex == 0)
    #expect(result.packages.first?.locations.map(\.path) == [ApkCataloger.mergedDatabasePath])
    #expect(result.packages.first?.locations.first?.layerIndex == 0)
    // Only the usr-merged path, no symlink.
    let plain = InMemoryFileResolver(
      files: [ApkCataloger.mergedDatabasePath: db], selectors: Self.cataloger.selectors)
    #expect(
      Self.cataloger.catalog(plain, context: CatalogContext()).packages.map(\.name) == ["musl"])
  }
}
