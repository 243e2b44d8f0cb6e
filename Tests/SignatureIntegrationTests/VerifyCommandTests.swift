import Foundation
import TailguardTesting
import Testing

/// `tailguard verify` as users run it, against the loopback registry: exit 0 for a valid key-based
/// signature, exit 1 with the failing check on stderr for a tampered one.
@Suite(
  .enabled(
    if: Oracles.gate(SignedRegistry.available && TailguardCLI.binary != nil),
    "needs docker-registry and the built tailguard executable"))
struct VerifyCommandTests {
  @Test func verifyRegistryImageWithKey() async throws {
    let registry = try SignedRegistry()
    let s = TestSigstore()
    let (host, keyFile, rootFile) = try registry.cliFiles(s)

    for (repository, tamper) in [("cli/app", false), ("cli/tampered", true)] {
      let image = try await registry.pushImage(
        repository: repository, tag: "v1", content: repository)
      let payload = try TestSigstore.simpleSigning(
        reference: "\(host)/\(repository)", digest: image.digest)
      try await registry.pushSignature(
        for: image.digest, repository: repository,
        layers: [
          try s.signatureLayer(payload: payload, .init(keyless: false, tamperPayload: tamper))
        ])
    }
    let common = ["--key", keyFile, "--trusted-root", rootFile, "--insecure-registry", host]

    let good = try TailguardCLI.run(["verify", "\(host)/cli/app:v1"] + common)
    #expect(good.status == 0, "\(good.stderr)")
    #expect(good.stderr.contains("Verified OK"))

    let json = try TailguardCLI.run(["verify", "\(host)/cli/app:v1", "-o", "json"] + common)
    #expect(json.status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    #expect(object?["verified"] as? Bool == true)

    let bad = try TailguardCLI.run(["verify", "\(host)/cli/tampered:v1"] + common)
    #expect(bad.status == 1, "\(bad.stderr)")
    #expect(bad.stderr.contains("[signature]"), "\(bad.stderr)")

    // An image that does not exist cannot be verified at all: exit 2, not 1.
    let missing = try TailguardCLI.run(["verify", "\(host)/cli/nothing:v1"] + common)
    #expect(missing.status == 2, "\(missing.stderr)")
    await registry.stop()
  }
}
