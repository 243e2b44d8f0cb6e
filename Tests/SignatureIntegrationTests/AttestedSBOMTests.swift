import Foundation
import ImageSources
import Scanner
import Signatures
import TailguardModel
import TailguardTesting
import Testing

/// `scan --sbom-from-attestation`: the SBOM of a verified CycloneDX / SPDX attestation of an image
/// in the loopback registry is scanned instead of its layers.
@Suite(.enabled(if: Oracles.gate(SignedRegistry.available), "needs docker-registry"))
struct AttestedSBOMTests {
  static var cyclonedx: [String: Any] {
    [
      "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
      "components": [
        [
          "type": "library", "name": "requests", "version": "2.25.0",
          "purl": "pkg:pypi/requests@2.25.0",
        ],
        [
          "type": "library", "name": "lodash", "version": "4.17.20",
          "purl": "pkg:npm/lodash@4.17.20",
        ],
      ],
    ]
  }
  static var spdx: [String: Any] {
    [
      "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
      "name": "app", "documentNamespace": "https://example.test/app",
      "creationInfo": ["created": "2026-01-01T00:00:00Z", "creators": ["Tool: tailguard-test"]],
      "packages": [
        [
          "SPDXID": "SPDXRef-Package-flask", "name": "flask", "versionInfo": "2.0.0",
          "downloadLocation": "NOASSERTION",
          "externalRefs": [
            [
              "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
              "referenceLocator": "pkg:pypi/flask@2.0.0",
            ]
          ],
        ]
      ],
    ]
  }

  @discardableResult
  static func attest(
    _ registry: SignedRegistry, _ s: TestSigstore, repository: String,
    predicates: [(type: String, predicate: [String: Any])]
  ) async throws -> String {
    try await AttestationPolicyTests.attested(
      registry, s, repository: repository, predicates: predicates)
  }

  static func read(_ registry: SignedRegistry, _ s: TestSigstore, _ repository: String) async throws
    -> (sbom: AttestedSBOM?, report: ImageSignatureVerifier.Report)
  {
    try await Scanner().attestedSBOM(
      target: "\(registry.host)/\(repository):v1", signer: .certificate(s.policy),
      trustedRoot: s.trustedRoot(),
      registry: RegistryClientConfiguration(insecureRegistries: [registry.host]))
  }

  @Test func verifiedSBOMAttestationsAreRead() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let slsa = "https://slsa.dev/provenance/v1"

    // CycloneDX wins over SPDX; the provenance next to them is ignored.
    let both = try await Self.attest(
      registry, s, repository: "sbom/both",
      predicates: [
        (slsa, AttestationPolicyTests.provenance(builder: "https://github.com/actions/runner")),
        ("https://spdx.dev/Document", Self.spdx), ("https://cyclonedx.org/bom", Self.cyclonedx),
      ])
    let (cdx, report) = try await Self.read(registry, s, "sbom/both")
    #expect(report.findings.count == 3)
    let sbom = try #require(cdx)
    #expect(sbom.predicateType == "https://cyclonedx.org/bom")
    #expect(sbom.imageDigest == both)
    #expect(sbom.sbom.packages.map(\.name).sorted() == ["lodash", "requests"])
    #expect(sbom.sbom.image.sourceKind == "attestation")
    #expect(sbom.sbom.image.manifestDigest?.description == both)
    #expect(sbom.sbom.diagnostics.contains { $0.code == "sbom-from-attestation" })

    // SPDX alone.
    try await Self.attest(
      registry, s, repository: "sbom/spdx", predicates: [("https://spdx.dev/Document", Self.spdx)])
    let spdx = try #require(try await Self.read(registry, s, "sbom/spdx").sbom)
    #expect(spdx.predicateType == "https://spdx.dev/Document")
    #expect(spdx.sbom.packages.map(\.name) == ["flask"])

    // Provenance only: nothing to scan.
    try await Self.attest(
      registry, s, repository: "sbom/none",
      predicates: [
        (slsa, AttestationPolicyTests.provenance(builder: "https://github.com/actions/runner"))
      ])
    let (none, noneReport) = try await Self.read(registry, s, "sbom/none")
    #expect(none == nil)
    #expect(noneReport.verified)

    // Signed by someone else: the SBOM is not trusted.
    let stranger = TestSigstore()
    try await Self.attest(
      registry, stranger, repository: "sbom/stranger",
      predicates: [("https://cyclonedx.org/bom", Self.cyclonedx)])
    let (untrusted, untrustedReport) = try await Self.read(registry, s, "sbom/stranger")
    #expect(untrusted == nil)
    guard case .failure(let failure)? = untrustedReport.findings.first?.outcome else {
      Issue.record("expected a failed attestation")
      return
    }
    #expect(failure.check == .certificateChain)

    // A verified SBOM attestation whose predicate is not an SBOM document: an error, not a scan.
    try await Self.attest(
      registry, s, repository: "sbom/garbage",
      predicates: [("https://cyclonedx.org/bom", ["not": "a bom"])])
    await #expect(throws: ScannerError.self) {
      _ = try await Self.read(registry, s, "sbom/garbage")
    }
    await registry.stop()
  }

  @Test(
    .enabled(if: Oracles.gate(TailguardCLI.binary != nil), "needs the built tailguard executable"))
  func scanSBOMFromAttestationCLI() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let root = registry.env.dir.file("trusted_root.json")
    try s.trustedRootJSON().write(to: URL(fileURLWithPath: root))
    let digest = try await Self.attest(
      registry, s, repository: "cli/sbom",
      predicates: [("https://cyclonedx.org/bom", Self.cyclonedx)])
    try await registry.pushImage(repository: "cli/bare", tag: "v1", content: "bare")
    let common = [
      "--sbom-from-attestation", "identity:\(s.identity),issuer:\(s.issuer)", "--trusted-root",
      root, "--insecure-registry", registry.host, "-o", "json",
    ]
    let ok = try TailguardCLI.run(["scan", "\(registry.host)/cli/sbom:v1"] + common)
    #expect(ok.status == 0, "\(ok.stderr)")
    let report = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
    let sbom = report?["sbom"] as? [String: Any]
    let packages = (sbom?["packages"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
    #expect(packages?.sorted() == ["lodash", "requests"])
    #expect((sbom?["image"] as? [String: Any])?["manifestDigest"] as? String == digest)

    let bare = try TailguardCLI.run(["scan", "\(registry.host)/cli/bare:v1"] + common)
    #expect(bare.status == 1, "\(bare.stderr)")
    #expect(bare.stderr.contains("no verified CycloneDX or SPDX attestation"), "\(bare.stderr)")
    await registry.stop()
  }
}
