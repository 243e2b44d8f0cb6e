import ByteFormats
import Foundation
import TailguardModel

/// A content-addressed cache of blobs and manifests on disk, so rescanning a fleet whose images
/// share base layers downloads each layer once.
///
/// Layout: `<root>/blobs/<algorithm>/<hex>`, the OCI layout's own. A file appears only by renaming
/// a fully written temp file (`<root>/tmp/`) whose digest was verified, so a crash or a corrupt
/// download never leaves a bad entry. Recency for LRU eviction is the file's modification time,
/// refreshed on every read. Entries are immutable, so concurrent processes can share the cache.
public struct BlobCache: Sendable {
  public let root: String
  /// Size bound in bytes; eviction of least recently used entries keeps the cache under it.
  public var maxSize: Int64

  public static let defaultMaxSize: Int64 = 10 * 1024 * 1024 * 1024

  public init(root: String, maxSize: Int64 = BlobCache.defaultMaxSize) {
    self.root = root
    self.maxSize = maxSize
  }

  /// `$XDG_CACHE_HOME/tailguard`, else `~/.cache/tailguard`.
  public static func defaultRoot(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String {
    if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/tailguard" }
    let home = environment["HOME"] ?? NSHomeDirectory()
    return home + "/.cache/tailguard"
  }

  public func path(for digest: Digest) -> String {
    "\(root)/blobs/\(digest.algorithm)/\(digest.hex)"
  }

  public func contains(_ digest: Digest) -> Bool {
    FileManager.default.fileExists(atPath: path(for: digest))
  }

  /// Marks an entry as just used (LRU).
  func touch(_ path: String) {
    try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
  }

  /// Reads a whole entry (manifests, configs) when present and at most `limit` bytes.
  public func read(_ digest: Digest, limit: Int) throws(RegistryError) -> [UInt8]? {
    let p = path(for: digest)
    guard FileManager.default.fileExists(atPath: p) else { return nil }
    let bytes: [UInt8]
    do throws(ByteFormatError) {
      bytes = try BoundedFile.read(path: p, limit: limit)
    } catch  where error.code == .limitExceeded {
      throw RegistryError(
        .limitExceeded, reference: digest.description, "cached blob larger than \(limit) bytes")
    } catch {
      return nil  // gone or unreadable: the caller fetches it again
    }
    touch(p)
    return bytes
  }

  /// Stores bytes under their digest after checking it (temp file + rename).
  public func store(_ bytes: [UInt8], digest: Digest) throws(RegistryError) {
    guard digest.algorithm == "sha256" else { return }
    let pending = try beginWrite(digest)
    try pending.append(bytes)
    try pending.commit(verified: nil)
  }

  /// The chunks of a cached entry, read from disk in 1 MiB pieces; nil when not cached.
  public func stream(_ digest: Digest, chunkSize: Int = 1 << 20) -> CachedBlobSequence? {
    let p = path(for: digest)
    guard FileManager.default.fileExists(atPath: p) else { return nil }
    touch(p)
    return CachedBlobSequence(path: p, chunkSize: chunkSize)
  }

  /// Starts writing an entry; the bytes become visible only through `commit`. With
  /// `verifiedByCaller` the writer does not hash (the caller — a verifying registry stream —
  /// already does) and `commit` then requires the caller's verified digest.
  public func beginWrite(_ digest: Digest, verifiedByCaller: Bool = false) throws(RegistryError)
    -> PendingWrite
  {
    let tmp = root + "/tmp"
    do {
      try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
      try FileManager.default.createDirectory(
        atPath: "\(root)/blobs/\(digest.algorithm)", withIntermediateDirectories: true)
    } catch {
      throw RegistryError(.cache, reference: root, "cannot create cache directory: \(error)")
    }
    let temp = "\(tmp)/\(digest.hex).\(UUID().uuidString)"
    guard FileManager.default.createFile(atPath: temp, contents: nil),
      let handle = FileHandle(forWritingAtPath: temp)
    else {
      throw RegistryError(.cache, reference: root, "cannot create \(temp)")
    }
    return PendingWrite(
      cache: self, digest: digest, tempPath: temp, handle: handle, hashes: !verifiedByCaller)
  }

  /// A cache entry being written. Not shared between tasks; the lock only satisfies `Sendable`.
  public final class PendingWrite: @unchecked Sendable {
    let cache: BlobCache
    let digest: Digest
    let tempPath: String
    let handle: FileHandle
    /// Nil when the caller verifies the bytes (see `beginWrite`).
    var hasher: BlobHasher?
    var done = false
    let lock = NSLock()

    init(cache: BlobCache, digest: Digest, tempPath: String, handle: FileHandle, hashes: Bool) {
      self.cache = cache
      self.digest = digest
      self.tempPath = tempPath
      self.handle = handle
      hasher = hashes ? BlobHasher.sha256() : nil
    }

    deinit { discard() }

    public func append(_ bytes: [UInt8]) throws(RegistryError) {
      lock.lock()
      defer { lock.unlock() }
      guard !done else { return }
      do { try handle.write(contentsOf: bytes) } catch {
        throw RegistryError(.cache, reference: tempPath, "cannot write cache entry: \(error)")
      }
      hasher?.update(bytes)
    }

    /// Moves the entry into place if its digest matches: hashed here, or (for a writer that
    /// does not hash) `verified`, the digest the caller checked, must be this entry's.
    public func commit(verified: Digest?) throws(RegistryError) {
      lock.lock()
      defer { lock.unlock() }
      guard !done else { return }
      done = true
      try? handle.close()
      let ok: Bool
      let seen: String
      if let hasher {
        seen = "sha256:" + hasher.hex()
        ok = seen == digest.description && (verified == nil || verified == digest)
      } else {
        seen = verified?.description ?? "unverified"
        ok = verified == digest
      }
      guard ok else {
        try? FileManager.default.removeItem(atPath: tempPath)
        throw RegistryError(
          .digestMismatch, reference: digest.description,
          "refusing to cache bytes with digest \(seen)")
      }
      let final = cache.path(for: digest)
      if rename(tempPath, final) != 0 {
        try? FileManager.default.removeItem(atPath: tempPath)
        throw RegistryError(
          .cache, reference: final, "cannot move cache entry into place (errno \(errno))")
      }
      cache.evictIfNeeded(keeping: digest)
    }

    /// Drops the partial entry (failed or abandoned download).
    public func discard() {
      lock.lock()
      defer { lock.unlock() }
      guard !done else { return }
      done = true
      try? handle.close()
      try? FileManager.default.removeItem(atPath: tempPath)
    }
  }

  // MARK: - Status and eviction

  public struct Entry: Hashable, Sendable {
    public var digest: String
    public var size: Int64
    public var lastUsed: Date
  }

  public struct Status: Hashable, Sendable, Codable {
    public var root: String
    public var entries: Int
    public var totalBytes: Int64
    public var maxBytes: Int64
  }

  /// Every committed entry, most recently used first.
  public func entries() -> [Entry] {
    let fm = FileManager.default
    var out: [Entry] = []
    let blobs = root + "/blobs"
    for algorithm in (try? fm.contentsOfDirectory(atPath: blobs)) ?? [] {
      let dir = "\(blobs)/\(algorithm)"
      for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] {
        guard let a = try? fm.attributesOfItem(atPath: "\(dir)/\(name)") else { continue }
        out.append(
          Entry(
            digest: "\(algorithm):\(name)", size: (a[.size] as? NSNumber)?.int64Value ?? 0,
            lastUsed: (a[.modificationDate] as? Date) ?? .distantPast))
      }
    }
    return out.sorted { ($0.lastUsed, $0.digest) > ($1.lastUsed, $1.digest) }
  }

