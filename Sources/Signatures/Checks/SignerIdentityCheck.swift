import Foundation
import X509

/// Who signed: a keyless certificate must match the identity policy (SAN, OIDC issuer, Fulcio
/// extensions) and yields the signing key; a key the user trusts must be the one any certificate
/// in the bundle holds. Sets the state's `key`.
struct SignerIdentityCheck: SigstoreCheck {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    switch state.signer {
    case .certificate(let policy):
      guard let leaf = state.leaf else {
        return .fail(.bundleFormat, "bundle has no signing certificate")
      }
      let identity = SigstoreCheckOutcome.of { () throws(VerificationFailure) in
        try policy.check(leaf)
      }
      guard case .passed = identity else { return identity }
      do {
        state.key = try VerificationKey(leaf.certificate.publicKey)
      } catch {
        return .fail(.certificateProfile, "signing key: \(error.message)")
      }
    case .key(let key):
      if let hint = state.bundle.leafCertificateDER,
        let cert = try? Certificate(derEncoded: Array(hint)),
        (try? VerificationKey(cert.publicKey))?.spkiDER != key.spkiDER
      {
        return .fail(.publicKey, "the bundle's certificate does not hold the given key")
      }
      state.key = key
    }
    return .passed
  }
}
