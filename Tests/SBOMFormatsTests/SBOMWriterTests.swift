import Foundation
import TailguardTesting
import Testing

@testable import SBOMFormats
@testable import TailguardModel

/// Builds a SoftwareBOM from the real dpkg inventory of Debian bookworm minbase (the oracle TSV
/// made by dpkg-query) plus a few language packages, so the writers see real names and versions.
func realBOM() throws -> SoftwareBOM {
  let tsv = try String(
    contentsOfFile: SharedData.path("pkgdb/expected/debian-bookworm-minbase.dpkg-query.tsv"),
    encoding: .utf8)
  let layer = try Digest(parsing: "sha256:" + String(repeating: "1", count: 64))
  var packages: [Package] = []
  for line in tsv.split(separator: "\n") {
    let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    guard f.count >= 5 else { continue }
    let purl = PackageURL(
      type: "deb", namespace: "debian", name: f[0], version: f[1],
      qualifiers: ["arch": f[2], "distro": "debian-12", "upstream": f[3] == f[0] ? "" : f[3]])
    packages.append(
      Package(
        name: f[0], version: f[1], ecosystem: .deb, purl: purl,
        licenses: f[0] == "bash" ? ["GPL-3.0+"] : [],
        locations: [Location(path: "var/lib/dpkg/status", layer: layer, layerIndex: 0)],
        source: SourcePackage(name: f[3], version: f[4].isEmpty ? f[1] : f[4]), foundBy: "dpkg",
        introducedBy: layer, introducedByIndex: 0,
        metadata: .dpkg(
          DpkgMetadata(architecture: f[2], maintainer: "Debian Maintainers <x@debian.org>"))))
  }
  let py = PackageURL(type: "pypi", name: "pyyaml", version: "5.3")
  packages.append(
    Package(
      name: "PyYAML", version: "5.3", ecosystem: .pypi, purl: py, licenses: ["MIT"],
      locations: [
        Location(path: "usr/local/lib/python3.11/site-packages/PyYAML-5.3.dist-info/METADATA")
      ],
      foundBy: "python",
      metadata: .python(PythonMetadata(format: "dist-info", author: "Kirill Simonov"))))
  let npm = PackageURL(type: "npm", namespace: "@types", name: "node", version: "20.1.0")
  packages.append(
    Package(
      name: "@types/node", version: "20.1.0", ecosystem: .npm, purl: npm,
      licenses: ["Some Custom License"], foundBy: "npm"))
  let image = ImageMetadata(
    target: "oci:layout:planted", sourceKind: "oci-layout",
    reference: "127.0.0.1:5000/planted:latest",
    manifestDigest: try Digest(
      parsing: "sha256:76fa8eafdebb39ba069657275b0c93499d580450427ff5ad9fc0e9b23f992a50"),
    platform: .linuxAMD64,
    layers: [
      LayerInfo(
        index: 0, digest: layer, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        compression: .gzip, size: 10, createdBy: "debootstrap")
    ])
  return SoftwareBOM(
    image: image,
    distro: Distro(id: "debian", versionID: "12", prettyName: "Debian GNU/Linux 12 (bookworm)"),
    packages: packages)
}

let fixedOptions = SBOMWriteOptions(timestamp: "2026-01-01T00:00:00Z")
let hasCycloneDX = OracleProcess.pythonHas("cyclonedx.validation.json")
let hasSPDX = FixtureProcess.which("pyspdxtools") != nil
let hasNTIA = FixtureProcess.which("ntia-checker") != nil

@Suite struct SBOMWriterTests {
  @Test(
    .enabled(
      if: Oracles.gate(hasCycloneDX), "cyclonedx-python-lib not installed (run install-oracles.sh)")
  )
  func cycloneDXPassesOfficialValidator() throws {
    let dir = try TemporaryDirectory()
    let file = dir.file("bom.cdx.json")
    try CycloneDXWriter(options: fixedOptions).write(try realBOM()).write(
      to: URL(fileURLWithPath: file))
    let r = try OracleProcess.run(
      "python3", [SharedData.path("sbom/oracle/validate_cyclonedx.py"), "--spec", "1.6", file])
    #expect(r.status == 0, "\(r.output)")
  }

  @Test(.enabled(if: Oracles.gate(hasSPDX), "pyspdxtools not installed (run install-oracles.sh)"))
  func spdxPassesOfficialValidator() throws {
    let dir = try TemporaryDirectory()
    let file = dir.file("bom.spdx.json")
    try SPDXWriter(options: fixedOptions).write(try realBOM()).write(to: URL(fileURLWithPath: file))
    let r = try OracleProcess.run("pyspdxtools", ["-i", file])
    #expect(r.status == 0, "\(r.output)")
  }

  @Test(.enabled(if: Oracles.gate(hasNTIA), "ntia-checker not installed (run install-oracles.sh)"))
  func spdxMeetsNTIAMinimumElements() throws {
    let dir = try TemporaryDirectory()
    let file = dir.file("bom.spdx.json")
    try SPDXWriter(options: fixedOptions).write(try realBOM()).write(to: URL(fileURLWithPath: file))
    let r = try OracleProcess.run("ntia-checker", ["-c", "ntia", file])
    #expect(r.status == 0, "\(r.output)")
  }

  @Test func outputIsDeterministic() throws {
    var bom = try realBOM()
    let a = try CycloneDXWriter(options: fixedOptions).write(bom)
    bom.packages.reverse()
    let b = try CycloneDXWriter(options: fixedOptions).write(bom)
    #expect(a == b)
    let c = try SPDXWriter(options: fixedOptions).write(bom)
    bom.packages.shuffle()
    #expect(try SPDXWriter(options: fixedOptions).write(bom) == c)
  }

  @Test(arguments: ["cyclonedx", "spdx"])
  func roundTripKeepsIdentityAndAttribution(format: String) throws {
    let bom = try realBOM()
    let data =
      format == "cyclonedx"
      ? try CycloneDXWriter(options: fixedOptions).write(bom)
      : try SPDXWriter(options: fixedOptions).write(bom)
    let back = try SBOMReader().read(data: data, name: "roundtrip.json")
    #expect(back.packages.count == bom.packages.count)
    #expect(back.distro?.id == "debian")
    #expect(back.distro?.versionID == "12")
    let original = Dictionary(uniqueKeysWithValues: bom.packages.map { ($0.purl.description, $0) })
    for pkg in back.packages {
      let o = try #require(original[pkg.purl.description], "unexpected \(pkg.purl)")
      #expect(pkg.name == o.name)
      #expect(pkg.version == o.version)
      #expect(pkg.ecosystem == o.ecosystem)
      #expect(pkg.source == o.source, "source of \(pkg.name)")
      if format == "cyclonedx" {
        #expect(pkg.introducedBy == o.introducedBy)
        #expect(pkg.id == o.id)
      }
    }
    if format == "cyclonedx" { #expect(back.image.manifestDigest == bom.image.manifestDigest) }
  }
}
