import Foundation
import Scanner
import TailguardTesting
import Testing

/// `Verification.verify(BlobRequest)` with a private Sigstore: a bundle that checks out names its
/// signer; a changed artifact is a failed check (exit 1), not an error.
@Suite struct VerificationFacadeTests {
  @Test func aBundleVerifiesAndAChangedArtifactFailsItsCheck() async throws {
    let s = TestSigstore()
    let dir = try TemporaryDirectory(prefix: "verification-facade")
    let artifact = Data("release-3.1.4.tar.gz contents\n".utf8)
    let statement = try TestSigstore.statement(
      name: "release-3.1.4.tar.gz", digest: TestSigstore.sha256(artifact),
      predicateType: "https://slsa.dev/provenance/v1", predicate: ["buildDefinition": [:]])
    try artifact.write(to: URL(fileURLWithPath: dir.file("release.tar.gz")))
    try Data("something else\n".utf8).write(to: URL(fileURLWithPath: dir.file("other.tar.gz")))
    try s.dsseBundle(statement: statement, intoto: true).write(
      to: URL(fileURLWithPath: dir.file("release.sigstore.json")))
    try s.trustedRootJSON().write(to: URL(fileURLWithPath: dir.file("root.json")))
    var signer = Verification.Signer()
    signer.certificateIdentity = s.identity
    signer.certificateOIDCIssuer = s.issuer
    signer.trustedRoot = dir.file("root.json")

    let ok = await Verification.verify(
      Verification.BlobRequest(
        artifact: dir.file("release.tar.gz"), evidence: .bundle(dir.file("release.sigstore.json")),
        signer: signer))
    guard case .verified(let identities, let issuer, _) = ok else {
      Issue.record("expected verified, got \(ok)")
      return
    }
    #expect(identities == [s.identity])
    #expect(issuer == s.issuer)
    #expect(ok.exitStatus == .done)

    let changed = await Verification.verify(
      Verification.BlobRequest(
        artifact: dir.file("other.tar.gz"), evidence: .bundle(dir.file("release.sigstore.json")),
        signer: signer))
    guard case .failed = changed else {
      Issue.record("expected a failed check, got \(changed)")
      return
    }
    #expect(changed.exitStatus == .thresholdCrossed)
  }
}
