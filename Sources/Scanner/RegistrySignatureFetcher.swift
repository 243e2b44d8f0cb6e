import Foundation
import ImageSources
import Signatures
import TailguardModel

/// Serves cosign signatures, attestations and Sigstore bundle referrers of images in one registry
/// to the ``ImageSignatureVerifier`` through the ``RegistryClient`` (auth, TLS, retries and digest
/// checks are the client's). It lives here, not in Signatures, so the verifier never speaks HTTP.
///
/// `repository` arguments are full names as ``ImageReference/name`` spells them
/// (`registry.example/team/app`); the registry host prefix is stripped before each request.
public struct RegistrySignatureFetcher: SignatureArtifactFetcher {
  public let client: RegistryClient
  public let registry: String
  /// Signature payloads, DSSE envelopes and bundles are small; SBOM attestations can be large.
  public static let maximumBlobSize = 64 << 20

  public init(client: RegistryClient, registry: String) {
    self.client = client
    self.registry = registry
  }

  /// `registry/team/app` → `team/app`; a bare repository path is taken as is.
  func path(_ repository: String) -> String {
    let prefix = registry + "/"
    if repository.hasPrefix(prefix) { return String(repository.dropFirst(prefix.count)) }
    if registry == ImageReference.dockerHub, repository.hasPrefix("index.docker.io/") {
      return String(repository.dropFirst("index.docker.io/".count))
    }
    return repository
  }

  public func listTags(repository: String) async throws -> [String] {
    do {
      return try await client.listTags(registry: registry, repository: path(repository))
    } catch {
      if error.code == .notFound { return [] }
      throw error
    }
  }

  /// A tag or a digest (`sha256:…`); nil when the registry has no such manifest.
  public func manifest(repository: String, reference: String) async throws -> FetchedManifest? {
    let ref: ImageReference
    if reference.contains(":") {
      guard let digest = try? Digest(parsing: reference) else {
        throw SignatureError(.unreadableInput, "bad manifest digest '\(reference.prefix(80))'")
      }
      ref = ImageReference(registry: registry, repository: path(repository), digest: digest)
    } else {
      ref = ImageReference(registry: registry, repository: path(repository), tag: reference)
    }
    do {
      let manifest = try await client.fetchManifest(ref)
      return FetchedManifest(mediaType: manifest.mediaType, bytes: Data(manifest.bytes))
    } catch {
      if error.code == .notFound { return nil }
      throw error
    }
  }

  public func blob(repository: String, digest: String) async throws -> Data {
    guard let parsed = try? Digest(parsing: digest) else {
      throw SignatureError(.unreadableInput, "bad blob digest '\(digest.prefix(80))'")
    }
    return Data(
      try await client.fetchBlob(
        registry: registry, repository: path(repository), digest: parsed,
        limit: Self.maximumBlobSize))
  }

  /// The referrers API, or the `sha256-<hex>` fallback tag (the client tries both), as an OCI
  /// index; an image nothing refers to gets an empty index, so the verifier does not ask again.
  public func referrers(repository: String, digest: String) async throws -> Data? {
    guard let parsed = try? Digest(parsing: digest) else {
      throw SignatureError(.unreadableInput, "bad image digest '\(digest.prefix(80))'")
    }
    let descriptors = try await client.referrers(
      registry: registry, repository: path(repository), digest: parsed)
    return try JSONEncoder().encode(
      ReferrersIndex(mediaType: RegistryMediaType.ociIndex, manifests: descriptors))
  }
}

/// The referrers as an OCI image index (what the verifier reads).
struct ReferrersIndex: Encodable {
  var schemaVersion = 2
  var mediaType: String
  var manifests: [OCIDescriptor]
}
