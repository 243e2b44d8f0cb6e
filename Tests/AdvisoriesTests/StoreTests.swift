import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Advisories

@Suite struct StoreTests {
  /// The SQLite store answers exactly like the in-memory store on real data.
  @Test func sqliteAndInMemoryStoresAgree() throws {
    let tmp = try TemporaryDirectory()
    let batch = AdvisoryImporter().load(paths: [
      SharedData.path("advisories/pypa-osv-json"), SharedData.path("advisories/alpine-secdb/v3.10"),
      SharedData.path("kev/known_exploited_vulnerabilities.json"),
    ])
    let sqlite = try SQLiteAdvisoryStore(path: tmp.file("db/tailguard.db"))
    try sqlite.write(batch)
    let memory = InMemoryAdvisoryStore()
    try memory.write(batch)
    for (eco, name) in [
      ("PyPI", "requests"), ("PyPI", "PyYAML"), ("PyPI", "pyyaml"), ("PyPI", "Jinja2"),
      ("PyPI", "urllib3"),
      ("Alpine:v3.10", "openssl"), ("Alpine:v3.10", "busybox"), ("PyPI", "no-such-package"),
    ] {
      let a = try sqlite.advisories(ecosystem: eco, name: name)
      let b = try memory.advisories(ecosystem: eco, name: name)
      #expect(a.map(\.id) == b.map(\.id), "\(eco) \(name)")
      #expect(a.map(\.affected) == b.map(\.affected), "\(eco) \(name)")
      #expect(a.map(\.aliases) == b.map(\.aliases))
    }
    #expect(
      try sqlite.advisories(ecosystem: "PyPI", name: "PyYAML").map(\.id).contains("PYSEC-2020-96"))
    #expect(try sqlite.advisories(ecosystem: "PyPI", name: "py_yaml").isEmpty)
    let kev = try sqlite.kevEntries(for: ["CVE-2021-44228", "GHSA-x", "CVE-0000-0000"])
    #expect(kev.map(\.cveID) == ["CVE-2021-44228"])
    // Raw JSON survives (compressed) for re-matching.
    let raw = try sqlite.rawJSON(forID: "PYSEC-2018-28")
    let original = try String(
      contentsOfFile: SharedData.path("advisories/pypa-osv-json/requests/PYSEC-2018-28.json"),
      encoding: .utf8)
    #expect(raw == [original])
    #expect(try sqlite.rawJSON(forID: "CVE-2018-18074").contains(original))
    let status = try sqlite.status()
    #expect(status.schemaVersion == SQLiteAdvisoryStore.currentSchemaVersion)
    #expect(status.advisories == batch.records.count)
    #expect(status.kevEntries == 1404)
    #expect(status.ecosystems.contains { $0.ecosystem == "Alpine:v3.10" })
    #expect(status.sources.contains { $0.name == "kev" && $0.dataDate == "2025-08-25" })
  }

  @Test func reimportReplacesRecordsAndWithdrawnAreKept() throws {
    let tmp = try TemporaryDirectory()
    let store = try SQLiteAdvisoryStore(path: tmp.file("t.db"))
    let a1 = Advisory(
      id: "T-1", source: "osv:PyPI",
      affected: [
        AffectedPackage(
          ecosystem: "PyPI", name: "Foo_Bar",
          ranges: [AffectedRange(kind: .ecosystem, events: [RangeEvent(.introduced, "0")])])
      ])
    try store.write(ImportBatch(records: [AdvisoryRecord(advisory: a1, rawJSON: "{}")]))
    #expect(try store.advisories(ecosystem: "PyPI", name: "foo-bar").count == 1)
    var a2 = a1
    a2.withdrawn = "2024-01-01T00:00:00Z"
    a2.affected[0].name = "other"
    try store.write(ImportBatch(records: [AdvisoryRecord(advisory: a2, rawJSON: "{}")]))
    #expect(try store.advisories(ecosystem: "PyPI", name: "foo-bar").isEmpty)
    #expect(
      try store.advisories(ecosystem: "PyPI", name: "other").first?.withdrawn
        == "2024-01-01T00:00:00Z")
    #expect(try store.status().withdrawn == 1)
  }

  @Test func readOnlyOpenOfAMissingDatabaseFails() {
    #expect(throws: AdvisoryError.self) {
      try SQLiteAdvisoryStore(path: "/nonexistent/x.db", readOnly: true)
    }
  }

  @Test func zipExportImportsLikeTheDirectoryAndCorruptZipIsADiagnostic() throws {
    let tmp = try TemporaryDirectory()
    let dir = SharedData.path("advisories/rustsec-osv/crates")
    // Build an OSV-style all.zip with Python's zipfile (deflated), the layout OSV publishes.
    let run = try ProcessRunner.run(
      "python3",
      [
        "-c",
        "import zipfile,glob,os,sys; z=zipfile.ZipFile(sys.argv[2],'w',zipfile.ZIP_DEFLATED)\nfor f in sorted(glob.glob(sys.argv[1]+'/*.json')): z.write(f, os.path.basename(f))\nz.close()",
        dir, tmp.file("all.zip"),
      ])
    #expect(run.status == 0)
    let fromZip = AdvisoryImporter().load(paths: [tmp.file("all.zip")])
    let fromDir = AdvisoryImporter().load(paths: [dir])
    #expect(fromZip.records.count == fromDir.records.count)
    #expect(fromZip.records.map(\.advisory) == fromDir.records.map(\.advisory))
    #expect(fromZip.diagnostics.filter { $0.level == .error }.isEmpty)
    // Truncate the archive: the central directory is gone → one error diagnostic, no crash.
    let bytes = try Data(contentsOf: URL(fileURLWithPath: tmp.file("all.zip")))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: tmp.file("half.zip")))
    let broken = AdvisoryImporter().load(paths: [tmp.file("half.zip")])
    #expect(broken.records.isEmpty)
    #expect(
      broken.diagnostics.contains {
        $0.code == "import.unreadable" && $0.path == tmp.file("half.zip")
      })
    // Flip bytes inside the first entry's data: CRC or inflate fails for that entry only.
    var damaged = [UInt8](bytes)
    for i in 200..<260 { damaged[i] ^= 0xFF }
    try Data(damaged).write(to: URL(fileURLWithPath: tmp.file("bad.zip")))
    let partly = AdvisoryImporter().load(paths: [tmp.file("bad.zip")])
    #expect(partly.records.count == fromDir.records.count - 1)
    #expect(partly.diagnostics.contains { $0.code == "import.bad-entry" })
  }

  @Test func databaseLocationFollowsFlagThenEnvironmentThenXDG() {
    #expect(
      DatabaseLocation.resolve(flag: "/x/y.db", environment: ["TAILGUARD_DB": "/e.db"]) == "/x/y.db"
    )
    #expect(DatabaseLocation.resolve(flag: nil, environment: ["TAILGUARD_DB": "/e.db"]) == "/e.db")
    #expect(
      DatabaseLocation.resolve(flag: nil, environment: ["XDG_DATA_HOME": "/d", "HOME": "/h"])
        == "/d/tailguard/tailguard.db")
    #expect(
      DatabaseLocation.resolve(flag: nil, environment: ["HOME": "/h"])
        == "/h/.local/share/tailguard/tailguard.db")
  }
}

