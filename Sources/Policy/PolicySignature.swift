/// One signature verification outcome as policies see it (`input.signatures[]`).
/// Empty until the Scanner wires Signatures verification into scans.
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
