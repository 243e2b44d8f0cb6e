import Foundation
import ImageSources
import Signatures
import TailguardModel

/// Who must have signed a scanned image (`scan --require-signature SPEC`):
/// - `key:FILE` — a cosign public key (PEM);
/// - `identity:EMAIL_OR_URI,issuer:URL` — keyless: the Fulcio certificate's SAN and OIDC issuer,
///   exact; `identity-regexp:RE` / `issuer-regexp:RE` match the whole value instead (values must
///   not contain commas).
public struct SignatureRequirement: Sendable, Hashable {
  /// The specification as the user wrote it (recorded in the report).
  public var spec: String
  public var signer: SigstoreVerifier.Signer

  public init(spec: String, signer: SigstoreVerifier.Signer) {
    self.spec = spec
    self.signer = signer
  }

  /// Parses SPEC; a key file is read here (unreadable or not a key: an error naming it).
  public init(parsing spec: String) throws(ScannerError) {
    self.spec = spec
    guard spec.utf8.count <= 4096 else {
      throw ScannerError(.signatureRequirement, "--require-signature is longer than 4096 bytes")
    }
    if spec.hasPrefix("key:") {
      let path = String(spec.dropFirst(4))
      guard !path.isEmpty else {
        throw ScannerError(.signatureRequirement, "--require-signature key: needs a PEM key file")
      }
      do {
        signer = .key(try VerificationKey(contentsOf: path))
      } catch {
        throw ScannerError(.signatureRequirement, "--require-signature \(spec): \(error)")
      }
      return
    }
    var fields: [String: String] = [:]
    for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
      guard let colon = part.firstIndex(of: ":") else {
        throw ScannerError(
          .signatureRequirement,
          "--require-signature: '\(part.prefix(80))' is not name:value (use key:FILE or identity:…,issuer:…)"
        )
      }
      let name = String(part[..<colon]).trimmingCharacters(in: .whitespaces)
      let value = String(part[part.index(after: colon)...])
      guard ["identity", "identity-regexp", "issuer", "issuer-regexp"].contains(name) else {
        throw ScannerError(
          .signatureRequirement,
          "--require-signature: unknown field '\(name.prefix(40))' (identity, identity-regexp, issuer, issuer-regexp, or key:FILE alone)"
        )
      }
      guard fields[name] == nil, !value.isEmpty else {
        throw ScannerError(
          .signatureRequirement, "--require-signature: '\(name)' is empty or given twice")
      }
      fields[name] = value
    }
    let identity: CertificateIdentityPolicy.Matcher?
    switch (fields["identity"], fields["identity-regexp"]) {
    case (let exact?, nil): identity = .exact(exact)
    case (nil, let re?): identity = .regularExpression(re)
    default:
      throw ScannerError(
        .signatureRequirement,
        "--require-signature needs exactly one of identity: or identity-regexp: (or key:FILE)")
    }
    let issuer: CertificateIdentityPolicy.Matcher?
    switch (fields["issuer"], fields["issuer-regexp"]) {
    case (let exact?, nil): issuer = .exact(exact)
    case (nil, let re?): issuer = .regularExpression(re)
    default:
      throw ScannerError(
        .signatureRequirement,
        "--require-signature needs exactly one of issuer: or issuer-regexp:")
    }
    let policy = CertificateIdentityPolicy(identity: identity, issuer: issuer)
    do { try policy.validate() } catch {
      throw ScannerError(.signatureRequirement, "--require-signature \(spec): \(error)")
    }
    signer = .certificate(policy)
  }
}

extension Scanner {
  /// Verifies the signatures of the image TARGET (a registry reference or an OCI layout) against
  /// `requirement`, as `tailguard verify` does; the outcome is a value for the report (a failed
  /// verification is not an error). Unreachable registries and unreadable layouts throw.
  ///
  /// `digest` pins the image to the digest the scan read (see ``ImageSignatureLocator``).
  public func verifySignatures(
    target: String, requirement: SignatureRequirement, trustedRoot: TrustedRoot,
    registry: RegistryClientConfiguration, digest: Digest? = nil,
    options: SigstoreVerifier.Options = .init()
  ) async throws -> SignatureCheck {
    let location = try await ImageSignatureLocator.locate(
      target: target, configuration: registry, digest: digest)
    let report: ImageSignatureVerifier.Report
    do {
      report = try await ImageSignatureVerifier(trustedRoot: trustedRoot, fetcher: location.fetcher)
        .verifySignatures(of: location.image, signer: requirement.signer, options: options)
    } catch {
      await location.close()
      throw error
    }
    await location.close()
    return SignatureCheck(report: report, requirement: requirement)
  }
}

extension SignatureCheck {
  /// The verifier's report as a model value.
  public init(report: ImageSignatureVerifier.Report, requirement: SignatureRequirement) {
    let keyless: Bool
    if case .certificate = requirement.signer { keyless = true } else { keyless = false }
    self.init(
      requirement: requirement.spec, imageDigest: report.image.digest, verified: report.verified,
      signatures: report.findings.map { f in
        switch f.outcome {
        case .success(let v):
          return SignatureRecord(
            source: f.source, verified: true, identities: v.identities, issuer: v.issuer,
            keyless: !v.identities.isEmpty, logIndex: v.logIndex)
        case .failure(let e):
          return SignatureRecord(
            source: f.source, verified: false, keyless: keyless, failedCheck: e.check.rawValue,
            reason: e.message)
        }
      })
  }
}
