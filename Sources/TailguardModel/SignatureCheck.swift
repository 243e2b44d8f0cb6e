/// The outcome of `scan --require-signature`: which signer was required, which image digest the
/// signatures had to name, and every signature found with what became of it. Recorded in
/// ``ScanReport/signatures`` and projected into the policy input (`input.signatures`).
public struct SignatureCheck: Hashable, Sendable, Codable {
  /// The requirement as the user gave it (`key:cosign.pub`, `identity:…,issuer:…`).
  public var requirement: String
  /// Manifest digest of the image the signatures must name (`sha256:…`).
  public var imageDigest: String
  /// True when at least one signature satisfied the requirement.
  public var verified: Bool
  public var signatures: [SignatureRecord]

  public init(
    requirement: String, imageDigest: String, verified: Bool, signatures: [SignatureRecord]
  ) {
    self.requirement = requirement
    self.imageDigest = imageDigest
    self.verified = verified
    self.signatures = signatures
  }
}

/// One signature (cosign `.sig` layer or Sigstore bundle referrer) and its verification result.
public struct SignatureRecord: Hashable, Sendable, Codable {
  /// Where it was found, e.g. `tag sha256-….sig layer 0` or `referrer sha256:…`.
  public var source: String
  public var verified: Bool
  /// Keyless: the certificate's SAN identities; empty for key-based signatures.
  public var identities: [String]
  /// Keyless: the certificate's OIDC issuer.
  public var issuer: String?
  public var keyless: Bool
  /// Index of the verified transparency-log entry.
  public var logIndex: Int64?
  /// For a failed signature: the check that failed (`signature`, `certificate-identity`, …).
  public var failedCheck: String?
  public var reason: String?

  public init(
    source: String, verified: Bool, identities: [String] = [], issuer: String? = nil,
    keyless: Bool, logIndex: Int64? = nil, failedCheck: String? = nil, reason: String? = nil
  ) {
    self.source = source
    self.verified = verified
    self.identities = identities
    self.issuer = issuer
    self.keyless = keyless
    self.logIndex = logIndex
    self.failedCheck = failedCheck
    self.reason = reason
  }
}
