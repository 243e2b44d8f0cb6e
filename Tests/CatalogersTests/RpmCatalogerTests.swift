import ByteFormats
import Catalogers
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@Suite struct RpmCatalogerTests {
  static let cataloger = RpmCataloger()
  static var hasRpm: Bool { FixtureProcess.which("rpm") != nil }

  static func load(_ relative: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: SharedData.path(relative))))
  }

  static func catalog(_ files: [String: [UInt8]], distro: Distro? = nil) -> CatalogResult {
    let resolver = InMemoryFileResolver(files: files, selectors: cataloger.selectors)
    return cataloger.catalog(resolver, context: CatalogContext(distro: distro))
  }

  /// Rows in the `rpm -qa --qf '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{VENDOR}\n'` form.
  static func rows(_ packages: [Package]) -> [String] {
    packages.map { p -> String in
      guard case .rpm(let m) = p.metadata else { return "not rpm" }
      return [
        p.name, String(m.epoch ?? 0), m.version, m.release, m.architecture ?? "", m.sourceRpm ?? "",
        m.vendor ?? "",
      ]
      .joined(separator: "\t")
    }.sorted()
  }

  static func expected(_ name: String) throws -> [String] {
    try String(contentsOfFile: SharedData.path("pkgdb/expected/" + name), encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: true).map(String.init).sorted()
  }

  @Test func sqliteDatabaseMatchesRpmQA() throws {
    let result = Self.catalog([
      "var/lib/rpm/rpmdb.sqlite": try Self.load("pkgdb/rpmdb/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite")
    ])
    let expected = try Self.expected("rpmdb-cbl-mariner-2.0.rpm-qa.tsv")
    #expect(expected.count == 129)
    #expect(Self.rows(result.packages) == expected)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    let ca = try #require(result.packages.first { $0.name == "ca-certificates-base" })
    #expect(ca.version == "1:2.0.0-1.cm2")
    #expect(ca.source == SourcePackage(name: "ca-certificates", version: "1:2.0.0-1.cm2"))
    // Without a distro, the vendor names the namespace.
    #expect(
      ca.purl.description == "pkg:rpm/mariner/ca-certificates-base@2.0.0-1.cm2?arch=noarch&epoch=1")
    let bash = try #require(result.packages.first { $0.name == "bash" })
    #expect(bash.version == "5.1.8-1.cm2")
    #expect(bash.licenses == ["GPLv3"])  // rpm -q --qf '%{LICENSE}' bash
    guard case .rpm(let m) = bash.metadata else {
      Issue.record("no rpm metadata")
      return
    }
    #expect(m.files.contains("bin/bash"))
    #expect(m.files.count == 67)  // rpm -ql bash | wc -l
    #expect(m.files == m.files.sorted())
  }

  @Test func berkeleyDatabasesMatchRpmQA() throws {
    let libuuid = Self.catalog([
      "var/lib/rpm/Packages": try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")
    ])
    #expect(Self.rows(libuuid.packages) == (try Self.expected("rpmdb-libuuid.rpm-qa.tsv")))
    #expect(libuuid.diagnostics.isEmpty)
    let dive = Self.catalog([
      "var/lib/rpm/Packages": try Self.load(
        "pkgdb/syft/syft/pkg/cataloger/redhat/testdata/Packages")
    ])
    #expect(
      Self.rows(dive.packages) == (try Self.expected("rpmdb-syft-redhat-Packages.rpm-qa.tsv")))
    let rhel = Distro(id: "rhel", versionID: "8.8")
    let uuid = try #require(
      Self.catalog(
        ["var/lib/rpm/Packages": try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")],
        distro: rhel
      ).packages.first)
    #expect(
      uuid.purl.description == "pkg:rpm/redhat/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-8.8")
    #expect(uuid.source == SourcePackage(name: "util-linux", version: "2.32.1-42.el8_8"))
    #expect(uuid.licenses == ["BSD"])
  }

  @Test(.enabled(if: Oracles.gate(hasRpm), "rpm is not installed (CI installs it)"))
  func agreesWithLiveRpm() throws {
    let cases: [(String, String, String)] = [
      ("pkgdb/rpmdb/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite", "rpmdb.sqlite", "sqlite"),
      ("pkgdb/rpmdb/go-rpmdb/libuuid/Packages", "Packages", "bdb_ro"),
    ]
    for (source, file, backend) in cases {
      let dir = try TemporaryDirectory(prefix: "rpm-oracle")
      let bytes = try Self.load(source)
      try Data(bytes).write(to: URL(fileURLWithPath: dir.file(file)))
      let r = try OracleProcess.run(
        "rpm",
        [
          "--dbpath", dir.path, "--define", "_db_backend \(backend)", "-qa", "--qf",
          "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{VENDOR}\\n",
        ])
      // rpm mixes harmless warnings into the combined output; keep the tab-separated rows.
      let oracle = r.output.split(separator: "\n").filter {
        $0.split(separator: "\t", omittingEmptySubsequences: false).count == 7
      }.map(String.init).sorted()
      #expect(!oracle.isEmpty, "\(source): \(r.output.prefix(300))")
      let packages = Self.catalog(["var/lib/rpm/" + file: bytes]).packages
      #expect(Self.rows(packages) == oracle, "\(source)")
      // File ownership: every package's file list as rpm prints it.
      let files = try OracleProcess.run(
        "rpm",
        [
          "--dbpath", dir.path, "--define", "_db_backend \(backend)", "-qa", "--qf",
          "[%{=NAME}\\t%{FILENAMES}\\n]",
        ])
      let oracleFiles = files.output.split(separator: "\n").compactMap { line -> String? in
        let cols = line.split(separator: "\t", maxSplits: 1)
        guard cols.count == 2, cols[1].hasPrefix("/") else { return nil }
        return "\(cols[0])\t\(cols[1].dropFirst())"
      }.sorted()
      let ourFiles = packages.flatMap { p -> [String] in
        guard case .rpm(let m) = p.metadata else { return [] }
        return m.files.map { "\(p.name)\t\($0)" }
      }.sorted()
      #expect(oracleFiles.count > 1000 || source.contains("libuuid"))
      #expect(ourFiles == oracleFiles, "\(source)")
    }
  }

  @Test func ndbDatabaseOfSLE15() throws {
    // Hand-checked expectation, see NDBPackagesReaderTests: 35 packages.
    let sles = Distro(id: "sles", versionID: "15.3")
    let result = Self.catalog(
      [
        "usr/lib/sysimage/rpm/Packages.db": try Self.load(
          "pkgdb/rpmdb/go-rpmdb/sle15-bci/Packages.db")
      ], distro: sles)
    #expect(result.packages.count == 35)
    #expect(result.diagnostics.isEmpty)
    let readline = try #require(result.packages.first { $0.name == "libreadline7" })
    #expect(readline.version == "7.0-19.6.1")
    #expect(readline.source == SourcePackage(name: "bash", version: "4.4-19.6.1"))
    #expect(
      readline.purl.description
        == "pkg:rpm/suse/libreadline7@7.0-19.6.1?arch=x86_64&distro=sles-15.3")
    #expect(readline.locations.map(\.path) == ["usr/lib/sysimage/rpm/Packages.db"])
  }

  @Test func placeholderAndGarbageDatabasesBecomeDiagnostics() throws {
    // syft's glob-paths: 5-byte and empty files in every rpm directory.
    let root = SharedData.path("pkgdb/syft/syft/pkg/cataloger/redhat/testdata/glob-paths")
    let resolver = try InMemoryFileResolver.loading(
      directory: root, selectors: Self.cataloger.selectors)
    let result = Self.cataloger.catalog(resolver, context: CatalogContext())
    #expect(result.packages.isEmpty)
    let unreadable = result.diagnostics.filter { $0.code == "rpm.unreadable-database" }
    #expect(
      Set(unreadable.compactMap(\.path)) == [
        "var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "usr/share/rpm/rpmdb.sqlite",
      ])
    #expect(result.diagnostics.filter { $0.code == "rpm.ignored-database" }.count == 6)

    // Garbage after a valid SQLite magic: SQLite reports corruption, we report a diagnostic.
    let fake = Array("SQLite format 3\u{0}".utf8) + [UInt8](repeating: 0xAB, count: 8192)
    let broken = Self.catalog(["var/lib/rpm/rpmdb.sqlite": fake])
    #expect(broken.packages.isEmpty)
    #expect(broken.diagnostics.map(\.code) == ["rpm.unreadable-database"])
  }

  @Test func damagedHeaderBlobsAreDiagnosedPerRecord() throws {
    // Corrupt the single header of the libuuid database (first overflow page holds its index).
    var bytes = try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")
    for i in 0..<8 { bytes[3 * 4096 + 26 + i] = 0xFF }  // il and dl = 0xFFFFFFFF
    let result = Self.catalog(["var/lib/rpm/Packages": bytes])
    #expect(result.packages.isEmpty)
    #expect(result.diagnostics.map(\.code) == ["rpm.bad-header"])
    // An overflow loop in the same file.
    var looped = try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")
    looped.replaceSubrange((10 * 4096 + 16)..<(10 * 4096 + 20), with: [5, 0, 0, 0])
    let loopResult = Self.catalog(["var/lib/rpm/Packages": looped])
    #expect(loopResult.packages.isEmpty)
    #expect(loopResult.diagnostics.map(\.code) == ["rpm.bad-record"])
  }

  @Test func symlinkedDirectoryIsReadOnceAndLayersAreAttributed() throws {
    let sqlite = try Self.load("pkgdb/rpmdb/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite")
    let bdb = try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")
    let resolver = try DistroTestResolver(
      layers: [
        ["usr/lib/sysimage/rpm/Packages": bdb],
        ["etc/hostname": Array("x".utf8)],
        ["usr/lib/sysimage/rpm/rpmdb.sqlite": sqlite],
      ],
      symlinks: ["var/lib/rpm": "../../usr/lib/sysimage/rpm"], selectors: Self.cataloger.selectors)
    let result = Self.cataloger.catalog(
      resolver, context: CatalogContext(distro: Distro(id: "mariner", versionID: "2.0")))
    // sqlite wins over Packages in the same directory; var/lib/rpm is the same directory.
    #expect(result.packages.count == 129)
    #expect(
      result.packages.allSatisfy {
        $0.introducedByIndex == 2 && $0.introducedBy == resolver.layers[2].digest
      })
    #expect(result.diagnostics.filter { $0.code == "rpm.ignored-database" }.count == 1)
    #expect(result.packages.first?.purl.qualifiers["distro"] == "mariner-2.0")
    #expect(
      result.packages.allSatisfy {
        $0.locations.map(\.path) == ["usr/lib/sysimage/rpm/rpmdb.sqlite"]
      })
    #expect(result.packages.allSatisfy { $0.locations.first?.layerIndex == 2 })
  }

  static var hasSQLite3: Bool { FixtureProcess.which("sqlite3") != nil }

  @Test(.enabled(if: Oracles.gate(hasSQLite3), "the sqlite3 shell is not installed"))
  func sqliteRowsWithGarbageBlobsAreDiagnosedPerRow() throws {
    let dir = try TemporaryDirectory(prefix: "rpm-sqlite")
    let db = dir.file("rpmdb.sqlite")
    let blob = SharedData.path("pkgdb/rpmdb/go-rpmdb/blob.bin")
    let sql = """
      CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB);
      INSERT INTO Packages (blob) VALUES (readfile('\(blob)'));
      INSERT INTO Packages (blob) VALUES (x'00010203');
      INSERT INTO Packages (blob) VALUES (NULL);
      INSERT INTO Packages (blob) VALUES (zeroblob(100000));
      """
    let r = try OracleProcess.run("sqlite3", [db, sql])
    #expect(r.status == 0, "\(r.output)")
    let result = Self.catalog([
      "var/lib/rpm/rpmdb.sqlite": try [UInt8](Data(contentsOf: URL(fileURLWithPath: db)))
    ])
    #expect(result.packages.map(\.name) == ["publicsuffix-list-dafsa"])
    // blob.bin has one damaged DIRINDEXES entry; the three other rows are not headers.
    #expect(
      result.diagnostics.map(\.code).sorted() == [
        "rpm.bad-file-table", "rpm.bad-header", "rpm.bad-header", "rpm.bad-record",
      ])
    // A hostile schema: text keys and text/integer values (GRDB's typed reads would trap).
    let typed = dir.file("typed.sqlite")
    let t = try OracleProcess.run(
      "sqlite3",
      [
        typed,
        "CREATE TABLE Packages (hnum TEXT, blob TEXT); INSERT INTO Packages VALUES ('abc', 'text'), (x'00', 42), (3.5, NULL);",
      ])
    #expect(t.status == 0, "\(t.output)")
    let typedResult = Self.catalog([
      "var/lib/rpm/rpmdb.sqlite": try [UInt8](Data(contentsOf: URL(fileURLWithPath: typed)))
    ])
    #expect(typedResult.packages.isEmpty)
    #expect(
      typedResult.diagnostics.map(\.code) == ["rpm.bad-record", "rpm.bad-record", "rpm.bad-record"])
    // A database without the Packages table.
    let other = dir.file("other.sqlite")
    _ = try OracleProcess.run("sqlite3", [other, "CREATE TABLE t (x);"])
    let missing = Self.catalog([
      "var/lib/rpm/rpmdb.sqlite": try [UInt8](Data(contentsOf: URL(fileURLWithPath: other)))
    ])
    #expect(missing.packages.isEmpty)
    #expect(missing.diagnostics.map(\.code) == ["rpm.unreadable-database"])
  }

  @Test(.enabled(if: Oracles.gate(hasSQLite3), "the sqlite3 shell is not installed"))
  func layerAttributionAcrossRewrittenDatabases() throws {
    // Layer 0: the mariner database without its last 29 rows; layer 1: a config change;
    // layer 2: the full database (29 packages "installed").
    let dir = try TemporaryDirectory(prefix: "rpm-layers")
    let full = try Self.load("pkgdb/rpmdb/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite")
    try Data(full).write(to: URL(fileURLWithPath: dir.file("base.sqlite")))
    let r = try OracleProcess.run(
      "sqlite3",
      [
        dir.file("base.sqlite"),
        "PRAGMA journal_mode=DELETE; DELETE FROM Packages WHERE hnum IN (SELECT hnum FROM Packages ORDER BY hnum DESC LIMIT 29); VACUUM;",
      ])
    #expect(r.status == 0, "\(r.output)")
    let base = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file("base.sqlite"))))
    let path = "var/lib/rpm/rpmdb.sqlite"
    let resolver = try DistroTestResolver(
      layers: [[path: base], ["etc/motd": Array("x".utf8)], [path: full]],
      selectors: Self.cataloger.selectors)
    let result = Self.cataloger.catalog(resolver, context: CatalogContext())
    #expect(result.packages.count == 129)
    var byLayer: [Int: Int] = [:]
    for p in result.packages { byLayer[p.introducedByIndex ?? -1, default: 0] += 1 }
    #expect(byLayer == [0: 100, 2: 29])
    #expect(result.packages.allSatisfy { $0.locations.first?.layerIndex == 2 })
  }
}
