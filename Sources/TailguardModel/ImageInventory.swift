/// What `tailguard inventory` reports: the image's identity and layers, and for each layer how
/// many of the files visible in the squashed view it last wrote (and their bytes).
public struct ImageInventory: Sendable, Codable, Hashable {
  public struct LayerSummary: Sendable, Codable, Hashable {
    public var index: Int
    public var digest: Digest?
    public var diffID: Digest?
    public var mediaType: String?
    public var size: Int64
    public var createdBy: String?
    /// Visible non-directory entries whose content this layer wrote last.
    public var files: Int
    /// Their bytes (regular files).
    public var bytes: Int64
    /// Entries this layer added that are still visible.
    public var added: Int
    public init(
      index: Int, digest: Digest?, diffID: Digest?, mediaType: String?, size: Int64,
      createdBy: String?,
      files: Int, bytes: Int64, added: Int
    ) {
      self.index = index
      self.digest = digest
      self.diffID = diffID
      self.mediaType = mediaType
      self.size = size
      self.createdBy = createdBy
      self.files = files
      self.bytes = bytes
      self.added = added
    }
  }

  public var image: ImageMetadata
  public var layers: [LayerSummary]
  public var totalFiles: Int
  public var totalBytes: Int64
  public var diagnostics: [Diagnostic]

  public init(
    image: ImageMetadata, layers: [LayerSummary], totalFiles: Int, totalBytes: Int64,
    diagnostics: [Diagnostic]
  ) {
    self.image = image
    self.layers = layers
    self.totalFiles = totalFiles
    self.totalBytes = totalBytes
    self.diagnostics = diagnostics
  }

  /// Summarises a built stack (image or directory).
}
