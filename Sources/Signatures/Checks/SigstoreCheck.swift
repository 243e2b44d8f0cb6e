import Foundation
import TailguardModel
import X509

/// One step of a Sigstore verification, in the style of swift-certificates' `VerifierPolicy`: a
/// small value that looks at what the earlier steps established and either passes (possibly adding
/// to that state) or fails with a ``VerificationFailure`` naming the check. A failure is an outcome
/// value, not a thrown error, so the verifier can compose steps and report the first that failed.
protocol SigstoreCheck: Sendable {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome
}

/// What one ``SigstoreCheck`` concluded.
enum SigstoreCheckOutcome: Sendable, Hashable {
  case passed
  case failed(VerificationFailure)

  static func fail(_ check: VerificationCheck, _ message: String) -> Self {
    .failed(VerificationFailure(check, message))
  }

  /// Runs a helper that reports its failure by throwing (chain building, identity policy, log
  /// proofs) and turns the failure into an outcome.
  static func of(_ body: () throws(VerificationFailure) -> Void) -> Self {
    do {
      try body()
      return .passed
    } catch {
      return .failed(error)
    }
  }
}

/// The inputs of one verification and what its checks have established so far. Each check reads
/// the fields earlier checks filled in (the order lives in ``SigstoreVerifier/checks(for:)``).
struct SigstoreVerificationState: Sendable {
  let bundle: SigstoreBundle
  let artifact: ArtifactSource?
  let signer: SigstoreVerifier.Signer
  let options: SigstoreVerifier.Options
  let trustedRoot: TrustedRoot

  /// The signing certificate (keyless signers), set by ``BundleShapeCheck``.
  var leaf: FulcioCertificate?
  /// The one transparency-log entry, when the bundle has one; set by ``BundleShapeCheck``.
  var entry: TransparencyLogEntry?
  /// Signing times that something trusted signed (promise, TSA); set by ``SigningTimeCheck``.
  var times: [VerifiedSignature.VerifiedTime] = []
  var diagnostics: [Diagnostic] = []
  /// The Fulcio chain from the leaf to a trusted root, set by ``CertificateChainCheck``.
  var chain: [Certificate] = []
  /// The key the signature must verify with, set by ``SignerIdentityCheck``.
  var key: VerificationKey?
  /// The artifact's digest a message signature covers, set by ``ArtifactSignatureCheck``.
  var messageDigest: ComputedDigest?

  init(
    bundle: SigstoreBundle, artifact: ArtifactSource?, signer: SigstoreVerifier.Signer,
    options: SigstoreVerifier.Options, trustedRoot: TrustedRoot
  ) {
    self.bundle = bundle
    self.artifact = artifact
    self.signer = signer
    self.options = options
    self.trustedRoot = trustedRoot
  }

  var isKeyBased: Bool {
    if case .key = signer { return true }
    return false
  }

  /// The certificate or key the log entry body must name.
  func verifierDER(_ key: VerificationKey) -> Data {
    leaf?.der ?? bundle.leafCertificateDER ?? key.spkiDER
  }

  /// The key ``SignerIdentityCheck`` established (checks after it cannot run without one).
  func requireKey() -> Result<VerificationKey, VerificationFailure> {
    guard let key else {
      return .failure(VerificationFailure(.publicKey, "no verification key was established"))
    }
    return .success(key)
  }

  /// The entry's canonicalized body, which must be of the kind and version the bundle declares:
  /// the declaration is unsigned, the body is what the log signed.
  static func body(of entry: TransparencyLogEntry) throws(VerificationFailure) -> RekorEntryBody {
    let body = try RekorEntryBody(parsing: entry.canonicalizedBody)
    guard "\(body.entryKind)/\(body.apiVersion)" == entry.type else {
      throw VerificationFailure(
        .tlogBodyConsistency,
        "log entry body is \(body.entryKind.prefix(30))/\(body.apiVersion.prefix(20)) but the bundle declares \(entry.type.prefix(40))"
      )
    }
    return body
  }
}
