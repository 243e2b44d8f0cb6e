import Foundation

/// The two digests of a layer stream (the blob as stored and its uncompressed content), computed
/// off the decoding thread once a stream is large enough to be worth it. SHA-256 of the
/// uncompressed bytes costs about a fifth of inflating them; on a second core it costs nothing,
/// which keeps an image read close to the bare decompression floor.
///
/// The first `inlineLimit` bytes are hashed inline (small layers never start a thread); after
/// that, bytes are copied into a bounded queue (at most `maxQueued` bytes waiting, so memory
/// stays bounded when the hasher falls behind) and a worker thread takes over the hasher state.
final class DigestPair {
  enum Stream: Sendable { case blob, content }

  private var blob: BlobHasher?
  private var content: BlobHasher?
  private var worker: Worker?
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
      worker.state.enqueue(stream, [UInt8](bytes), maxQueued: maxQueued)
      return
    }
    switch stream {
    case .blob: blob?.update(bytes)
    case .content: content?.update(bytes)
    }
    if blobCount + contentCount > inlineLimit {
      worker = Worker(blob: blob, content: content)
      blob = nil
      content = nil
    }
  }

  /// The final hashers (waits for the worker to drain its queue).
  func finish() -> (blob: BlobHasher?, content: BlobHasher?) {
    if let worker {
      let result = worker.state.drain()
      self.worker = nil
      blob = result.blob
      content = result.content
    }
    return (blob, content)
  }

  /// Owns the worker thread's lifetime: dropping it (an error mid-stream) stops the thread.
  private final class Worker {
    let state: State
    init(blob: BlobHasher?, content: BlobHasher?) {
      state = State(blob: blob, content: content)
      let state = self.state
      let thread = Thread { state.run() }
      thread.name = "tailguard-digest"
      thread.start()
    }
    deinit { state.cancel() }
  }

  /// Queue and hashers shared with the worker thread, guarded by `condition`.
  private final class State: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [(Stream, [UInt8])] = []
    private var head = 0
    private var queued = 0
    private var closed = false
    private var finished = false
    private var blob: BlobHasher?
    private var content: BlobHasher?

    init(blob: BlobHasher?, content: BlobHasher?) {
      self.blob = blob
      self.content = content
    }

    func enqueue(_ stream: Stream, _ bytes: [UInt8], maxQueued: Int) {
      condition.lock()
      while queued >= maxQueued && !finished { condition.wait() }
      queue.append((stream, bytes))
      queued += bytes.count
      condition.broadcast()
      condition.unlock()
    }

    func run() {
      condition.lock()
      while true {
        while head == queue.count && !closed { condition.wait() }
        if head == queue.count {
          finished = true
          condition.broadcast()
          condition.unlock()
          return
        }
        let (stream, bytes) = queue[head]
        queue[head].1 = []
        head += 1
        if head > 64 && head * 2 > queue.count {
          queue.removeFirst(head)
          head = 0
        }
        condition.unlock()
        bytes.withUnsafeBytes { raw in
          switch stream {
          case .blob: blob?.update(raw)
          case .content: content?.update(raw)
          }
        }
        condition.lock()
        queued -= bytes.count
        condition.broadcast()
      }
    }

    func drain() -> (blob: BlobHasher?, content: BlobHasher?) {
      condition.lock()
      closed = true
      condition.broadcast()
      while !finished { condition.wait() }
      let result = (blob, content)
      condition.unlock()
      return result
    }

    func cancel() {
      condition.lock()
      queue.removeAll()
      head = 0
      queued = 0
      closed = true
      condition.broadcast()
      condition.unlock()
    }
  }
}
