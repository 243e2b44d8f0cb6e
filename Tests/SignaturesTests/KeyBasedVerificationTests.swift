import Crypto
import Foundation
import Signatures
import TailguardTesting
import Testing

/// Key-based signatures (`--key cosign.pub`), with openssl as the oracle for the signature itself
/// (sigstore-python's CLI cannot verify key-based bundles; see MANIFEST "Sigstore").
struct KeyBasedVerificationTests {
  static let opensslAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

  /// `openssl dgst -sha256 -verify KEY -signature SIG FILE` → true on "Verified OK".
  static func openssl(key: String, signature: Data, artifact: Data, in dir: TemporaryDirectory)
    throws -> Bool
  {
    try signature.write(to: URL(fileURLWithPath: dir.file("sig.bin")))
    try artifact.write(to: URL(fileURLWithPath: dir.file("artifact.bin")))
    let r = try ProcessRunner.run(
      "/usr/bin/openssl",
      [
        "dgst", "-sha256", "-verify", key, "-signature", dir.file("sig.bin"),
        dir.file("artifact.bin"),
      ])
    return r.status == 0
  }

  @Test(.enabled(if: Oracles.gate(opensslAvailable), "openssl is not installed"))
  func keyBasedBundleAgreesWithOpenSSL() async throws {
    let f = SigstoreFixture()
    let dir = try TemporaryDirectory()
    let artifact = Data("payload for a key-based signature\n".utf8)
    let json = try f.bundleJSON(for: artifact, spoil: .init(keyBased: true))
    let keyPath = dir.file("cosign.pub")
    try f.leafKey.publicKey.pemRepresentation.write(
      toFile: keyPath, atomically: false, encoding: .utf8)
    let key = try VerificationKey(contentsOf: keyPath)
    let bundle = try SigstoreBundle(parsing: json)
    guard case .publicKeyHint = bundle.material else {
      Issue.record("expected a public-key hint")
      return
    }
    guard case .messageSignature(let message) = bundle.content else {
      Issue.record("expected a message signature")
      return
    }
    let verifier = SigstoreVerifier(trustedRoot: try f.trustedRoot())
    var tampered = artifact
    tampered[3] ^= 0x20
    for candidate in [artifact, tampered] {
      let oracle = try Self.openssl(
        key: keyPath, signature: message.signature, artifact: candidate, in: dir)
      let ours: Bool
      do {
        _ = try await verifier.verify(bundle: bundle, artifact: candidate, signer: .key(key))
        ours = true
      } catch {
        ours = false
      }
      #expect(ours == oracle)
    }
    #expect(
      try Self.openssl(key: keyPath, signature: message.signature, artifact: artifact, in: dir))
  }

  @Test func keyBasedBundleWithoutLogEntryNeedsInsecureIgnoreTlog() async throws {
    let f = SigstoreFixture()
    let artifact = Data("x".utf8)
    let bundle = try SigstoreBundle(
      parsing: f.bundleJSON(for: artifact, spoil: .init(dropLogEntry: true, keyBased: true)))
    let key = try VerificationKey(spkiDER: f.leafKey.publicKey.derRepresentation)
    let verifier = SigstoreVerifier(trustedRoot: try f.trustedRoot())
    await #expect(
      throws: VerificationFailure(.tlogEntryPresent, "bundle has no transparency-log entry")
    ) {
      try await verifier.verify(bundle: bundle, artifact: artifact, signer: .key(key))
    }
    let v = try await verifier.verify(
      bundle: bundle, artifact: artifact, signer: .key(key),
      options: .init(ignoreTransparencyLog: true))
    #expect(v.logIndex == nil)
  }

  /// sigstore-python's detached `.sig`/`.crt` pairs: our signature check vs openssl with the
  /// certificate's key, on every pair and on every swapped artifact.
  @Test(
    .enabled(
      if: Oracles.gate(opensslAvailable && SharedData.isAvailable),
      "needs openssl and ../shared/data"))
  func detachedSignaturePairsAgreeWithOpenSSL() throws {
    let assets = SharedData.path("sigstore/sigstore-python/test/assets")
    let names = ["a.txt", "b.txt", "c.txt", "bad.txt", "bundle.txt", "offline-rekor.txt"]
    let dir = try TemporaryDirectory()
    var compared = 0
    var verified = 0
    for sigName in names {
      let sigFile = try Data(contentsOf: URL(fileURLWithPath: "\(assets)/\(sigName).sig"))
      let crtFile = try Data(contentsOf: URL(fileURLWithPath: "\(assets)/\(sigName).crt"))
      let detached = try CosignDetachedSignature(signatureFile: sigFile, certificateFile: crtFile)
      let certPath = dir.file("cert.pem")
      try crtFile.write(to: URL(fileURLWithPath: certPath))
      let keyPath = dir.file("key.pem")
      try Self.extractPublicKey(certificate: certPath, to: keyPath)
      for artifactName in names {
        let artifact = try Data(contentsOf: URL(fileURLWithPath: "\(assets)/\(artifactName)"))
        let oracle = try Self.openssl(
          key: keyPath, signature: detached.signature, artifact: artifact, in: dir)
        let ours = (try? detached.verifySignature(artifact: artifact)) != nil
        #expect(ours == oracle, "\(sigName).sig over \(artifactName)")
        compared += 1
        if ours { verified += 1 }
      }
    }
    #expect(compared == 36)
    // Five signatures verify over their own file; bad.txt.sig is a signature over a.txt.
    #expect(verified == 6)
  }

  static func extractPublicKey(certificate: String, to output: String) throws {
    _ = try ProcessRunner.run(
      "/usr/bin/openssl", ["x509", "-in", certificate, "-pubkey", "-noout", "-out", output])
  }

  /// Detached `.sig` + `.crt` made in the test: the certificate is checked at the given time (no
  /// log entry, so no verified signing time), the identity policy applies, the key must match.
  @Test func detachedSignatureWithCertificate() async throws {
    let f = SigstoreFixture()
    let artifact = Data("detached payload\n".utf8)
    let sig = try f.signature(over: artifact).base64EncodedString()
    let pem = try ImageSignatureVerifierTests.pem(f.leafCertificate())
    let detached = try CosignDetachedSignature(
      signatureFile: Data(sig.utf8), certificateFile: Data(pem.utf8))
    let root = try f.trustedRoot()
    let v = try await detached.verify(
      artifact: .bytes(artifact), signer: .certificate(f.policy), trustedRoot: root,
      at: f.signingDate)
    #expect(v.identities == [f.identity])
    await #expect(throws: VerificationFailure.self) {
      try await detached.verify(
        artifact: .bytes(artifact), signer: .certificate(f.policy), trustedRoot: root)
    }
    do {
      _ = try await detached.verify(
        artifact: .bytes(artifact + Data("x".utf8)), signer: .certificate(f.policy),
        trustedRoot: root, at: f.signingDate)
      Issue.record("a changed artifact verified")
    } catch {
      #expect(error.check == .signature)
    }
    let key = try VerificationKey(spkiDER: f.leafKey.publicKey.derRepresentation)
    _ = try await detached.verify(artifact: .bytes(artifact), signer: .key(key), trustedRoot: root)
  }
}