/// The compact text the database keeps ranges, lists and vectors in must give back exactly what
/// went in, whatever bytes the advisory carried (its separators and escape character included).
@Suite struct CompactCodecTests {
  static let awkward = [
    "", "1.0", "%", "%25", "%0A", "a\tb", "line\nbreak", "cr\r", "100%\t%\n%0D", "ünïcødé-1.0",
    "🙂%09", "%%%", "%2", "%zz",
  ]

  @Test func listsRoundTrip() {
    for i in Self.awkward.indices {
      let list = Array(Self.awkward[i...]) + Array(Self.awkward[..<i])
      #expect(CompactCodec.decodeList(CompactCodec.encodeList(list)) == list)
    }
    #expect(CompactCodec.decodeList(CompactCodec.encodeList([])) == [])
  }

  @Test func rangesAndVectorsRoundTrip() {
    let ranges = Self.awkward.filter { !$0.isEmpty }.map { v in
      AffectedRange(
        kind: .ecosystem, repo: v.contains("%") ? "https://x/\(v)" : nil,
        events: [
          RangeEvent(.introduced, "0"), RangeEvent(.fixed, v), RangeEvent(.lastAffected, v + "1"),
          RangeEvent(.limit, "*"),
        ])
    }
    #expect(CompactCodec.decodeRanges(CompactCodec.encodeRanges(ranges)) == ranges)
    let vectors = Self.awkward.filter { !$0.isEmpty }.map {
      SeverityVector(type: "CVSS_V3", score: $0)
    }
    #expect(CompactCodec.decodeSeverities(CompactCodec.encodeSeverities(vectors)) == vectors)
  }

  @Test func unknownEscapesStayAsWritten() {
    #expect(CompactCodec.unescape("%zz%2") == "%zz%2")
    #expect(CompactCodec.unescape("a%250Ab") == "a%0Ab")
  }
}
