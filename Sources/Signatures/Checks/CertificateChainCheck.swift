import Foundation
import X509

/// Keyless signers only: at least one verified signing time, every one inside the certificate's
/// validity; a Fulcio chain to a certificate authority of the trusted root at each of them; the
/// embedded SCT of a CT log of the trusted root; and the Fulcio leaf profile (key usage and
/// extended key usage). Sets the state's `chain`.
struct CertificateChainCheck: SigstoreCheck {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    guard case .certificate = state.signer else { return .passed }
    guard let leaf = state.leaf else {
      return .fail(.bundleFormat, "bundle has no signing certificate")
    }
    guard !state.times.isEmpty else {
      return .fail(
        .verifiedTime, "no verified source of signing time (log entry promise or timestamp)")
    }
    // Checked before the chain, so an expired certificate is reported as such, not as an
    // unbuildable chain.
    for t in state.times where t.date < leaf.notValidBefore || t.date > leaf.notValidAfter {
      return .fail(
        .certificateValidity,
        "signing time \(t.date) (\(t.source.rawValue)) is outside the certificate validity \(leaf.notValidBefore) – \(leaf.notValidAfter)"
      )
    }
    do {
      for t in state.times {
        state.chain = try await FulcioChainValidator.validate(
          leaf: leaf.certificate, authorities: state.trustedRoot.certificateAuthorities, at: t.date)
      }
    } catch {
      return .failed(error)
    }
    if state.options.requireSignedCertificateTimestamp {
      guard state.chain.count >= 2 else {
        return .fail(.certificateProfile, "no issuer certificate to check the SCT against")
      }
      let (issuer, ctlogs) = (state.chain[1], state.trustedRoot.ctlogs)
      let sct = SigstoreCheckOutcome.of {
        () throws(VerificationFailure) in
        try SignedCertificateTimestamp.verifyEmbedded(
          leaf: leaf.certificate, issuer: issuer, ctlogs: ctlogs)
      }
      guard case .passed = sct else { return sct }
    }
    guard let ku = try? leaf.certificate.extensions.keyUsage, ku.digitalSignature else {
      return .fail(.certificateProfile, "key usage does not include digital signature")
    }
    guard let eku = try? leaf.certificate.extensions.extendedKeyUsage, eku.contains(.codeSigning)
    else {
      return .fail(.certificateProfile, "extended key usage does not include code signing")
    }
    return .passed
  }
}
