import Advisories
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Matching

/// Fix states from real distro data: vunnel's normalised Ubuntu records say when Ubuntu will
/// not fix a CVE in a release (`database_specific.anchore.status: wont-fix`).
@Suite struct FixStateTests {
  static func deb(_ name: String, _ version: String, source: String) -> Package {
    Package(
      name: name, version: version, ecosystem: .deb,
      purl: PackageURL(type: "deb", namespace: "ubuntu", name: name, version: version),
      locations: [Location(path: "var/lib/dpkg/status#\(name)")],
      source: SourcePackage(name: source, version: version), foundBy: "dpkg")
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable))) func ubuntuWontFixFromVunnelRecords()
    throws
  {
    let root = SharedData.path("vunnel/ubuntu/test-fixtures/snapshots")
    let batch = AdvisoryImporter().load(paths: [root + "/ubuntu-14.04-lts"])
    // Every snapshot of the directory is an OSV record in vunnel's wrapper.
    let files = try FileManager.default.contentsOfDirectory(atPath: root + "/ubuntu-14.04-lts")
      .filter { $0.hasSuffix(".json") }
    #expect(batch.records.count == files.count, "\(batch.diagnostics)")
    let tmp = try TemporaryDirectory()
    let store = try SQLiteAdvisoryStore(path: tmp.file("t.db"))
    try store.write(batch)
    let bom = SoftwareBOM(
      image: ImageMetadata(target: "t", sourceKind: "directory"),
      distro: Distro(id: "ubuntu", versionID: "14.04"),
      packages: [
        Self.deb("libc6", "2.19-0ubuntu6.15", source: "eglibc"),
        Self.deb("syslinux-common", "3:4.05+dfsg-6+deb8u1", source: "syslinux"),
      ])
    let result = Matcher(store: store).match(bom)
    let byPackage = Dictionary(
      grouping: result.findings.filter { $0.advisoryIDs.contains("UBUNTU-CVE-2016-20013") },
      by: \.packageName)
    // Independently: the record lists eglibc and syslinux for 14.04 with `introduced: 0`, no
    // fix, and the wont-fix status, so both installed versions are affected and won't be fixed.
    let raw = try JSONSerialization.jsonObject(
      with: Data(
        contentsOf: URL(fileURLWithPath: root + "/ubuntu-14.04-lts/ubuntu-cve-2016-20013.json")))
    let affected =
      ((raw as? [String: Any])?["item"] as? [String: Any])?["affected"] as? [[String: Any]] ?? []
    let wontFixNames = affected.compactMap { a -> String? in
      let status = ((a["database_specific"] as? [String: Any])?["anchore"] as? [String: Any])?[
        "status"]
      return status as? String == "wont-fix"
        ? (a["package"] as? [String: Any])?["name"] as? String : nil
    }
    #expect(Set(wontFixNames).isSuperset(of: ["eglibc", "syslinux"]))
    #expect(byPackage["libc6"]?.map(\.fixState) == [.wontFix])
    #expect(byPackage["syslinux-common"]?.map(\.fixState) == [.wontFix])
  }

  @Test func wontFixSpellingsAndNonStatements() {
    #expect(VendorFixStatement.saysWontFix(#"{"anchore": {"status": "wont-fix"}}"#))
    #expect(VendorFixStatement.saysWontFix(#"{"status": "Will Not Fix"}"#))
    #expect(!VendorFixStatement.saysWontFix(#"{"anchore": {"status": "fixed"}}"#))
    #expect(!VendorFixStatement.saysWontFix(#"{"note": "we will look at it"}"#))
    #expect(!VendorFixStatement.saysWontFix("not json but wont-fix"))
    #expect(!VendorFixStatement.saysWontFix(nil))
  }
}
