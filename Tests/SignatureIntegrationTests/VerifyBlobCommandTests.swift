import Foundation
import TailguardTesting
import Testing

/// `tailguard verify-blob` on issue 14's two cases, end to end: a v0.2 bundle logged as an intoto
/// 0.0.2 entry verifies (exit 0); a trusted root whose log key window has no start cannot be used
/// at all (exit 2, naming the field), where it used to be read as "valid since always".
@Suite(
  .enabled(if: Oracles.gate(TailguardCLI.binary != nil), "needs the built tailguard executable"))
struct VerifyBlobCommandTests {
  @Test func intotoBundleVerifiesAndStartlessRootIsRefused() throws {
    let s = TestSigstore()
    let dir = try TemporaryDirectory(prefix: "verify-blob")
    let artifact = Data("release-3.1.4.tar.gz contents\n".utf8)
    let statement = try TestSigstore.statement(
      name: "release-3.1.4.tar.gz", digest: TestSigstore.sha256(artifact),
      predicateType: "https://slsa.dev/provenance/v1", predicate: ["buildDefinition": [:]])
    try artifact.write(to: URL(fileURLWithPath: dir.file("release.tar.gz")))
    try s.dsseBundle(statement: statement, intoto: true).write(
      to: URL(fileURLWithPath: dir.file("release.sigstore.json")))
    try s.trustedRootJSON().write(to: URL(fileURLWithPath: dir.file("root.json")))
    try TestJSON.editing(
      s.trustedRootJSON(), ["tlogs", "0", "publicKey", "validFor", "start"], to: nil
    ).write(to: URL(fileURLWithPath: dir.file("startless-root.json")))
    func verify(root: String) throws -> TailguardCLI.Result {
      try TailguardCLI.run([
        "verify-blob", dir.file("release.tar.gz"), "--bundle", dir.file("release.sigstore.json"),
        "--certificate-identity", s.identity, "--certificate-oidc-issuer", s.issuer,
        "--trusted-root", dir.file(root),
      ])
    }
    let ok = try verify(root: "root.json")
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stderr.contains("Verified OK"), "\(ok.stderr)")
    let refused = try verify(root: "startless-root.json")
    #expect(refused.status == 2, "\(refused.stderr)")
    #expect(
      refused.stderr.contains("trusted root: tlogs[0].publicKey.validFor has no start"),
      "\(refused.stderr)")
  }
}
