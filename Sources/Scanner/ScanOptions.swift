import Catalogers
import FileTrees
import ImageSources
import TailguardModel

/// Options of one scan, gathered from flags, environment and the config file by the CLI.
public struct ScanOptions: Sendable {
  /// Platform to select from a multi-platform index (default linux/amd64).
  public var platform: Platform?
  public var catalog: CatalogOptions
  /// Another image whose layers count as "base" for layer attribution (`--base`).
  public var baseImage: String?
  /// Registry client settings for `registry:` targets (credentials, TLS, insecure hosts).
  public var registry: RegistryClientConfiguration
  /// Blob cache for registry targets; nil disables caching.
  public var cache: BlobCache?
  /// Layer prefixes already read in this run (`fleet scan`): images on a shared base read only
  /// their own layers. nil: every image is read whole.
  public var layerCache: LayerPrefixCache?
  /// Report progress (layer N of M) on stderr.
  public var progress: (@Sendable (String) -> Void)?

  public init(
    platform: Platform? = nil, catalog: CatalogOptions = CatalogOptions(), baseImage: String? = nil,
    progress: (@Sendable (String) -> Void)? = nil
  ) {
    self.platform = platform
    self.catalog = catalog
    self.baseImage = baseImage
    self.progress = progress
    self.registry = RegistryClientConfiguration()
    self.cache = BlobCache(root: BlobCache.defaultRoot())
  }
}
