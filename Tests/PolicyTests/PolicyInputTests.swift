import Foundation
import Policy
import Rego
import TailguardModel
import TailguardTesting
import Testing

@Suite(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
struct PolicyInputTests {
  func field(_ v: Value?, _ path: String...) -> Value? {
    var cur = v
    for p in path { cur = cur?.objectValue?[.string(p)] }
    return cur
  }

  @Test func plantedProjection() throws {
    let report = try PlantedScan.report()
    let input = PolicyInput.make(report: report)
    #expect(field(input, "schemaVersion") == .int(1))
    // Image identity and config from the layout's manifest and config blobs.
    #expect(field(input, "image", "manifestDigest") == .string(PlantedScan.manifestDigest))
    #expect(field(input, "image", "config", "cmd") == .array(["/bin/bash"]))
    #expect(field(input, "image", "config", "user") == .null)
    #expect(
      field(input, "image", "config", "envMap", "PATH")
        == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    #expect(field(input, "image", "platform", "architecture") == "amd64")
    #expect(field(input, "image", "tags") == .array(["planted"]))
    #expect(field(input, "image", "digest") == .null)
    let layers = try #require(field(input, "image", "layers")?.arrayValue)
    #expect(layers.count == 2)
    #expect(
      field(layers[0], "digest")
        == "sha256:96643d90f1b068670cf0a0e1e7ae81a17ccaea3e2ef2941ab9295c272c695763")
    #expect(field(input, "image", "config", "history")?.arrayValue?.count == 3)

    // Packages: 88 dpkg rows + 7 Python + 2 Go binaries + 2 jars.
    let packages = try #require(field(input, "packages")?.arrayValue)
    #expect(packages.count == 99)
    var byType: [String: Int] = [:]
    for p in packages { byType[field(p, "type")?.stringValue ?? "?", default: 0] += 1 }
    #expect(byType == ["deb": 88, "pypi": 7, "golang": 2, "maven": 2])
    let bash = try #require(packages.first { field($0, "name") == "bash" })
    #expect(field(bash, "version") == "5.2.15-2+b13")
    #expect(field(bash, "source", "version") == "5.2.15-2")
    #expect(field(bash, "layerIndex") == .int(0))
    #expect(field(bash, "fromBaseImage") == .bool(true))
    #expect(
      field(bash, "purl")?.stringValue?.hasPrefix("pkg:deb/debian/bash@5.2.15-2%2Bb13") == true)
    let umoci = try #require(
      packages.first { field($0, "name") == "github.com/opencontainers/umoci/cmd/umoci" })
    #expect(field(umoci, "go", "goVersion") == "go1.19.8")
    #expect(field(umoci, "go", "boringCrypto") == .bool(false))

    // Findings: 16 PYSEC records, fixed versions from the OSV ranges, no KEV member.
    let findings = try #require(field(input, "findings")?.arrayValue)
    #expect(findings.count == 16)
    let pyyaml = try #require(findings.first { field($0, "id") == "CVE-2020-1747" })
    #expect(field(pyyaml, "fixedVersion") == "5.3.1")
    #expect(field(pyyaml, "package", "name") == "PyYAML")
    #expect(field(pyyaml, "aliases") == .array(["GHSA-6757-jp84-gxfx", "PYSEC-2020-96"]))
    #expect(field(pyyaml, "kev") == .null)
    #expect(field(pyyaml, "epss") == .null)
    #expect(field(pyyaml, "layerIndex") == .int(1))
    #expect(field(input, "summary", "total") == .int(16))
    #expect(field(input, "summary", "unknown") == .int(16))
    #expect(field(input, "summary", "critical") == .int(0))
    #expect(field(input, "signatures") == .array([]))
    #expect(field(input, "files") == .null)
    #expect(field(input, "diagnostics") == .array([]))
  }

  /// The projection is plain JSON that a user policy can query (here through the engine).
  @Test func userPolicyOverRealFindings() throws {
    let report = try PlantedScan.report()
    let fixable = report.findings.filter { $0.finding.fixedVersion != nil }
    let dir = try TemporaryDirectory()
    try """
    package main
    import rego.v1
    deny contains msg if {
      some f in input.findings
      f.fixedVersion != null
      msg := sprintf("%s: upgrade %s %s to %s", [f.id, f.package.name, f.package.version, f.fixedVersion])
    }
    """.write(toFile: dir.file("fix.rego"), atomically: false, encoding: .utf8)
    let d = try PolicyEngine(arguments: [dir.file("fix.rego")]).evaluate(
      input: PolicyInput.make(report: report))
    #expect(fixable.count > 10)
    #expect(
      d.violations.map(\.message).sorted()
        == fixable.map {
          "\($0.finding.primaryID): upgrade \($0.finding.packageName) \($0.finding.packageVersion) to \($0.finding.fixedVersion ?? "")"
        }.sorted())
    // JSON text of the projection parses with Foundation.
    let text = PolicyInput.json(report: report)
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    #expect((object?["packages"] as? [Any])?.count == 99)
  }

  @Test func projectionOfKEVAndEPSSFinding() throws {
    let kev = try #require(try PlantedScan.kevCatalog()["CVE-2021-44228"])
    let pkg = Package(
      name: "log4j-core", version: "2.14.1", ecosystem: .maven,
      purl: PackageURL(
        type: "maven", namespace: "org.apache.logging.log4j", name: "log4j-core", version: "2.14.1"),
      foundBy: "java")
    let f = Finding(
      packageID: pkg.id, packageName: pkg.name, packageVersion: pkg.version, ecosystem: .maven,
      purl: pkg.purl, primaryID: "CVE-2021-44228",
      advisoryIDs: ["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"],
      recordIDs: ["GHSA-jfh8-c2jp-5v3q"], fixState: .fixed, fixedVersion: "2.15.0",
      exploitation: Exploitation(
        kev: kev, epss: EPSSScore(cveID: "CVE-2021-44228", score: 0.9447, percentile: 0.9998)))
    let sf = ScoredFinding(
      finding: f,
      assessment: Assessment(
        severity: .critical, severitySource: "cvss-v3.1",
        cvssVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", cvssScore: 10.0,
        risk: RiskScore(value: 10, reasons: ["kev"])))
    let report = ScanReport(
      toolVersion: "t", scannedAt: "2026-01-01T00:00:00Z",
      sbom: SoftwareBOM(
        image: ImageMetadata(target: "app:1", sourceKind: "registry"), packages: [pkg]),
      findings: [sf],
      diagnostics: [
        Diagnostic(.error, code: "corrupt-db", "bad status file", path: "var/lib/dpkg/status")
      ])
    let input = PolicyInput.make(report: report)
    #expect(
      field(input, "diagnostics")
        == .array([
          .object([
            "level": "error", "code": "corrupt-db", "message": "bad status file",
            "path": "var/lib/dpkg/status",
          ])
        ]))
    let finding = try #require(field(input, "findings")?.arrayValue?.first)
    #expect(field(finding, "kev", "dateAdded") == .string(kev.dateAdded))
    #expect(
      field(finding, "kev", "knownRansomwareCampaignUse") == .bool(kev.knownRansomwareCampaignUse))
    #expect(field(finding, "epss", "percentile") == .double(0.9998))
    #expect(field(finding, "cvss", "score") == .int(10))
    #expect(field(finding, "severityRank") == .int(5))
    let d = try PolicyEngine(arguments: ["no-kev", "no-fixable-critical", "max-severity"])
      .evaluate(input: input)
    #expect(
      Set(d.violations.compactMap(\.pack)) == ["no-kev", "no-fixable-critical", "max-severity"])
    #expect(field(input, "image", "repository") == "library/app")
    #expect(field(input, "image", "tag") == "1")
  }

  /// Build settings as `go version -m` prints them for a real GOEXPERIMENT binary.
  @Test(
    .enabled(
      if: Oracles.gate(FileManager.default.isExecutableFile(atPath: "/usr/bin/go")), "needs go"))
  func goBuildSettingsFromRealBinary() throws {
    let binary = SharedData.path(
      "binaries/trivy/pkg/dependency/parser/golang/binary/testdata/goexperiment")
    let out = try ProcessRunner.run("/usr/bin/go", ["version", "-m", binary]).checked().stdout
    var settings: [KeyValue] = []
    for line in out.split(separator: "\n") {
      let f = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard f.count == 3, f[1] == "build", let eq = f[2].firstIndex(of: "=") else { continue }
      settings.append(KeyValue(String(f[2][..<eq]), String(f[2][f[2].index(after: eq)...])))
    }
    #expect(settings.contains(KeyValue("GOEXPERIMENT", "loopvar")))
    let pkg = Package(
      name: "command-line-arguments", version: "(devel)", ecosystem: .golang,
      purl: PackageURL(type: "golang", name: "command-line-arguments"),
      locations: [Location(path: "usr/bin/app")], foundBy: "go-binary",
      metadata: .goModule(GoModuleMetadata(goVersion: "go1.22.1", buildSettings: settings)))
    var fipsSettings = settings
    fipsSettings.removeAll { $0.key == "GOEXPERIMENT" }
    fipsSettings.append(KeyValue("GOEXPERIMENT", "boringcrypto,loopvar"))
    var fipsPkg = pkg
    fipsPkg.locations = [Location(path: "usr/bin/fips-app")]
    fipsPkg.metadata = .goModule(
      GoModuleMetadata(goVersion: "go1.22.1", buildSettings: fipsSettings))
    let report = ScanReport(
      toolVersion: "t", scannedAt: "x",
      sbom: SoftwareBOM(
        image: ImageMetadata(target: "registry.example/app-fips:1", sourceKind: "registry"),
        packages: [pkg, fipsPkg]))
    let input = PolicyInput.make(report: report)
    let packages = try #require(field(input, "packages")?.arrayValue)
    let plain = try #require(
      packages.first {
        field($0, "locations")?.arrayValue?.first.flatMap { field($0, "path") } == "usr/bin/app"
      })
    #expect(field(plain, "go", "goexperiment") == .array(["loopvar"]))
    #expect(field(plain, "go", "buildSettings", "GOARCH") == "arm64")
    #expect(field(plain, "go", "fipsCapable") == .bool(false))
    // The repository name claims FIPS: only the non-BoringCrypto binary is denied.
    let d = try PolicyEngine(arguments: ["fips"]).evaluate(input: input)
    #expect(
      d.violations.map(\.message) == [
        "image claims FIPS but Go binary /usr/bin/app is not built with BoringCrypto (GOEXPERIMENT=boringcrypto) or GOFIPS140"
      ])
  }
}
