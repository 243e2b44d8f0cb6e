import ByteFormats
import Catalogers
import Foundation
import ImageSources
import Remediation
import Reports
import Scanner
import TailguardModel
import TailguardTesting
import Testing

/// The loop on real Debian 12 packages: the plan names the versions, `patch` writes one layer
/// with exactly the new packages' files and dpkg records, and a rescan closes exactly what the
/// plan predicted.
@Suite(.enabled(if: Oracles.gate(SharedData.isAvailable && XzDecoder.isAvailable)))
struct PatchLoopTests {
  struct Setup {
    let dir: TemporaryDirectory
    let db: String
    let fixedIn: [String: [String: String]]
    let image: String
    func request(_ target: String) -> ScanRequest {
      ScanRequest(
        target: target, advisories: AdvisoryChoice(path: db, named: true), options: ScanOptions())
    }
  }

  static func setup(_ style: DebFixtures.Style) throws -> Setup {
    let dir = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: dir.file("osv"), withIntermediateDirectories: true)
    let fixedIn = try DebFixtures.writeAdvisories(to: dir.file("adv.db"), scratch: dir.file("osv"))
    try DebFixtures.writeImage(at: dir.file("image"), style: style)
    return Setup(
      dir: dir, db: dir.file("adv.db"), fixedIn: fixedIn, image: "oci:\(dir.file("image")):old")
  }

  /// The version each package must reach: the highest revision fixing a CVE newer than the
  /// installed one, computed from the changelogs alone.
  static func expectedUpgrades(_ fixedIn: [String: [String: String]]) throws -> [String: (
    String, Set<String>
  )] {
    var out: [String: (String, Set<String>)] = [:]
    for p in DebFixtures.packages {
      let open = (fixedIn[p.name] ?? [:]).filter {
        VersionComparison.compare(scheme: "deb", p.old, $0.value).result == "<"
      }
      guard
        let top = open.values.max(by: {
          VersionComparison.compare(scheme: "deb", $0, $1).result == "<"
        })
      else { continue }
      out[p.name] = (top, Set(open.keys))
    }
    return out
  }

  @Test func planNamesTheFixingVersions() async throws {
    let s = try Self.setup(.distroless)
    let (plan, report) = try await Scanner().fixPlan(
      s.request(s.image), endOfLife: nil, asOf: "2026-12-07")
    let expected = try Self.expectedUpgrades(s.fixedIn)
    #expect(!expected.isEmpty)
    let upgrades = plan.actions.filter { $0.kind == .packageUpgrade }
    #expect(Set(upgrades.compactMap(\.package?.name)) == Set(expected.keys))
    for a in upgrades {
      let name = try #require(a.package?.name)
      #expect(a.to == expected[name]?.0, "\(name)")
      #expect(Set(a.closes.map(\.id)) == expected[name]?.1, "\(name)")
    }
    #expect(plan.unactionable.isEmpty)
    #expect(report.findings.count == upgrades.reduce(0) { $0 + $1.closes.count })
    // Biggest risk first.
    #expect(upgrades.map(\.riskClosed) == upgrades.map(\.riskClosed).sorted(by: >))
    // Stable JSON: the same plan twice gives the same bytes.
    #expect(try JSONReport.encode(plan) == JSONReport.encode(plan))
  }

  @Test(arguments: [DebFixtures.Style.distroless, .full])
  func patchClosesExactlyThePredictedFindings(style: DebFixtures.Style) async throws {
    let s = try Self.setup(style)
    let (plan, before) = try await Scanner().fixPlan(
      s.request(s.image), endOfLife: nil, asOf: "2026-12-07")
    var request = PatchRequest(
      scan: s.request(s.image), packages: DebFixtures.debs,
      output: "oci:\(s.dir.file("out")):patched")
    request.vex = s.dir.file("vex.json")
    let outcome = try await Scanner().patch(request)
    #expect(outcome.style == (style == .distroless ? .statusDirectory : .statusFile))

    // One layer more, and it holds exactly the new packages' files.
    let layout = OCILayout(directory: s.dir.file("out"))
    let manifest =
      try JSONSerialization.jsonObject(
        with: Data(try layout.blob(try Digest(parsing: outcome.manifestDigest), what: "manifest")))
      as? [String: Any]
    let layers = try #require(manifest?["layers"] as? [[String: Any]])
    #expect(layers.count == 2)
    let layerTar = try layout.blob(
      try Digest(parsing: outcome.layerDigest), what: "layer", limit: 64 << 20)
    var files: [String: [UInt8]] = [:]
    var kinds: [String: TarEntry] = [:]
    var parser = TarParser()
    var current = ""
    try parser.push(layerTar) { event in
      switch event {
      case .entry(let e):
        current = e.path
        kinds[e.path] = e
        files[e.path] = []
      case .data(let d): files[current, default: []].append(contentsOf: d)
      default: break
      }
    }
    for r in outcome.replaced {
      let pkg = try DebFixtures.deb(try DebFixtures.file(r.name, r.to))
      for f in pkg.files where f.entry.kind == .regular {
        let path = f.entry.path.hasPrefix("lib/") ? "usr/" + f.entry.path : f.entry.path
        #expect(files[path] == f.data, "\(path) of \(r.name) \(r.to)")
      }
      for f in pkg.files where f.entry.kind == .symlink {
        let path = f.entry.path.hasPrefix("lib/") ? "usr/" + f.entry.path : f.entry.path
        #expect(kinds[path]?.linkName == f.entry.linkName)
      }
      // The dpkg record carries the new version.
      let record = style == .distroless ? "var/lib/dpkg/status.d/\(r.name)" : "var/lib/dpkg/status"
      let stanzas = DpkgControlParser().parse(try #require(files[record]), path: record).stanzas
      #expect(stanzas.first { $0["Package"] == r.name }?["Version"] == r.to)
    }
    // The merged-/usr symlink is never replaced by a directory.
    #expect(kinds["lib"] == nil)

    // The rescan closes exactly the predicted findings.
    let after = try await Scanner().scan(s.request("oci:\(s.dir.file("out")):patched")).report
    let key = { (f: ScoredFinding) in "\(f.finding.packageName)@\(f.finding.primaryID)" }
    let closed = Set(before.findings.map(key)).subtracting(
      Set(try #require(after).findings.map(key)))
    let patched = Set(outcome.replaced.map(\.name))
    let predicted = Set(
      plan.actions.filter { $0.package.map { patched.contains($0.name) } ?? false }.flatMap(
        \.closes
      )
      .map { "\($0.package)@\($0.id)" })
    #expect(!predicted.isEmpty)
    #expect(closed == predicted)
    #expect(
      after?.sbom.packages.filter { $0.ecosystem == .deb }.count
        == before.sbom.packages.filter { $0.ecosystem == .deb }.count)

    // OpenVEX: one fixed statement per closed finding.
    let vex =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: s.dir.file("vex.json")))) as? [String: Any]
    let statements = try #require(vex?["statements"] as? [[String: Any]])
    #expect(statements.count == predicted.count)
    #expect(statements.allSatisfy { $0["status"] as? String == "fixed" })

    // Byte-identical on a second run.
    request.output = "oci:\(s.dir.file("again")):patched"
    let again = try await Scanner().patch(request)
    #expect(again.manifestDigest == outcome.manifestDigest)
  }
}
