import Foundation
import TailguardModel

/// Verifies Sigstore bundles offline against a trusted root, the way sigstore-python / cosign do:
/// establish verified signing times (log integration time, RFC 3161 timestamps), validate the
/// Fulcio chain at those times, match the identity policy, verify the transparency-log entry,
/// the signature over the artifact (or DSSE PAE), and the consistency of the log entry body.
public struct SigstoreVerifier: Sendable {
  /// Who must have signed.
  public enum Signer: Sendable, Hashable {
    /// Keyless: a Fulcio certificate chaining to the trusted root and matching the policy.
    case certificate(CertificateIdentityPolicy)
    /// A key the user trusts (`--key`).
    case key(VerificationKey)
  }

  public struct Options: Sendable, Hashable {
    /// cosign's `--insecure-ignore-tlog`: accept a key-based bundle without a log entry.
    public var ignoreTransparencyLog: Bool
    /// Timestamps beyond this count make the bundle invalid (sigstore-go / sigstore-python: 32).
    public var maximumTimestamps: Int
    /// Bundles must carry an inclusion proof with a checkpoint. cosign's legacy image-signature
    /// annotations carry only the signed entry timestamp; they are verified with this off.
    public var requireInclusionProof: Bool
    /// Keyless signatures need an embedded SCT from a CT log of the trusted root (cosign's
    /// `--insecure-ignore-sct` turns this off).
    public var requireSignedCertificateTimestamp: Bool
    public init(
      ignoreTransparencyLog: Bool = false, maximumTimestamps: Int = 32,
      requireInclusionProof: Bool = true,
      requireSignedCertificateTimestamp: Bool = true
    ) {
      self.ignoreTransparencyLog = ignoreTransparencyLog
      self.maximumTimestamps = maximumTimestamps
      self.requireInclusionProof = requireInclusionProof
      self.requireSignedCertificateTimestamp = requireSignedCertificateTimestamp
    }
  }

  public var trustedRoot: TrustedRoot

  public init(trustedRoot: TrustedRoot) {
    self.trustedRoot = trustedRoot
  }

  /// Verifies `bundle` for `artifact` (the signed file's bytes; nil to verify a DSSE envelope
  /// on its own, as `verify-attestation` does).
  public func verify(
    bundle: SigstoreBundle, artifact: Data?, signer: Signer, options: Options = Options()
  ) async throws(VerificationFailure) -> VerifiedSignature {
    try await verify(
      bundle: bundle, source: artifact.map { .bytes($0) }, signer: signer, options: options)
  }

  /// Verifies `bundle` for the artifact at `source`; a file is hashed in chunks, never loaded whole
  /// (except for pure Ed25519 signatures). An unreadable file is a ``VerificationCheck/artifactDigest``
  /// failure whose message says so; callers that need exit code 2 check readability first.
  public func verify(
    bundle: SigstoreBundle, source artifact: ArtifactSource?, signer: Signer,
    options: Options = Options()
  ) async throws(VerificationFailure) -> VerifiedSignature {
    switch await evaluate(bundle: bundle, source: artifact, signer: signer, options: options) {
    case .verified(let signature): return signature
    case .failed(let failure): throw failure
    }
  }

  /// What a verification concluded: the established signature, or the first check that failed.
  public enum Outcome: Sendable, Hashable {
    case verified(VerifiedSignature)
    case failed(VerificationFailure)
  }

  /// Runs the checks of ``checks`` in order and stops at the first that fails; a failure is a value
  /// naming its check, for callers that collect outcomes (an image's many signatures) rather than
  /// stop at the first.
  public func evaluate(
    bundle: SigstoreBundle, source artifact: ArtifactSource?, signer: Signer,
    options: Options = Options()
  ) async -> Outcome {
    var state = SigstoreVerificationState(
      bundle: bundle, artifact: artifact, signer: signer, options: options,
      trustedRoot: trustedRoot)
    for check in Self.checks {
      if case .failed(let failure) = await check.evaluate(&state) { return .failed(failure) }
    }
    var result = VerifiedSignature(
      identities: state.leaf?.identities ?? [], issuer: state.leaf?.issuer,
      certificateFields: state.leaf?.fields ?? [:],
      verifiedTimes: state.times, logIndex: state.entry?.logIndex, payloadType: nil, payload: nil,
      diagnostics: state.diagnostics)
    if case .dsseEnvelope(let envelope) = bundle.content {
      result.payloadType = envelope.payloadType
      result.payload = envelope.payload
    }
    return .verified(result)
  }

  /// The steps of a verification, in the order sigstore-python / cosign take them: bundle shape,
  /// verified signing times, the Fulcio chain (with its SCT and profile) at those times, the
  /// signer's identity, the transparency log, the signature over the artifact, the consistency of
  /// the log entry body, and the subject of an attestation. Each step relies on the state the
  /// steps before it established.
  static let checks: [any SigstoreCheck] = [
    BundleShapeCheck(), SigningTimeCheck(), CertificateChainCheck(), SignerIdentityCheck(),
    TransparencyLogCheck(), ArtifactSignatureCheck(), LogBodyConsistencyCheck(),
    AttestationSubjectCheck(),
  ]

  /// Log entry types whose bodies are checked against the bundle. Rekor v1 entries have a signed
  /// integrated time (the inclusion promise signs it); Rekor v2 entries have none.
  static let rekorV1EntryTypes: Set<String> = ["hashedrekord/0.0.1", "dsse/0.0.1", "intoto/0.0.2"]
  static let rekorV2EntryTypes: Set<String> = ["hashedrekord/0.0.2", "dsse/0.0.2"]
}
