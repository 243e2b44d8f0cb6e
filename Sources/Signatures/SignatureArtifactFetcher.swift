import Foundation

/// What image-signature verification needs from wherever signatures live (a registry, an OCI
/// layout on disk, memory in tests): list tags, get a manifest, get a blob. The registry client
/// satisfies it; the Signatures module never speaks HTTP itself.
public protocol SignatureArtifactFetcher: Sendable {
  /// Tags of `repository` (for cosign's `sha256-<hex>.sig` / `.att` tag scheme).
  func listTags(repository: String) async throws -> [String]
  /// The manifest bytes for a tag or digest, nil when it does not exist.
  func manifest(repository: String, reference: String) async throws -> FetchedManifest?
  /// The blob bytes for a digest. Implementations should check the digest; the verifier does too.
  func blob(repository: String, digest: String) async throws -> Data
  /// OCI 1.1 referrers of `digest` as an image index, nil when unsupported (the verifier then
  /// falls back to the `sha256-<hex>` referrers tag).
  func referrers(repository: String, digest: String) async throws -> Data?
}

extension SignatureArtifactFetcher {
  public func referrers(repository: String, digest: String) async throws -> Data? { nil }
}
