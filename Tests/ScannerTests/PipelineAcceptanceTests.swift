import Advisories
import Foundation
import ImageSources
import SBOMFormats
import TailguardTesting
import Testing

@testable import Scanner
@testable import TailguardModel

let hasCycloneDXValidator = OracleProcess.pythonHas("cyclonedx.validation.json")
let hasSPDXTools =
  FixtureProcess.which("pyspdxtools") != nil && FixtureProcess.which("ntia-checker") != nil
let hasRegistryTools =
  RegistryTestEnvironment.which("docker-registry") != nil
  && RegistryTestEnvironment.which("skopeo") != nil

/// The pipeline's outputs on the real planted image, checked by the official tools, the
/// registry path against the layout path, and policy packs on the scan.
@Suite(.serialized) struct PipelineAcceptanceTests {
  static let target = "oci:\(SharedData.path("images/built/oci-layout")):planted"

  @Test(
    .enabled(
      if: Oracles.gate(hasCycloneDXValidator),
      "cyclonedx-python-lib not installed (install-oracles.sh)"))
  func plantedCycloneDXPassesTheValidator() async throws {
    let bom = try await Scanner().sbom(target: Self.target)
    let dir = try TemporaryDirectory()
    let file = dir.file("planted.cdx.json")
    try CycloneDXWriter().write(bom).write(to: URL(fileURLWithPath: file))
    let r = try OracleProcess.run(
      "python3", [SharedData.path("sbom/oracle/validate_cyclonedx.py"), "--spec", "1.6", file])
    #expect(r.status == 0, "\(r.output)")
  }

  @Test(
    .enabled(
      if: Oracles.gate(hasSPDXTools),
      "pyspdxtools / ntia-checker not installed (install-oracles.sh)"))
  func plantedSPDXPassesTheValidatorAndNTIA() async throws {
    let bom = try await Scanner().sbom(target: Self.target)
    let dir = try TemporaryDirectory()
    let file = dir.file("planted.spdx.json")
    try SPDXWriter().write(bom).write(to: URL(fileURLWithPath: file))
    let spdx = try OracleProcess.run("pyspdxtools", ["-i", file])
    #expect(spdx.status == 0, "\(spdx.output)")
    let ntia = try OracleProcess.run("ntia-checker", ["-c", "ntia", file])
    #expect(ntia.status == 0, "\(ntia.output)")
  }

  @Test(
    .enabled(
      if: Oracles.gate(hasRegistryTools),
      "docker-registry / skopeo not installed (install-oracles.sh)"))
  func registryByTagAndDigestGiveTheLayoutSBOM() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let port = try env.startRegistry()
    try env.push(to: "127.0.0.1:\(port)/fixtures/planted:v1")
    var options = ScanOptions()
    options.registry = RegistryClientConfiguration(insecureRegistries: ["127.0.0.1:\(port)"])
    options.cache = nil
    let fromLayout = try await Scanner().sbom(target: Self.target)
    let byTag = try await Scanner().sbom(
      target: "registry:127.0.0.1:\(port)/fixtures/planted:v1", options: options)
    let digest = try #require(fromLayout.image.manifestDigest)
    let byDigest = try await Scanner().sbom(
      target: "registry:127.0.0.1:\(port)/fixtures/planted@\(digest)", options: options)
    for bom in [byTag, byDigest] {
      #expect(bom.image.manifestDigest == digest)
      #expect(bom.image.configDigest == fromLayout.image.configDigest)
      #expect(bom.image.layers.map(\.digest) == fromLayout.image.layers.map(\.digest))
      #expect(bom.packages.map(\.id) == fromLayout.packages.map(\.id))
      #expect(bom.packages.map(\.purl) == fromLayout.packages.map(\.purl))
      #expect(bom.packages.map(\.introducedBy) == fromLayout.packages.map(\.introducedBy))
    }
  }

  @Test func policyPacksDecideOnTheScan() async throws {
    let scanner = Scanner()
    let inspected = try await scanner.inspect(target: Self.target)
    var report = scanner.report(for: inspected.sbom, store: StarterSet.makeStore(), dataInfo: nil)
    // The planted image's config names no user: non-root-user denies it.
    try scanner.evaluatePolicies(["non-root-user"], on: &report, files: inspected.files)
    #expect(report.policy?.isDenied == true)
    #expect(report.policy?.violations.contains { $0.pack == "non-root-user" } == true)
    // It ships bash, dash, apt and dpkg: the distroless posture pack denies it, naming a shell.
    try scanner.evaluatePolicies(
      ["no-shell-or-package-manager"], on: &report, files: inspected.files)
    #expect(report.policy?.isDenied == true)
    #expect(report.policy?.violations.contains { $0.message.contains("sh") } == true)
    // Nothing in the starter data is in KEV: no-kev allows.
    try scanner.evaluatePolicies(["no-kev"], on: &report, files: inspected.files)
    #expect(report.policy?.outcome == "allow")
  }

  @Test func baseImageLayersAreAttributed() async throws {
    let layout = SharedData.path("images/built/oci-layout")
    var options = ScanOptions()
    options.baseImage = "oci:\(layout):bookworm-minbase"
    let bom = try await Scanner().sbom(target: Self.target, options: options)
    #expect(bom.image.layers.map(\.isBaseLayer) == [true, false])
    #expect(bom.packages.filter { $0.ecosystem == .deb }.allSatisfy { $0.fromBaseImage == true })
    #expect(bom.packages.filter { $0.ecosystem != .deb }.allSatisfy { $0.fromBaseImage == false })
  }
}
