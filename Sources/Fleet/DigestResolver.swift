import TailguardModel

/// Where `pin fix` gets digests from. The registry client implements it for real registries;
/// `OCILayoutResolver` implements it over an OCI image layout on disk (offline, for tests).
public protocol DigestResolver: Sendable {
  /// The manifest digest the reference's tag (or `latest`) points to now.
  func resolve(_ ref: ImageReference) async throws -> Digest
  /// Every tag of the reference's repository (tag and digest of `ref` are ignored).
  func tags(_ repository: ImageReference) async throws -> [String]
}
