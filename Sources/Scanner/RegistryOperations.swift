import Foundation
import ImageSources
import TailguardModel

/// Registry helpers behind `resolve` and `cache`, as values: the digest a reference points to
/// now, and the blob cache's status, pruning and filling.
public enum RegistryOperations {
  /// What a reference points to now: the top digest (the index for a multi-platform image)
  /// and the manifest selected for the platform.
  public struct Resolved: Encodable, Sendable, Hashable {
    public var reference: String
    public var digest: String
    public var mediaType: String
    public var platform: String?
    public var manifestDigest: String?
    public var manifestMediaType: String?
  }

  /// Parses `registry:REF` or a bare reference (a usage error when it is not one).
  public static func reference(_ text: String) throws(ScannerError) -> ImageReference {
    let bare = text.hasPrefix("registry:") ? String(text.dropFirst("registry:".count)) : text
    do { return try ImageReference(parsing: bare) } catch {
      throw ScannerError(.usage, error.message)
    }
  }

  public static func resolve(_ text: String, settings: RegistrySettings) async throws -> Resolved {
    let ref = try reference(text)
    let configuration = try settings.configuration()
    let client = try RegistryClient(configuration: configuration)
    let outcome: Result<Resolved, RegistryError>
    do throws(RegistryError) {
      let top = try await client.fetchManifest(ref)
      var out = Resolved(
        reference: ref.description, digest: top.digest.description, mediaType: top.mediaType)
      if top.isIndex {
        guard let entry = top.select(platform: configuration.platform) else {
          throw RegistryError(
            .notFound, reference: ref.description,
            "no manifest for platform \(configuration.platform)")
        }
        out.platform = configuration.platform.description
        out.manifestDigest = entry.digest.description
        out.manifestMediaType = entry.mediaType
      } else {
        out.manifestDigest = top.digest.description
        out.manifestMediaType = top.mediaType
      }
      outcome = .success(out)
    } catch {
      outcome = .failure(error)
    }
    await client.shutdown()
    return try outcome.get()
  }

  /// The blob cache at `directory` (default `$XDG_CACHE_HOME/tailguard` or `~/.cache/tailguard`).
  public static func cache(_ directory: String?) -> BlobCache {
    BlobCache(root: directory ?? BlobCache.defaultRoot())
  }

  /// Entries and size of the cache.
  public static func cacheStatus(_ directory: String?) -> BlobCache.Status {
    cache(directory).status()
  }

  /// Removes least recently used entries until the cache fits `maxSize`; the count and bytes
  /// removed.
  public static func prune(_ directory: String?, maxSize: Int64) -> (entries: Int, bytes: Int64) {
    let removed = cache(directory).prune(maxSize: maxSize)
    return (removed.count, removed.reduce(Int64(0)) { $0 + $1.size })
  }

  /// One image `fill` downloaded: bytes from the network and bytes already cached, or why it
  /// failed.
  public struct Filled: Sendable, Hashable {
    public var reference: String
    public var manifestDigest: String?
    public var layers: Int
    public var fetched: Int64
    public var cached: Int64
    public var error: String?
  }

  /// Downloads each image's manifests, config and layers into the cache, every digest
  /// verified; one failed image does not stop the others.
  public static func fill(_ references: [String], settings: RegistrySettings, directory: String?)
    async throws -> [Filled]
  {
    let refs = try references.map { text throws(ScannerError) in try reference(text) }
    let client = try RegistryClient(configuration: try settings.configuration())
    let cache = cache(directory)
    var out: [Filled] = []
    for ref in refs {
      let source = RegistryImageSource(reference: ref, client: client, cache: cache)
      var filled = Filled(
        reference: ref.description, manifestDigest: nil, layers: 0, fetched: 0, cached: 0)
      do {
        let resolved = try await source.resolve()
        filled.manifestDigest = resolved.manifest.digest.description
        filled.layers = resolved.metadata.layers.count
        for layer in resolved.metadata.layers {
          let chunks = source.openLayer(layer)
          let fromCache = chunks.isCached
          var n: Int64 = 0
          for try await chunk in chunks { n += Int64(chunk.count) }
          if fromCache { filled.cached += n } else { filled.fetched += n }
        }
      } catch {
        filled.error = "\(error)"
      }
      out.append(filled)
    }
    await client.shutdown()
    return out
  }
}
