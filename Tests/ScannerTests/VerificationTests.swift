import Foundation
import Scanner
import TailguardModel
import TailguardTesting
import Testing

/// `verify`, `verify-blob` and `verify-attestation` behind the pipeline API, offline: the
/// signer's flag rules, cosign's type names, failures as values, and the report's JSON bytes.
@Suite struct VerificationTests {
  func identitySigner() -> Verification.Signer {
    var signer = Verification.Signer()
    signer.certificateIdentity = "builder@example.com"
    signer.certificateOIDCIssuer = "https://accounts.example.com"
    return signer
  }

  @Test func aSignerNeedsOneIdentityAndOneIssuerUnlessAKeyIsGiven() throws {
    var signer = Verification.Signer()
    #expect(throws: ScannerError.self) { try signer.validateChoice() }
    signer.certificateIdentity = "a@example.com"
    let error = #expect(throws: ScannerError.self) { try signer.validateChoice() }
    #expect(error?.exitStatus == .usage)
    #expect(error?.message.contains("--certificate-oidc-issuer") == true)
    signer.certificateIdentityRegexp = ".*"
    #expect(throws: ScannerError.self) { try signer.validateChoice() }
    try identitySigner().validateChoice()
    var key = Verification.Signer()
    key.key = "/some/key.pem"
    try key.validateChoice()
  }

  @Test func cosignTypeNames() {
    #expect(Verification.predicateType("slsaprovenance") == "https://slsa.dev/provenance/v0.2")
    #expect(Verification.predicateType("slsaprovenance1") == "https://slsa.dev/provenance/v1")
    #expect(Verification.predicateType("spdxjson") == "https://spdx.dev/Document")
    #expect(Verification.predicateType("https://example.com/p") == "https://example.com/p")
  }

  @Test func anImageThatCannotBeReadIsAFailureValue() async {
    let outcome = await Verification.verify(
      Verification.ImageRequest(
        target: "oci:/nonexistent/verify-layout", signer: identitySigner(),
        registry: RegistrySettings()))
    #expect(outcome.report == nil)
    #expect(outcome.failure != nil)
    #expect(outcome.exitStatus == .couldNotRun)
  }

  @Test func anUnreadableKeyOrBundleIsAFailureValue() async throws {
    var keyed = Verification.Signer()
    keyed.key = "/nonexistent/cosign.pub"
    let noKey = await Verification.verify(
      Verification.ImageRequest(
        target: "oci:/nonexistent/verify-layout", signer: keyed, registry: RegistrySettings()))
    #expect(noKey.exitStatus == .couldNotRun)

    let dir = try TemporaryDirectory(prefix: "verify-blob")
    try Data("artifact".utf8).write(to: URL(fileURLWithPath: dir.file("artifact")))
    let outcome = await Verification.verify(
      Verification.BlobRequest(
        artifact: dir.file("artifact"), evidence: .bundle(dir.file("missing.sigstore.json")),
        signer: identitySigner()))
    guard case .couldNotRun(let line) = outcome else {
      Issue.record("expected couldNotRun, got \(outcome)")
      return
    }
    #expect(line.hasPrefix("Error: "))
    #expect(outcome.exitStatus == .couldNotRun)
  }

  @Test func aDetachedSignatureNeedsTheLogIgnored() async throws {
    let dir = try TemporaryDirectory(prefix: "verify-blob")
    try Data("artifact".utf8).write(to: URL(fileURLWithPath: dir.file("artifact")))
    try Data("c2lnbmF0dXJl\n".utf8).write(to: URL(fileURLWithPath: dir.file("artifact.sig")))
    let outcome = await Verification.verify(
      Verification.BlobRequest(
        artifact: dir.file("artifact"),
        evidence: .detached(signature: dir.file("artifact.sig"), certificate: nil),
        signer: identitySigner()))
    guard case .failed(let check, let message) = outcome else {
      Issue.record("expected a failed check, got \(outcome)")
      return
    }
    #expect(check == "tlog-entry-present")
    #expect(message.contains("--insecure-ignore-tlog"))
    #expect(outcome.exitStatus == .thresholdCrossed)
  }

  /// `verify -o json` used to be built from a dictionary with `JSONSerialization` (pretty,
  /// sorted keys); the Codable report must encode to the same bytes.
  @Test func theReportEncodesAsTheDictionaryDid() throws {
    let report = Verification.ImageReport(
      image: "sha256:0123", verified: true,
      signatures: [
        .init(
          source: "tag sha256-0123.sig layer 0", verified: true, identities: [],
          issuer: "https://accounts.example.com", logIndex: 12_345_678_901,
          predicateType: "https://slsa.dev/provenance/v1"),
        .init(
          source: "referrer sha256:abcd", verified: false, failedCheck: "signature",
          reason: "signature does not verify: \"q\" é\n"),
        .init(
          source: "tag sha256-0123.sig layer 1", verified: true,
          identities: ["builder@example.com", "https://github.com/o/r/.github/workflows/x@refs"]),
      ])
    let dictionary: NSDictionary = [
      "image": "sha256:0123", "verified": true,
      "signatures": [
        [
          "source": "tag sha256-0123.sig layer 0", "verified": true, "identities": [String](),
          "issuer": "https://accounts.example.com", "logIndex": Int64(12_345_678_901),
          "predicateType": "https://slsa.dev/provenance/v1",
        ] as NSDictionary,
        [
          "source": "referrer sha256:abcd", "verified": false, "failedCheck": "signature",
          "reason": "signature does not verify: \"q\" é\n",
        ] as NSDictionary,
        [
          "source": "tag sha256-0123.sig layer 1", "verified": true,
          "identities": ["builder@example.com", "https://github.com/o/r/.github/workflows/x@refs"],
        ] as NSDictionary,
      ] as NSArray,
    ]
    let expected = try JSONSerialization.data(
      withJSONObject: dictionary, options: [.prettyPrinted, .sortedKeys])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    #expect(
      String(decoding: try encoder.encode(report), as: UTF8.self)
        == String(decoding: expected, as: UTF8.self))
    let empty = Verification.ImageReport(image: "sha256:0123", verified: false, signatures: [])
    let emptyExpected = try JSONSerialization.data(
      withJSONObject: ["image": "sha256:0123", "verified": false, "signatures": NSArray()]
        as NSDictionary,
      options: [.prettyPrinted, .sortedKeys])
    #expect(try encoder.encode(empty) == emptyExpected)
  }
}
