import Advisories
import Foundation
import TailguardTesting
import Testing

@testable import Scanner
@testable import TailguardModel

/// End to end on the real planted image (../shared/data/images/built/oci-layout, tag
/// `planted`): the package list must equal the oracle inventory exactly (dpkg-query on layer 1;
/// pip, go version -m, unzip and node on layer 2), and the scan with the real advisory data must
/// report every PYSEC id the oracle lists.
@Suite(.serialized) struct PlantedImageTests {
  static let layout = SharedData.path("images/built/oci-layout")
  static let target = "oci:\(layout):planted"

  static func expectedPackages() throws -> Set<String> {
    var expected = Set<String>()
    let tsv = try String(
      contentsOfFile: SharedData.path("pkgdb/expected/debian-bookworm-minbase.dpkg-query.tsv"),
      encoding: .utf8)
    for line in tsv.split(separator: "\n") {
      let f = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard f.count >= 2 else { continue }
      expected.insert("deb|\(f[0])|\(f[1])")
    }
    let data = try Data(
      contentsOf: URL(
        fileURLWithPath: SharedData.path("images/built/planted.expected-inventory.json")))
    let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    for p in doc["python"] as? [[String: String]] ?? [] {
      expected.insert("pypi|\(p["name"] ?? "")|\(p["version"] ?? "")")
    }
    let go = try #require(doc["go_binaries"] as? [String: [String: Any]])
    for (_, bin) in go {
      let goVersion = (bin["go"] as? String ?? "").replacingOccurrences(of: "go", with: "")
      expected.insert("golang|stdlib|\(goVersion)")
      // A module-mode build records its main module (`mod` line, version `(devel)`) and its
      // dependencies; Debian's GOPATH build of umoci records only the package path, so only
      // its Go version is known.
      if let deps = bin["deps"] as? [String: String] {
        for (path, version) in deps { expected.insert("golang|\(path)|\(version)") }
        expected.insert("golang|\(bin["path"] as? String ?? "")|(devel)")
      }
    }
    for (path, coordinates) in doc["java"] as? [String: String] ?? [:] where path.hasSuffix(".jar")
    {
      let parts = coordinates.split(separator: ":")
      expected.insert("maven|\(parts[0]):\(parts[1])|\(parts[2])")
    }
    for (_, desc) in doc["npm"] as? [String: String] ?? [:] {
      let nameVersion = desc.split(separator: " ")[0].split(separator: "@")
      expected.insert("npm|\(nameVersion[0])|\(nameVersion[1])")
    }
    return expected
  }

  @Test func sbomEqualsTheOracleInventory() async throws {
    let bom = try await Scanner().sbom(target: Self.target)
    let got = Set(bom.packages.map { "\($0.ecosystem.rawValue)|\($0.name)|\($0.version)" })
    let expected = try Self.expectedPackages()
    #expect(got.subtracting(expected).sorted() == [], "extra packages")
    #expect(expected.subtracting(got).sorted() == [], "missing packages")
    #expect(bom.packages.count == got.count, "no package reported twice")
    #expect(bom.distro?.id == "debian")
    #expect(bom.distro?.versionID == "12")
    #expect(
      bom.image.manifestDigest?.description
        == "sha256:76fa8eafdebb39ba069657275b0c93499d580450427ff5ad9fc0e9b23f992a50")
    // Source packages for Debian: libc6 is built from glibc.
    let libc = try #require(bom.packages.first { $0.name == "libc6" })
    #expect(libc.source?.name == "glibc")
    // Layer attribution: dpkg packages come from layer 0, the planted ones from layer 1.
    #expect(bom.packages.filter { $0.ecosystem == .deb }.allSatisfy { $0.introducedByIndex == 0 })
    #expect(bom.packages.filter { $0.ecosystem != .deb }.allSatisfy { $0.introducedByIndex == 1 })
  }

  @Test func scanReportsEveryOraclePYSEC() async throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("advisories.db")
    let store = try SQLiteAdvisoryStore(path: db)
    let batch = AdvisoryImporter().load(
      paths: [
        "advisories/pypa-osv-json", "advisories/go-vulndb/osv",
        "kev/known_exploited_vulnerabilities.json",
      ]
      .map(SharedData.path))
    try store.write(batch)
    let bom = try await Scanner().sbom(target: Self.target)
    let report = Scanner().report(for: bom, store: store, dataInfo: nil)
    let data = try Data(
      contentsOf: URL(
        fileURLWithPath: SharedData.path("images/built/planted.expected-inventory.json")))
    let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let oracle = try #require(
      doc["pypa_advisories_whose_enumerated_versions_list_contains_the_installed_version"]
        as? [String: [[String: Any]]])
    for (nameVersion, advisories) in oracle {
      let parts = nameVersion.split(separator: "=").filter { !$0.isEmpty }
      let name = String(parts[0])
      let ids = Set(
        report.findings.filter { $0.finding.packageName.lowercased() == name.lowercased() }.flatMap
        { $0.finding.advisoryIDs })
      for adv in advisories {
        let id = try #require(adv["id"] as? String)
        #expect(ids.contains(id), "\(nameVersion) should report \(id)")
      }
    }
    // Every finding is explained: evidence with the scheme and the range.
    #expect(report.findings.allSatisfy { !$0.finding.evidence.isEmpty })
    // chardet 3.0.4 has no advisory in the data: nothing reported for it.
    #expect(!report.findings.contains { $0.finding.packageName == "chardet" })
    // Findings are ordered by severity, then risk.
    let severities = report.findings.map(\.assessment.severity)
    #expect(severities == severities.sorted(by: >))
  }
}
