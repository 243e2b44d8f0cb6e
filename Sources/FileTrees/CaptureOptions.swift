/// Bounds on the walk and on what it keeps of the files catalogers asked for.
public struct CaptureOptions: Sendable, Hashable {
  /// Captured files up to this size stay in memory; larger ones are spooled to a temporary file.
  public var memoryThreshold: Int64
  /// Most bytes kept in memory across all captured files.
  public var memoryBudget: Int64
  /// Most bytes spooled to disk across all captured files.
  public var diskBudget: Int64
  /// Most entries in the index (all layers together).
  public var maxEntries: Int
  /// Directory in which the per-scan spool directory is created (removed afterwards).
  public var temporaryDirectory: String?
  /// A file whose selectors want content markers is held in memory up to this size while it
  /// streams (one file at a time), and spooled only once a marker (or, for ELF, a marker
  /// section) shows it is worth keeping. 256 MiB holds the large shared libraries and programs
  /// of real images (libLLVM, node, terraform), which would otherwise be written to disk only
  /// to be deleted.
  public var markerBufferLimit: Int64 = 256 << 20

  public init(
    memoryThreshold: Int64 = 1 << 20, memoryBudget: Int64 = 512 << 20, diskBudget: Int64 = 8 << 30,
    maxEntries: Int = 10_000_000, temporaryDirectory: String? = nil
  ) {
    self.memoryThreshold = memoryThreshold
    self.memoryBudget = memoryBudget
    self.diskBudget = diskBudget
    self.maxEntries = maxEntries
    self.temporaryDirectory = temporaryDirectory
  }
}
