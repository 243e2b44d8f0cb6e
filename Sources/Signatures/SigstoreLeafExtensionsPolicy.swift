import SwiftASN1
import X509

/// Fulcio leaves mark the SAN critical (their subject is empty) and TSA leaves mark the
/// extended key usage critical. The profile rules for both are checked by the callers
/// (``VerificationCheck/certificateProfile``), so this policy only declares them understood.
struct SigstoreLeafExtensionsPolicy: VerifierPolicy {
  let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
    .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
  ]
  func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async
    -> PolicyEvaluationResult
  {
    .meetsPolicy
  }
}
