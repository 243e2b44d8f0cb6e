import Foundation

/// The log entry, when there is one: a log of the trusted root whose key was valid at a verified
/// time, the inclusion proof and checkpoint, and the inclusion promise (``TransparencyLogVerifier``).
struct TransparencyLogCheck: SigstoreCheck {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    guard let entry = state.entry else { return .passed }
    // Only times a timestamp authority signed: the log's own time counts only through its
    // promise, which the log verifier checks itself.
    let tsaTimes = state.times.filter { $0.source == .timestampAuthority }.map(\.date)
    let (root, requireProof) = (state.trustedRoot, state.options.requireInclusionProof)
    return .of { () throws(VerificationFailure) in
      try TransparencyLogVerifier.verify(
        entry, trustedRoot: root, signingTimes: tsaTimes, requireInclusionProof: requireProof)
    }
  }
}
