import ByteFormats
import Catalogers
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@Suite struct DpkgCatalogerTests {
  static let cataloger = DpkgCataloger()
  static let bookworm = Distro(id: "debian", versionID: "12", versionCodename: "bookworm")
  static var hasDpkgQuery: Bool { FixtureProcess.which("dpkg-query") != nil }

  static func read(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
  }

  static func catalog(status: [UInt8], extra: [String: [UInt8]] = [:], distro: Distro? = bookworm)
    -> CatalogResult
  {
    var files = extra
    files[DpkgCataloger.statusPath] = status
    let resolver = InMemoryFileResolver(files: files, selectors: cataloger.selectors)
    return cataloger.catalog(resolver, context: CatalogContext(distro: distro))
  }

  /// `name \t version \t arch \t source \t source version` rows, sorted.
  static func rows(_ packages: [Package]) -> [String] {
    packages.map { p -> String in
      guard case .dpkg(let m) = p.metadata else { return "not dpkg" }
      return [
        p.name, p.version, m.architecture ?? "", p.source?.name ?? "", p.source?.version ?? "",
      ].joined(separator: "\t")
    }.sorted()
  }

  /// Runs the real dpkg-query over a status file (the oracle) and keeps installed packages
  /// (second letter of `db:Status-Abbrev` is `i`).
  static func dpkgQuery(status: [UInt8]) throws -> [String] {
    let dir = try TemporaryDirectory(prefix: "dpkg-oracle")
    try Data(status).write(to: URL(fileURLWithPath: dir.file("status")))
    let result = try OracleProcess.run(
      "dpkg-query",
      [
        "--admindir=\(dir.path)", "-W",
        "-f=${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\t${db:Status-Abbrev}\\n",
      ])
    #expect(result.status == 0, "dpkg-query failed: \(result.output)")
    return result.output.split(separator: "\n").compactMap { line -> String? in
      let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard cols.count == 6, cols[5].dropFirst().first == "i" else { return nil }
      return cols[0..<5].joined(separator: "\t")
    }.sorted()
  }

  /// Files of a txtar archive (`-- path --` headers).
  static func txtar(_ text: String) -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    var current: String?
    var body = ""
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("-- "), line.hasSuffix(" --"), line.count > 6 {
        if let current { files[current] = Array(body.utf8) }
        current = String(line.dropFirst(3).dropLast(3))
        body = ""
      } else if current != nil {
        body += line + "\n"
      }
    }
    if let current { files[current] = Array(body.utf8) }
    return files
  }

  @Test func bookwormMinbaseMatchesTheDpkgQueryInventory() throws {
    let status = try Self.read(SharedData.path("pkgdb/debian-bookworm-minbase/var/lib/dpkg/status"))
    let result = Self.catalog(status: status)
    let expected = try String(
      contentsOfFile: SharedData.path("pkgdb/expected/debian-bookworm-minbase.dpkg-query.tsv"),
      encoding: .utf8
    )
    .split(separator: "\n").map { line -> String in
      let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
      #expect(cols.count == 6 && cols[5].hasPrefix("ii"))
      return cols.prefix(5).joined(separator: "\t")
    }.sorted()
    #expect(expected.count == 88)
    #expect(Self.rows(result.packages) == expected)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")

    let bash = try #require(result.packages.first { $0.name == "bash" })
    #expect(bash.version == "5.2.15-2+b13")
    #expect(bash.source == SourcePackage(name: "bash", version: "5.2.15-2"))
    #expect(
      bash.purl.description
        == "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2"
    )
    #expect(bash.ecosystem == .deb)
    #expect(bash.foundBy == "dpkg")
    #expect(bash.locations.map(\.path) == ["var/lib/dpkg/status"])
    let adduser = try #require(result.packages.first { $0.name == "adduser" })
    #expect(adduser.purl.description == "pkg:deb/debian/adduser@3.134?arch=all&distro=debian-12")
    #expect(result.packages == result.packages.sorted())
  }

  @Test(.enabled(if: Oracles.gate(hasDpkgQuery), "dpkg-query is not installed (CI installs it)"))
  func agreesWithLiveDpkgQuery() throws {
    let sources: [(String, [UInt8])] = [
      (
        "minbase",
        try Self.read(SharedData.path("pkgdb/debian-bookworm-minbase/var/lib/dpkg/status"))
      ),
      (
        "trivy valid.txtar",
        try #require(
          Self.txtar(
            String(
              contentsOfFile: SharedData.path(
                "pkgdb/trivy/pkg/fanal/analyzer/pkg/dpkg/testdata/valid.txtar"), encoding: .utf8))[
              "var/lib/dpkg/status"])
      ),
    ]
    for (name, status) in sources {
      let oracle = try Self.dpkgQuery(status: status)
      #expect(!oracle.isEmpty, "\(name)")
      #expect(Self.rows(Self.catalog(status: status).packages) == oracle, "\(name)")
    }
  }

  @Test func trivyUbuntuStatusKeepsOnlyInstalledPackages() throws {
    let files = Self.txtar(
      try String(
        contentsOfFile: SharedData.path(
          "pkgdb/trivy/pkg/fanal/analyzer/pkg/dpkg/testdata/valid.txtar"), encoding: .utf8))
    let status = try #require(files["var/lib/dpkg/status"])
    // Independent count: paragraphs whose Status line reads "install ok installed".
    let text = String(decoding: status, as: UTF8.self)
    let installed = text.components(separatedBy: "\n\n").filter {
      $0.contains("\nStatus: install ok installed") || $0.hasPrefix("Status: install ok installed")
    }.count
    #expect(installed == 90)
    let result = Self.catalog(status: status, distro: Distro(id: "ubuntu", versionID: "18.04"))
    #expect(result.packages.count == 90)
    let notInstalled = result.diagnostics.filter { $0.code == "dpkg.not-installed" }
    #expect(notInstalled.count == 1)
    #expect(notInstalled.first?.level == .info)
    #expect(notInstalled.first?.path == "var/lib/dpkg/status")
    #expect(notInstalled.first?.line != nil)
    let audit = try #require(result.packages.first { $0.name == "libaudit1" })
    #expect(audit.version == "1:2.8.2-1ubuntu1")
    #expect(audit.source == SourcePackage(name: "audit", version: "1:2.8.2-1ubuntu1"))
    #expect(audit.purl.description.hasPrefix("pkg:deb/ubuntu/libaudit1@1%3A2.8.2-1ubuntu1?arch="))
    #expect(audit.purl.qualifiers["distro"] == "ubuntu-18.04")
    #expect(audit.purl.qualifiers["upstream"] == "audit")
  }

  @Test func distrolessStatusDirectory() throws {
    let root = SharedData.path("pkgdb/syft/syft/pkg/cataloger/debian/testdata")
    let resolver = try InMemoryFileResolver.loading(
      directory: root, selectors: Self.cataloger.selectors)
    let result = Self.cataloger.catalog(resolver, context: CatalogContext(distro: Self.bookworm))
    let byFile = Dictionary(grouping: result.packages) { $0.locations.first?.path ?? "" }
    func names(_ file: String) -> [String] {
      (byFile["var/lib/dpkg/status.d/" + file] ?? []).map { "\($0.name) \($0.version)" }.sorted()
    }
    // Expectations read off the files by hand.
    // `installed-size-4KB` and `single` both hold apt 1.8.2 amd64: the first file (by path) wins.
    #expect(names("installed-size-4KB") == ["apt 1.8.2"])
    #expect(names("single").isEmpty)
    #expect(
      result.diagnostics.contains {
        $0.code == "dpkg.duplicate" && $0.path == "var/lib/dpkg/status.d/single"
      })
    #expect(
      names("coreutils-relationships") == [
        "coreutils 9.1-1", "gcc-12-base 12.2.0-14", "libacl1 2.3.1-3", "libattr1 1:2.5.1-4",
        "libc6 2.36-9+deb12u1",
        "libgcc-s1 12.2.0-14", "libgmp10 2:6.2.1+dfsg1-1.1", "libpcre2-8-0 10.42-1",
        "libselinux1 3.4-1+b6",
      ])
    #expect(names("deinstall") == ["linux-image-6.14.0-1012-aws 6.14.0-1012.12~24.04.1"])
    // doc-examples: no Status lines (allowed in status.d); paragraphs without Version are skipped.
    #expect(
      names("doc-examples") == [
        "made-up-package-1 1.0.0", "made-up-package-2 2.0.0", "made-up-package-3 3.0.0",
        "made-up-package-4 3.0.0", "mutt 1.3.17-1",
      ])
    #expect(names("corrupt").isEmpty)
    #expect(names("empty").isEmpty)
    // `multiple`: an empty `Package:` paragraph and `no-version` are skipped with diagnostics.
    #expect(names("multiple") == ["tzdata 2020a-0+deb10u1", "util-linux 2.33.1-0.1"])
    #expect(result.diagnostics.contains { $0.path == "var/lib/dpkg/status.d/corrupt" })
    #expect(
      result.diagnostics.contains {
        $0.code == "dpkg.not-installed" && $0.path == "var/lib/dpkg/status.d/deinstall"
      })
    #expect(
      result.diagnostics.contains {
        $0.code == "dpkg.missing-field" && $0.path == "var/lib/dpkg/status.d/doc-examples"
      })
    let libc = try #require(result.packages.first { $0.name == "libc6" })
    #expect(libc.source == SourcePackage(name: "glibc", version: "2.36-9+deb12u1"))
    if case .dpkg(let m) = libc.metadata {
      #expect(m.architecture == "arm64")
    } else {
      Issue.record("no dpkg metadata")
    }
  }

  @Test func corruptFirstLineStillYieldsTheRest() throws {
    // syft's image-dpkg status starts with "bogus packagePackage:" (dpkg-query refuses the whole file).
    let status = try Self.read(
      SharedData.path(
        "pkgdb/syft/syft/pkg/cataloger/debian/testdata/image-dpkg/var/lib/dpkg/status"))
    let result = Self.catalog(status: status)
    #expect(Self.rows(result.packages) == ["libpam-runtime\t1.1.8-3.6\tall\tpam\t1.1.8-3.6"])
  }

  @Test func distrolessImageIgnoresSidecarFiles() throws {
    let root = SharedData.path("pkgdb/syft/syft/pkg/cataloger/debian/testdata/image-distroless-deb")
    let resolver = try InMemoryFileResolver.loading(
      directory: root, selectors: Self.cataloger.selectors)
    let result = Self.cataloger.catalog(resolver, context: CatalogContext(distro: Self.bookworm))
    #expect(result.packages.map(\.name) == ["libsqlite3-0"])
    #expect(result.packages.first?.source == SourcePackage(name: "sqlite3", version: "3.34.1-3"))
    #expect(result.diagnostics.isEmpty)
  }

  @Test func toleratesCRLFContinuationsAndBrokenParagraphs() throws {
    let text =
      "Package: alpha\r\nStatus: install ok installed\r\nVersion: 1.0-1\r\nArchitecture: amd64\r\nDescription: first\r\n more text\r\n .\r\n end\r\n\r\n"
      + "Package: beta\nStatus: install ok installed\nArchitecture: amd64\n\n"  // no Version
      + "this line is garbage\nPackage: gamma\nStatus: hold ok installed\nVersion: 2:3.4\nSource: gsrc (2:3.3)\nArchitecture: arm64\n\n"
      + " orphan continuation\n\n"
      + "Package: delta\nStatus: install ok half-installed\nVersion: 1\n\n"
      + "Package: epsilon\nVersion: 1\n"  // no Status in the main status file
    let result = Self.catalog(status: Array(text.utf8))
    #expect(
      Self.rows(result.packages) == [
        "alpha\t1.0-1\tamd64\talpha\t1.0-1", "gamma\t2:3.4\tarm64\tgsrc\t2:3.3",
      ])
    let codes = result.diagnostics.map { "\($0.code)@\($0.line ?? 0)" }.sorted()
    #expect(
      codes
        == [
          "dpkg.bad-line@14", "dpkg.bad-line@21", "dpkg.missing-field@10", "dpkg.missing-field@27",
          "dpkg.not-installed@23",
        ].sorted())
    #expect(
      result.diagnostics.allSatisfy { $0.path == DpkgCataloger.statusPath && $0.source == "dpkg" })
  }

  @Test func hugeParagraphIsSkippedWithBoundedWork() throws {
    var text = "Package: big\nStatus: install ok installed\nVersion: 1\nDescription: x\n"
    let filler = " " + String(repeating: "y", count: 1000) + "\n"
    text += String(repeating: filler, count: 6000)  // ~6 MB, above the 4 MiB paragraph limit
    text += "\nPackage: small\nStatus: install ok installed\nVersion: 2\n"
    let manyFields = (0..<2000).map { "X-Field-\($0): v" }.joined(separator: "\n")
    text += "\nPackage: wide\nStatus: install ok installed\nVersion: 3\n" + manyFields + "\n"
    let result = Self.catalog(status: Array(text.utf8))
    #expect(result.packages.map(\.name) == ["small"])
    #expect(result.diagnostics.filter { $0.code == "dpkg.stanza-too-large" }.count == 2)
  }

  @Test func ownedFilesComeFromInfoLists() throws {
    let status =
      "Package: libfoo1\nStatus: install ok installed\nVersion: 1.2-3\nArchitecture: amd64\nMulti-Arch: same\n\n"
      + "Package: tool\nStatus: install ok installed\nVersion: 9\nArchitecture: all\n"
    let result = Self.catalog(
      status: Array(status.utf8),
      extra: [
        "var/lib/dpkg/info/libfoo1:amd64.list": Array(
          "/.\n/usr\n/usr/lib/libfoo.so.1\r\n/usr/share/doc/libfoo1\n".utf8),
        "var/lib/dpkg/info/tool.list": Array("/.\n/usr/bin/tool\n".utf8),
        "etc/apt/sources.list": Array("deb http://deb.debian.org/debian bookworm main\n".utf8),
      ])
    let foo = try #require(result.packages.first { $0.name == "libfoo1" })
    guard case .dpkg(let m) = foo.metadata else {
      Issue.record("no dpkg metadata")
      return
    }
    #expect(m.files == ["usr", "usr/lib/libfoo.so.1", "usr/share/doc/libfoo1"])
    #expect(
      foo.locations.map(\.path) == ["var/lib/dpkg/status", "var/lib/dpkg/info/libfoo1:amd64.list"])
    let tool = try #require(result.packages.first { $0.name == "tool" })
    if case .dpkg(let t) = tool.metadata { #expect(t.files == ["usr/bin/tool"]) }
  }

  @Test func layerAttributionFindsTheLayerThatInstalledEachPackage() throws {
    func status(_ pkgs: [(String, String)]) -> [UInt8] {
      Array(
        pkgs.map {
          "Package: \($0.0)\nStatus: install ok installed\nVersion: \($0.1)\nArchitecture: amd64\n"
        }.joined(separator: "\n").utf8)
    }
    let resolver = try DistroTestResolver(
      layers: [
        [DpkgCataloger.statusPath: status([("base", "1"), ("libc", "2.36")])],
        ["etc/motd": Array("hi".utf8)],
        // Upgrade libc, install curl.
        [DpkgCataloger.statusPath: status([("base", "1"), ("libc", "2.37"), ("curl", "8")])],
        [
          DpkgCataloger.statusPath: status([
            ("base", "1"), ("libc", "2.37"), ("curl", "8"), ("jq", "1.6"),
          ])
        ],
      ], selectors: Self.cataloger.selectors)
    let result = Self.cataloger.catalog(resolver, context: CatalogContext(distro: Self.bookworm))
    let index = Dictionary(
      uniqueKeysWithValues: result.packages.map { ($0.name, $0.introducedByIndex) })
    #expect(index == ["base": 0, "libc": 2, "curl": 2, "jq": 3])
    let jq = try #require(result.packages.first { $0.name == "jq" })
    #expect(jq.introducedBy == resolver.layers[3].digest)
    // The location is the layer that last wrote the database.
    #expect(jq.locations.first?.layerIndex == 3)
    #expect(result.packages.first { $0.name == "base" }?.locations.first?.layerIndex == 3)
  }
}
