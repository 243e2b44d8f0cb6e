import TailguardModel

/// One signature verification outcome as policies see it (`input.signatures[]`): one element per
/// signature `scan --require-signature` found for the image; empty when no verification ran.
public struct PolicySignature: Hashable, Sendable, Codable {
  public var verified: Bool
  /// Certificate identity (SAN: e-mail or URI) for keyless, or the key's name/fingerprint.
  public var identity: String?
  /// OIDC issuer of a keyless certificate.
  public var issuer: String?
  public var keyless: Bool
  /// Why verification failed (or what it checked), for messages.
  public var reason: String?

  public init(
    verified: Bool, identity: String? = nil, issuer: String? = nil, keyless: Bool,
    reason: String? = nil
  ) {
    self.verified = verified
    self.identity = identity
    self.issuer = issuer
    self.keyless = keyless
    self.reason = reason
  }
}

extension PolicySignature {
  /// The signatures of a scan's `--require-signature` check, as policy input.
  public static func from(_ check: SignatureCheck?) -> [PolicySignature] {
    (check?.signatures ?? []).map { r in
      PolicySignature(
        verified: r.verified, identity: r.keyless ? r.identities.first : check?.requirement,
        issuer: r.issuer, keyless: r.keyless,
        reason: r.verified
          ? "verified (\(check?.requirement ?? ""))"
          : "\(r.failedCheck ?? "failed"): \(r.reason ?? "")")
    }
  }
}