  public func status() -> Status {
    let all = entries()
    return Status(
      root: root, entries: all.count, totalBytes: all.reduce(0) { $0 + $1.size }, maxBytes: maxSize)
  }

  /// Removes least recently used entries until the total is at most `maxSize` (and stale temp
  /// files older than a day). Returns the entries removed.
  @discardableResult
  public func prune(maxSize: Int64? = nil, keeping: Digest? = nil) -> [Entry] {
    let bound = maxSize ?? self.maxSize
    var all = entries()
    var total = all.reduce(0) { $0 + $1.size }
    var removed: [Entry] = []
    while total > bound, let last = all.popLast() {
      if let keeping, last.digest == keeping.description { continue }
      let parts = last.digest.split(separator: ":")
      guard parts.count == 2 else { continue }
      if (try? FileManager.default.removeItem(atPath: "\(root)/blobs/\(parts[0])/\(parts[1])"))
        != nil
      {
        total -= last.size
        removed.append(last)
      }
    }
    let tmp = root + "/tmp"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] {
      let p = "\(tmp)/\(name)"
      if let a = try? FileManager.default.attributesOfItem(atPath: p),
        let m = a[.modificationDate] as? Date,
        m < Date().addingTimeInterval(-86_400)
      {
        try? FileManager.default.removeItem(atPath: p)
      }
    }
    return removed
  }

  func evictIfNeeded(keeping: Digest) {
    if status().totalBytes > maxSize { prune(keeping: keeping) }
  }
}

/// The chunks of a cached blob, read from its file (already verified when it was written).
public struct CachedBlobSequence: AsyncSequence, Sendable {
  public typealias Element = [UInt8]
  let path: String
  let chunkSize: Int

  public struct Iterator: AsyncIteratorProtocol {
    var handle: FileHandle?
    let path: String
    let chunkSize: Int
    var opened = false

    public mutating func next() async throws -> [UInt8]? {
      if !opened {
        opened = true
        guard let h = FileHandle(forReadingAtPath: path) else {
          throw RegistryError(.cache, reference: path, "cannot open cached blob")
        }
        handle = h
      }
      guard let handle else { return nil }
      let data: Data?
      do { data = try handle.read(upToCount: chunkSize) } catch {
        throw RegistryError(.cache, reference: path, "cannot read cached blob: \(error)")
      }
      guard let data, !data.isEmpty else {
        try? handle.close()
        self.handle = nil
        return nil
      }
      return [UInt8](data)
    }
  }

  public func makeAsyncIterator() -> Iterator { Iterator(path: path, chunkSize: chunkSize) }
}
