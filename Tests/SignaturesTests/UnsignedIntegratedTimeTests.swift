import Crypto
import Foundation
import Signatures
import Testing

/// A log entry's `integratedTime` is signed only by its inclusion promise (SET). Without a promise
/// (a v0.3 bundle with an inclusion proof and RFC 3161 timestamps) whoever made the bundle chose
/// that time, so the Sigstore client spec has the log key's validity checked against the verified
/// (TSA) times instead, and never counts the unsigned time as a signing time.
struct UnsignedIntegratedTimeTests {
  /// The fixture's log entry without its promise: inclusion proof and checkpoint still verify.
  static func entryWithoutPromise(_ f: SigstoreFixture, keyBased: Bool = false) throws
    -> (SigstoreBundle, TransparencyLogEntry)
  {
    let artifact = Data("artifact timed by an unsigned integrated time\n".utf8)
    let bundle = try SigstoreBundle(
      parsing: f.bundleJSON(for: artifact, spoil: .init(keyBased: keyBased)))
    var entry = try #require(bundle.tlogEntries.first)
    #expect(entry.integratedTime == f.integratedTime)
    entry.inclusionPromise = nil
    return (bundle, entry)
  }

  /// The log key expired before the only verified time; the unsigned integrated time claims a
  /// moment inside the key's window. The key window must be judged by the verified time.
  @Test func keyWindowUsesVerifiedTimesNotTheUnsignedIntegratedTime() throws {
    let f = SigstoreFixture()
    let (_, entry) = try Self.entryWithoutPromise(f)
    // The key is valid until one day after the (unsigned) integrated time.
    let root = try TrustedRoot(parsing: f.trustedRootJSON(logValidUntil: "2025-06-16T00:00:00Z"))
    let verifiedLater = f.signingDate.addingTimeInterval(30 * 86_400)
    do {
      try TransparencyLogVerifier.verify(
        entry, trustedRoot: root, signingTimes: [verifiedLater], requireInclusionProof: true)
      Issue.record("an unsigned integrated time kept an expired log key valid")
    } catch {
      #expect(error.check == .tlogKnownLog)
      #expect(error.message.contains("outside the validity window"))
    }
    // The same entry verifies when the verified time is inside the window.
    try TransparencyLogVerifier.verify(
      entry, trustedRoot: root, signingTimes: [f.signingDate.addingTimeInterval(60)])
  }

  /// The other direction: an unsigned integrated time outside the key window does not fail an
  /// entry whose verified times are inside it (the unsigned time is not evidence of anything).
  @Test func unsignedIntegratedTimeOutsideTheWindowIsIgnored() throws {
    let f = SigstoreFixture()
    var (_, entry) = try Self.entryWithoutPromise(f)
    entry.integratedTime = 1  // 1970, before the key's window opens
    try TransparencyLogVerifier.verify(
      entry, trustedRoot: f.trustedRoot(), signingTimes: [f.signingDate])
  }

  /// No promise and no verified time: the key window cannot be checked, so the entry fails.
  @Test func noVerifiedTimeMeansNoKeyWindow() throws {
    let f = SigstoreFixture()
    let (_, entry) = try Self.entryWithoutPromise(f)
    let root = try f.trustedRoot()
    do {
      try TransparencyLogVerifier.verify(entry, trustedRoot: root, signingTimes: [])
      Issue.record("an entry without promise or verified time passed the log key window")
    } catch {
      #expect(error.check == .tlogKnownLog)
    }
  }

  /// End to end, key-based (no certificate asks for a signing time): a v0.3 bundle whose entry
  /// has no promise and whose only timestamp does not verify has no verified time at all. Before
  /// the fix its unsigned integrated time passed the log-key window and the bundle verified.
  @Test func keyBasedBundleWithOnlyAnUnsignedTimeFails() async throws {
    let f = SigstoreFixture()
    let (bundle, entry) = try Self.entryWithoutPromise(f, keyBased: true)
    let forged = SigstoreBundle(
      mediaType: bundle.mediaType, material: bundle.material, tlogEntries: [entry],
      rfc3161Timestamps: [Data("not a timestamp token".utf8)], content: bundle.content)
    let root = try TrustedRoot(parsing: f.trustedRootJSON(timestampAuthority: true))
    let key = try VerificationKey(spkiDER: f.leafKey.publicKey.derRepresentation)
    let outcome = await SigstoreVerifier(trustedRoot: root).evaluate(
      bundle: forged, source: .bytes(Data("artifact timed by an unsigned integrated time\n".utf8)),
      signer: .key(key))
    guard case .failed(let failure) = outcome else {
      Issue.record("a bundle timed only by an unsigned integrated time verified")
      return
    }
    #expect(failure.check == .tlogKnownLog)
    #expect(failure.message.contains("no verified time"))
  }

  /// With its promise, the same entry's integrated time is signed and counts.
  @Test func promisedIntegratedTimeCounts() async throws {
    let f = SigstoreFixture()
    let artifact = Data("artifact timed by a signed integrated time\n".utf8)
    let bundle = try SigstoreBundle(parsing: f.bundleJSON(for: artifact))
    let v = try await SigstoreVerifier(trustedRoot: f.trustedRoot()).verify(
      bundle: bundle, artifact: artifact, signer: .certificate(f.policy))
    #expect(v.verifiedTimes.map(\.source) == [.transparencyLog])
    #expect(v.verifiedTimes.map(\.date) == [f.signingDate])
  }
}
