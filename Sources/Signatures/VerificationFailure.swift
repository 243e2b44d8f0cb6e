/// The individual checks of a Sigstore verification. Every failure names exactly one of them so a
/// user (and a test) can tell a tampered artifact from a wrong identity or a missing log entry.
public enum VerificationCheck: String, Sendable, Hashable, CaseIterable, Codable {
  /// The bundle is well formed and its media type is one we understand.
  case bundleFormat = "bundle-format"
  /// The artifact's digest matches the digest recorded in the bundle (or the DSSE subject).
  case artifactDigest = "artifact-digest"
  /// The signature over the artifact digest or the DSSE PAE verifies with the signer's key.
  case signature = "signature"
  /// The signing certificate chains to a certificate authority of the trusted root at signing time.
  case certificateChain = "certificate-chain"
  /// The signing certificate follows the Fulcio profile (key usage, extended key usage).
  case certificateProfile = "certificate-profile"
  /// The signing certificate was valid at every verified signing time.
  case certificateValidity = "certificate-validity"
  /// The certificate's subject alternative name matches the requested identity.
  case certificateIdentity = "certificate-identity"
  /// The certificate's OIDC issuer extension matches the requested issuer.
  case certificateIssuer = "certificate-issuer"
  /// Another Fulcio extension (GitHub workflow repository, ref…) matches the requested value.
  case certificateExtension = "certificate-extension"
  /// The bundle's verification key matches the key the user gave.
  case publicKey = "public-key"
  /// The bundle carries the transparency-log entry the policy requires.
  case tlogEntryPresent = "tlog-entry-present"
  /// The log entry's log ID names a log of the trusted root valid at the entry's time.
  case tlogKnownLog = "tlog-known-log"
  /// The Merkle inclusion proof leads from the entry to the checkpoint's root hash.
  case tlogInclusionProof = "tlog-inclusion-proof"
  /// The checkpoint (signed note) carries a valid signature of the log.
  case tlogCheckpoint = "tlog-checkpoint"
  /// The signed entry timestamp (inclusion promise) verifies with the log's key.
  case tlogInclusionPromise = "tlog-inclusion-promise"
  /// The canonicalized log entry body describes this bundle's signature, key and digest.
  case tlogBodyConsistency = "tlog-body-consistency"
  /// The RFC 3161 signed timestamps verify against a timestamp authority of the trusted root.
  case signedTimestamp = "signed-timestamp"
  /// At least one verified source of signing time (log integration time or TSA timestamp).
  case verifiedTime = "verified-time"
  /// The in-toto statement in the DSSE envelope names the artifact and the expected predicate.
  case attestationStatement = "attestation-statement"
  /// A cosign simple-signing payload names the image being verified.
  case imageReference = "image-reference"
}

/// A verification that did not succeed, with the check that failed and a human-readable reason.
public struct VerificationFailure: Error, Sendable, Hashable, CustomStringConvertible {
  public var check: VerificationCheck
  public var message: String

  public init(_ check: VerificationCheck, _ message: String) {
    self.check = check
    self.message = message
  }

  public var description: String { "\(check.rawValue): \(message)" }
}
