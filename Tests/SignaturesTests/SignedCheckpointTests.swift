import Crypto
import Foundation
import Signatures
import TailguardTesting
import Testing

/// Signed-note checkpoints: the real Rekor v1 (ECDSA) and Rekor v2 (Ed25519, with witness
/// cosignatures) checkpoints of the sigstore-python assets, and hostile variants.
struct SignedCheckpointTests {
  static let assets = SharedData.path("sigstore/sigstore-python/test/assets")

  func checkpoint(_ bundle: String) throws -> (TransparencyLogEntry, SignedCheckpoint) {
    let b = try SigstoreBundle(contentsOf: "\(Self.assets)/\(bundle)")
    let entry = try #require(b.tlogEntries.first)
    let text = try #require(entry.inclusionProof?.checkpoint)
    return (entry, try SignedCheckpoint(parsing: text))
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func rekorV2CheckpointWithCosignatures() throws {
    let root = try TrustedRoot(
      contentsOf: SharedData.path("sigstore/staging_trusted_root_from_sigstore-python-4.5.1.json"))
    let (entry, cp) = try checkpoint("a.dsse.staging-rekor-v2.txt.sigstore.json")
    #expect(cp.origin == "log2025-alpha3.rekor.sigstage.dev")
    #expect(cp.treeSize == 4_026_479)
    #expect(cp.signatures.count == 4)
    #expect(cp.signatures.map(\.name).contains("witness.stagemole.eu"))
    let log = try #require(root.tlog(withID: entry.logID))
    #expect(log.noteName == cp.origin)
    try cp.verify(logID: log.logID, key: VerificationKey(spkiDER: log.publicKey.rawBytes))
    // Another log's key (same hint space, different key) must not verify it.
    let other = try #require(
      root.tlogs.first { $0.logID != log.logID && $0.publicKey.keyDetails == "PKIX_ED25519" })
    #expect(throws: VerificationFailure.self) {
      try cp.verify(logID: log.logID, key: VerificationKey(spkiDER: other.publicKey.rawBytes))
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func rekorV1CheckpointAndTamperedNote() throws {
    let root = try TrustedRoot(
      contentsOf: SharedData.path("sigstore/staging_trusted_root_from_sigstore-python-4.5.1.json"))
    let (entry, cp) = try checkpoint("bundle_v3.txt.sigstore")
    let log = try #require(root.tlog(withID: entry.logID))
    let key = try VerificationKey(spkiDER: log.publicKey.rawBytes)
    try cp.verify(logID: log.logID, key: key)
    let text = try #require(entry.inclusionProof?.checkpoint)
    let tampered = text.replacingOccurrences(of: "\n25901138\n", with: "\n25901139\n")
    #expect(tampered != text)
    #expect(throws: VerificationFailure.self) {
      try SignedCheckpoint(parsing: tampered).verify(logID: log.logID, key: key)
    }
    // Unknown key hint: no signature line is considered.
    #expect(throws: VerificationFailure.self) {
      try cp.verify(logID: Data(repeating: 0xAB, count: 32), key: key)
    }
  }

  @Test func malformedCheckpointsAreRejected() {
    let root = Data(repeating: 7, count: 32).base64EncodedString()
    let sig = Data(repeating: 1, count: 70).base64EncodedString()
    let bad = [
      "",
      "origin\n1\n\(root)\n",
      "origin\n1\n\(root)\n\n",
      "origin\nx\n\(root)\n\n\u{2014} origin \(sig)\n",
      "origin\n1\nnot-base64!\n\n\u{2014} origin \(sig)\n",
      "\n1\n\(root)\n\n\u{2014} origin \(sig)\n",
      "origin\n1\n\(root)\n\n- origin \(sig)\n",
      "origin\n1\n\(root)\n\n\u{2014} origin AAAA\n",
      "origin\n1\n\(root)\n\n\u{2014} origin \(sig)",
      "origin\n1\n\(root)\n\n\u{2014} origin \(sig)\n\n\u{2014} origin \(sig)\n",
      String(repeating: "x", count: 70_000),
    ]
    for text in bad {
      #expect(throws: VerificationFailure.self, "\(text.prefix(60))") {
        try SignedCheckpoint(parsing: text)
      }
    }
    #expect(
      (try? SignedCheckpoint(parsing: "origin\n1\n\(root)\nextra\n\n\u{2014} origin \(sig)\n"))?
        .otherContent == ["extra"])
  }
}
