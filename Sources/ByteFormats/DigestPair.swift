/// The two digests of a layer stream (the blob as stored and its uncompressed content), computed
/// off the decoding thread once a stream is large enough to be worth it. SHA-256 of the
/// uncompressed bytes costs about a fifth of inflating them; on a second core it costs nothing,
/// which keeps an image read close to the bare decompression floor.
///
/// The first `inlineLimit` bytes are hashed inline (small layers never start a thread); after
/// that, bytes are copied into a `ChunkWorker` (at most `maxQueued` bytes waiting, so memory
/// stays bounded when the hasher falls behind) whose thread takes over the hasher state.
final class DigestPair {
  enum Stream: Sendable { case blob, content }

  private var blob: BlobHasher?
  private var content: BlobHasher?
  private var worker: ChunkWorker<Stream>?
  private var hashers: Hashers?
  private(set) var blobCount: Int64 = 0
  private(set) var contentCount: Int64 = 0
  let inlineLimit: Int64
  let maxQueued: Int

  private let wantsBlob: Bool
  private let wantsContent: Bool

  init(
    blob: BlobHasher?, content: BlobHasher?, inlineLimit: Int64 = 4 << 20,
    maxQueued: Int = 8 << 20
  ) {
    self.blob = blob
    self.content = content
    wantsBlob = blob != nil
    wantsContent = content != nil
    self.inlineLimit = inlineLimit
    self.maxQueued = maxQueued
  }

  func update(_ stream: Stream, _ bytes: UnsafeRawBufferPointer) {
    guard !bytes.isEmpty else { return }
    switch stream {
    case .blob:
      guard wantsBlob else { return }
      blobCount += Int64(bytes.count)
    case .content:
      guard wantsContent else { return }
      contentCount += Int64(bytes.count)
    }
    if let worker {
      // Hashing never throws, so neither does sending.
      try? worker.send(stream, bytes)
      return
    }
    switch stream {
    case .blob: blob?.update(bytes)
    case .content: content?.update(bytes)
    }
    if blobCount + contentCount > inlineLimit {
      let hashers = Hashers(blob: blob, content: content)
      self.hashers = hashers
      worker = ChunkWorker(name: "tailguard-digest", maxQueued: maxQueued) { stream, bytes in
        switch stream {
        case .blob: hashers.blob?.update(bytes)
        case .content: hashers.content?.update(bytes)
        }
      }
      blob = nil
      content = nil
    }
  }

  /// The final hashers (waits for the worker to drain its queue).
  func finish() -> (blob: BlobHasher?, content: BlobHasher?) {
    if let worker, let hashers {
      try? worker.finish()
      self.worker = nil
      self.hashers = nil
      blob = hashers.blob
      content = hashers.content
    }
    return (blob, content)
  }

  /// The hashers while the worker owns them (touched only by the worker until `finish`).
  private final class Hashers {
    var blob: BlobHasher?
    var content: BlobHasher?
    init(blob: BlobHasher?, content: BlobHasher?) {
      self.blob = blob
      self.content = content
    }
  }
}
