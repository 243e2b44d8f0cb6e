import Foundation
import Signatures
import TailguardTesting
import Testing

/// Bundle and trusted-root parsing on the real assets, and hostile inputs: every truncation of a
/// real bundle and random byte flips must end in a typed error or a failed check, never a crash.
struct SigstoreBundleTests {
  static let sigstore = SharedData.path("sigstore")

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func realBundlesParseWithTheirShapes() throws {
    let a = Self.sigstore + "/sigstore-python/test/assets"
    let v1 = try SigstoreBundle(contentsOf: a + "/bundle.txt.sigstore")
    #expect(v1.version == .v01)
    guard case .certificateChain(let chain) = v1.material else {
      Issue.record("chain expected")
      return
    }
    #expect(chain.count == 1)
    #expect(v1.tlogEntries.first?.logIndex == 7_390_977)
    #expect(v1.tlogEntries.first?.inclusionProof?.treeSize == 7_376_159)

    let v3 = try SigstoreBundle(contentsOf: a + "/bundle_v3.txt.sigstore")
    #expect(v3.version == .v03)
    #expect(v3.leafCertificateDER != nil)
    #expect(try SigstoreBundle(contentsOf: a + "/bundle_v3_alt.txt.sigstore").version == .v03)

    let dsse = try SigstoreBundle(contentsOf: a + "/a.dsse.staging-rekor-v2.txt.sigstore.json")
    guard case .dsseEnvelope(let env) = dsse.content else {
      Issue.record("dsse expected")
      return
    }
    #expect(env.payloadType == "application/vnd.in-toto+json")
    #expect(dsse.tlogEntries.first?.integratedTime == nil)
    #expect(dsse.tlogEntries.first?.kindVersion == "0.0.2")
    #expect(dsse.rfc3161Timestamps.count == 1)
    let statement = try InTotoStatement(parsing: env.payload)
    #expect(statement.predicateType == "https://slsa.dev/provenance/v1")
    #expect(statement.subjects.first?.name == "a.txt")

    #expect(
      try SigstoreBundle(contentsOf: a + "/tsa/bundle.many_timestamp.sigstore").rfc3161Timestamps
        .count == 33)
    #expect(
      try SigstoreBundle(contentsOf: a + "/bundle_invalid_version.txt.sigstore").version == nil)
    #expect(throws: SignatureError.self) {
      try SigstoreBundle(contentsOf: a + "/bundle_no_checkpoint.txt.bundle")
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func trustedRootsParse() throws {
    let staging = try TrustedRoot(
      contentsOf: Self.sigstore + "/staging_trusted_root_from_sigstore-python-4.5.1.json")
    #expect(staging.tlogs.count == 4)
    #expect(staging.certificateAuthorities.count == 1)
    #expect(staging.timestampAuthorities.count == 1)
    #expect(staging.tlogs.map(\.noteName).contains("log2025-alpha1.rekor.sigstage.dev"))
    let production = try TrustedRoot.production()
    #expect(
      production
        == (try TrustedRoot(
          contentsOf: Self.sigstore + "/prod_trusted_root_from_sigstore-python-4.5.1.json")))
    #expect(production.certificateAuthorities.count == 2)
    let tsaConfig = try TrustedRoot(
      contentsOf: Self.sigstore + "/sigstore-python/test/assets/tsa/trust_config.json")
    #expect(tsaConfig.timestampAuthorities.first?.subject == "local/Test TSA Timestamping")
    #expect(throws: SignatureError.self) {
      try TrustedRoot(
        contentsOf: Self.sigstore
          + "/sigstore-python/test/assets/trusted_root/trustedroot.badtype.json")
    }
    for name in ["trustedroot.v1.json", "trustedroot.v1.local_tlog_ed25519_rekor-tiles.json"] {
      #expect(
        try TrustedRoot(
          contentsOf: Self.sigstore + "/sigstore-python/test/assets/trusted_root/" + name
        ).tlogs.count == 1)
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func hostileBundlesNeverCrash() async throws {
    let path = Self.sigstore + "/sigstore-python/test/assets/bundle_v3.txt.sigstore"
    let original = try Data(contentsOf: URL(fileURLWithPath: path))
    let artifact = try Data(
      contentsOf: URL(fileURLWithPath: Self.sigstore + "/sigstore-python/test/assets/bundle_v3.txt")
    )
    let root = try TrustedRoot(
      contentsOf: Self.sigstore + "/staging_trusted_root_from_sigstore-python-4.5.1.json")
    let verifier = SigstoreVerifier(trustedRoot: root)
    let policy = CertificateIdentityPolicy(
      identity: .exact("william@yossarian.net"), issuer: .exact("https://github.com/login/oauth"))
    var parsed = 0
    var verified = 0
    var verifiedBundles: [SigstoreBundle] = []
    // Seeded, so every CI run mutates the same bytes.
    var generator = SeededGenerator(seed: 0x5eed_5167)
    var inputs: [Data] = stride(from: 0, to: original.count, by: 97).map { original.prefix($0) }
    for _ in 0..<150 {
      var d = original
      let i = Int.random(in: 0..<d.count, using: &generator)
      d[i] = UInt8.random(in: 0...255, using: &generator)
      inputs.append(d)
    }
    for input in inputs {
      guard let bundle = try? SigstoreBundle(parsing: input) else { continue }
      parsed += 1
      if (try? await verifier.verify(
        bundle: bundle, artifact: artifact, signer: .certificate(policy))) != nil
      {
        verified += 1
        verifiedBundles.append(bundle)
      }
    }
    #expect(parsed > 0)
    // A flipped byte may land where meaning does not change (whitespace, a base64 pad bit, the
    // free-text name on a checkpoint signature line). Whatever verifies must still carry exactly
    // the original signature, certificate, digest and log entry body.
    let reference = try SigstoreBundle(parsing: original)
    for bundle in verifiedBundles {
      #expect(bundle.signatureBytes == reference.signatureBytes)
      #expect(bundle.leafCertificateDER == reference.leafCertificateDER)
      // The message digest fields are optional metadata (the verifier hashes the artifact
      // itself); a mutation may drop them, but never change them to something else.
      if case .messageSignature(let m) = bundle.content,
        case .messageSignature(let r) = reference.content
      {
        #expect(m.digest == nil || m.digest == r.digest)
        #expect(m.digestAlgorithm == nil || m.digestAlgorithm == r.digestAlgorithm)
      } else {
        #expect(bundle.content == reference.content)
      }
      #expect(
        bundle.tlogEntries.map(\.canonicalizedBody)
          == reference.tlogEntries.map(\.canonicalizedBody))
      #expect(
        bundle.tlogEntries.map(\.integratedTime) == reference.tlogEntries.map(\.integratedTime))
    }
    #expect(verified == verifiedBundles.count)
  }

  @Test func oversizedAndDeepInputsAreRejected() {
    let deep = Data(
      (String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
    #expect(throws: SignatureError.self) { try SigstoreBundle(parsing: deep) }
    let huge = Data(count: 17 << 20)
    #expect(throws: SignatureError.self) { try SigstoreBundle(parsing: huge) }
    let manyEntries =
      "{\"mediaType\":\"x\",\"verificationMaterial\":{\"tlogEntries\":["
      + Array(
        repeating:
          "{\"logIndex\":\"1\",\"logId\":{\"keyId\":\"AA==\"},\"kindVersion\":{\"kind\":\"k\",\"version\":\"v\"}}",
        count: 40
      ).joined(separator: ",")
      + "]},\"messageSignature\":{\"signature\":\"AA==\"}}"
    #expect(throws: SignatureError.self) { try SigstoreBundle(parsing: Data(manyEntries.utf8)) }
    #expect(throws: SignatureError.self) {
      try SigstoreBundle(parsing: Data("{\"mediaType\":\"x\"}".utf8))
    }
    #expect(throws: SignatureError.self) {
      try SigstoreBundle(parsing: Data("{\"messageSignature\":{\"signature\":\"%%%\"}}".utf8))
    }
  }
}
