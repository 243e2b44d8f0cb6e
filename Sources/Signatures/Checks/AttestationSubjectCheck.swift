import Foundation

/// A DSSE envelope verified together with an artifact must hold an in-toto statement with a
/// subject of the artifact's SHA-256 (a signed statement about something else proves nothing
/// about this file).
struct AttestationSubjectCheck: SigstoreCheck {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    guard case .dsseEnvelope(let envelope) = state.bundle.content, let artifact = state.artifact
    else { return .passed }
    let sha256: ComputedDigest?
    do {
      sha256 = try artifact.digest("SHA2_256")
    } catch {
      return .fail(.artifactDigest, error.description)
    }
    return .of { () throws(VerificationFailure) in
      try InTotoStatement.requireSubject(in: envelope, matchingSHA256: sha256?.bytes ?? Data())
    }
  }
}
