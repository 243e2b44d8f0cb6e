import Foundation

/// What the signer's certificate must say: cosign's `--certificate-identity[-regexp]`,
/// `--certificate-oidc-issuer[-regexp]` and the GitHub / source-repository extension flags.
/// Regular expressions must match the whole value (they are anchored), so `.*@example\.com`
/// cannot be satisfied by `attacker@example.com.evil`.
public struct CertificateIdentityPolicy: Sendable, Hashable {
  public enum Matcher: Sendable, Hashable, CustomStringConvertible {
    case exact(String)
    case regularExpression(String)

    /// Fails early on a pattern that does not compile, so a typo is a usage error, not a mismatch.
    public func validate() throws(SignatureError) {
      if case .regularExpression(let pattern) = self {
        do {
          _ = try Regex(pattern)
        } catch {
          throw SignatureError(.unsupported, "invalid regular expression '\(pattern)': \(error)")
        }
      }
    }

    public func matches(_ value: String) -> Bool {
      switch self {
      case .exact(let expected): return value == expected
      case .regularExpression(let pattern):
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.wholeMatch(in: value)) != nil
      }
    }

    public var description: String {
      switch self {
      case .exact(let s): return "'\(s)'"
      case .regularExpression(let p): return "/\(p)/"
      }
    }
  }

  public var identity: Matcher?
  public var issuer: Matcher?
  public var extensions: [FulcioCertificate.Field: Matcher]

  public init(
    identity: Matcher? = nil, issuer: Matcher? = nil,
    extensions: [FulcioCertificate.Field: Matcher] = [:]
  ) {
    self.identity = identity
    self.issuer = issuer
    self.extensions = extensions
  }

  public func validate() throws(SignatureError) {
    try identity?.validate()
    try issuer?.validate()
    for matcher in extensions.values { try matcher.validate() }
  }

  /// Checks the certificate; the first unmet requirement is the failure.
  public func check(_ cert: FulcioCertificate) throws(VerificationFailure) {
    if let identity {
      guard cert.identities.contains(where: identity.matches) else {
        throw VerificationFailure(
          .certificateIdentity,
          "certificate identity \(cert.identities.map { "'\($0)'" }.joined(separator: ", ")) does not match \(identity)"
        )
      }
    }
    if let issuer {
      guard let actual = cert.issuer else {
        throw VerificationFailure(.certificateIssuer, "certificate has no OIDC issuer extension")
      }
      guard issuer.matches(actual) else {
        throw VerificationFailure(
          .certificateIssuer, "OIDC issuer '\(actual)' does not match \(issuer)")
      }
    }
    for (field, matcher) in extensions.sorted(by: {
      (Int($0.key.rawValue) ?? 0) < (Int($1.key.rawValue) ?? 0)
    }) {
      let actual = cert.fields[field] ?? Self.fallback(field, cert)
      guard let actual else {
        throw VerificationFailure(
          .certificateExtension, "certificate has no \(field) extension (\(field.oid))")
      }
      guard matcher.matches(actual) else {
        throw VerificationFailure(
          .certificateExtension, "\(field) '\(actual)' does not match \(matcher)")
      }
    }
  }

  /// cosign reads the v1 GitHub extensions but falls back to their v2 equivalents.
  private static func fallback(_ field: FulcioCertificate.Field, _ cert: FulcioCertificate)
    -> String?
  {
    switch field {
    case .githubWorkflowSHA: return cert.fields[.sourceRepositoryDigest]
    case .githubWorkflowTrigger: return cert.fields[.buildTrigger]
    case .githubWorkflowRef: return cert.fields[.sourceRepositoryRef]
    case .githubWorkflowRepository:
      return cert.fields[.sourceRepositoryURI].map {
        $0.hasPrefix("https://github.com/") ? String($0.dropFirst("https://github.com/".count)) : $0
      }
    default: return nil
    }
  }
}
