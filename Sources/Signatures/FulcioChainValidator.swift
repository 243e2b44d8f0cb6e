import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Validates a signing certificate against the certificate authorities of a trusted root at a
/// given signing time (never "now": Fulcio certificates live ten minutes), with swift-certificates'
/// verifier and a policy that accepts the Fulcio leaf's critical extensions.
enum FulcioChainValidator {
  static func validate(
    leaf: Certificate, authorities: [TrustedRoot.CertificateAuthority], at time: Date,
    check: VerificationCheck = .certificateChain
  ) async throws(VerificationFailure) -> [Certificate] {
    var roots: [Certificate] = []
    var intermediates: [Certificate] = []
    for authority in authorities where authority.validFor.contains(time) {
      var certs: [Certificate] = []
      for der in authority.certChain {
        guard let c = try? Certificate(derEncoded: Array(der)) else { continue }
        certs.append(c)
      }
      guard let root = certs.last else { continue }
      roots.append(root)
      intermediates.append(contentsOf: certs.dropLast())
    }
    guard !roots.isEmpty else {
      throw VerificationFailure(
        check, "no certificate authority of the trusted root is valid at \(time)")
    }
    var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
      RFC5280Policy(fixedExpiryValidationTime: time)
      SigstoreLeafExtensionsPolicy()
    }
    let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
    switch result {
    case .validCertificate(let chain):
      return Array(chain)
    case .couldNotValidate(let failures):
      let reasons = failures.prefix(3).map { "\($0.policyFailureReason)" }
      throw VerificationFailure(
        check,
        "certificate does not chain to a trusted authority valid at \(time)"
          + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")))
    }
  }
}
