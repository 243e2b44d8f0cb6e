import Foundation
import Signatures
import TailguardTesting
import Testing

/// RFC 3161 timestamps from the sigstore-python assets: verified against the trusted root's
/// timestamp authorities, counted as signing times, and rejected when they do not match.
struct RFC3161TimestampTests {
  static let sigstore = SharedData.path("sigstore")
  static let assets = sigstore + "/sigstore-python/test/assets"

  /// The trust config of the assets names another TSA than the one that stamped tsa/bundle.txt
  /// (sigstore-python also verifies none of its timestamps); with the TSA of tsa/ca.json, exactly the
  /// SHA-256 timestamp of 10:23:39 verifies, as sigstore-python's `_verify_timestamp_authority` finds.
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func tsaTimestampsBecomeVerifiedTimes() async throws {
    let bundle = try SigstoreBundle(contentsOf: Self.assets + "/tsa/bundle.txt.sigstore")
    let artifact = try Data(contentsOf: URL(fileURLWithPath: Self.assets + "/tsa/bundle.txt"))
    let policy = CertificateIdentityPolicy(
      identity: .exact("alexis.challande@trailofbits.com"),
      issuer: .exact("https://accounts.google.com"))
    let config = Self.assets + "/tsa/trust_config.json"
    let plain = try await SigstoreVerifier(trustedRoot: TrustedRoot(contentsOf: config))
      .verify(bundle: bundle, artifact: artifact, signer: .certificate(policy))
    #expect(plain.verifiedTimes.map(\.source) == [.transparencyLog])
    #expect(
      plain.diagnostics.map(\.code) == [
        "sigstore.timestamp-unverified", "sigstore.timestamp-unverified",
      ])

    var object = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config)))
        as? [String: Any])
    var root = try #require(object["trustedRoot"] as? [String: Any])
    root["timestampAuthorities"] = [
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: Self.assets + "/tsa/ca.json")))
    ]
    object["trustedRoot"] = root
    let withCA = try TrustedRoot(parsing: JSONSerialization.data(withJSONObject: object))
    let stamped = try await SigstoreVerifier(trustedRoot: withCA)
      .verify(bundle: bundle, artifact: artifact, signer: .certificate(policy))
    let tsaTimes = stamped.verifiedTimes.filter { $0.source == .timestampAuthority }.map(\.date)
    #expect(tsaTimes == [Date(timeIntervalSince1970: 1_730_370_219)])
    #expect(stamped.verifiedTimes.count == 2)
    #expect(stamped.diagnostics.map(\.code) == ["sigstore.timestamp-unverified"])
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func rekorV2BundleIsTimedByTheTSAOnly() async throws {
    let bundle = try SigstoreBundle(contentsOf: Self.assets + "/staging-rekor-v2.txt.sigstore.json")
    let artifact = try Data(contentsOf: URL(fileURLWithPath: Self.assets + "/staging-rekor-v2.txt"))
    let v = try await SigstoreVerifier(
      trustedRoot: TrustedRoot(
        contentsOf: Self.sigstore + "/staging_trusted_root_from_sigstore-python-4.5.1.json")
    ).verify(
      bundle: bundle, artifact: artifact,
      signer: .certificate(
        .init(identity: .exact("jku@goto.fi"), issuer: .exact("https://github.com/login/oauth"))))
    #expect(v.verifiedTimes.map(\.source) == [.timestampAuthority])
    #expect(v.logIndex == 645)
  }

  /// sigstore-python issue 1482: a timestamp token without embedded certificates (from the staging
  /// TSA) verifies with the authority's chain from the trusted root alone.
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func timestampWithoutEmbeddedCertificate() async throws {
    let token = try Data(
      contentsOf: URL(fileURLWithPath: Self.assets + "/tsa/issue1482-timestamp-with-no-cert"))
    let message = try Data(contentsOf: URL(fileURLWithPath: Self.assets + "/tsa/issue1482-message"))
    let stamp = try RFC3161Timestamp(parsing: token)
    #expect(stamp.embeddedCertificates.isEmpty)
    #expect(stamp.imprintAlgorithm == "2.16.840.1.101.3.4.2.1")
    let ca = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: Self.assets + "/tsa/ca.json")))
    let rootJSON = try JSONSerialization.data(withJSONObject: [
      "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      "timestampAuthorities": [ca],
    ])
    let root = try TrustedRoot(parsing: rootJSON)
    let staging = try TrustedRoot(
      contentsOf: Self.sigstore + "/staging_trusted_root_from_sigstore-python-4.5.1.json")
    #expect(
      await stamp.verify(covering: message, authorities: staging.timestampAuthorities)
        == stamp.genTime)
    var other = message
    other[0] ^= 1
    #expect(await stamp.verify(covering: other, authorities: staging.timestampAuthorities) == nil)
    #expect(await stamp.verify(covering: message, authorities: root.timestampAuthorities) == nil)
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func truncatedTimestampsAreTypedErrors() async throws {
    let token = try Data(
      contentsOf: URL(fileURLWithPath: Self.assets + "/tsa/issue1482-timestamp-with-no-cert"))
    for length in stride(from: 0, to: token.count, by: 13) {
      #expect(throws: SignatureError.self) { try RFC3161Timestamp(parsing: token.prefix(length)) }
    }
    // Random single-byte corruptions: a typed error, a timestamp that no longer verifies, or a byte
    // outside the signed content (CMS version, unsigned certificate set, signer identifier…):
    // then the verified time and imprint must be exactly the original ones.
    let staging = try TrustedRoot(
      contentsOf: Self.sigstore + "/staging_trusted_root_from_sigstore-python-4.5.1.json")
    let message = try Data(contentsOf: URL(fileURLWithPath: Self.assets + "/tsa/issue1482-message"))
    let original = try RFC3161Timestamp(parsing: token)
    var generator = SeededGenerator(seed: 31251)
    var rejected = 0
    for _ in 0..<200 {
      var corrupt = token
      let i = Int.random(in: 0..<corrupt.count, using: &generator)
      corrupt[i] ^= UInt8.random(in: 1...255, using: &generator)
      guard let stamp = try? RFC3161Timestamp(parsing: corrupt),
        let date = await stamp.verify(covering: message, authorities: staging.timestampAuthorities)
      else {
        rejected += 1
        continue
      }
      #expect(date == original.genTime)
      #expect(stamp.imprint == original.imprint)
    }
    #expect(rejected > 100)
  }
}
