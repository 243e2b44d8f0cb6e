import Foundation

/// One worker thread fed through a bounded queue of byte chunks: the producer copies each chunk
/// in (`send`) and goes on, the worker hands it to `consume`. It takes work that only reads a
/// stream (hashing, tar parsing) off the thread that produces the stream (inflating), so on two
/// cores that work costs nothing as long as it is faster than the producer.
///
/// - Memory is bounded: at most `maxQueued` bytes wait; `send` blocks while the worker is
///   behind. Chunk buffers are recycled, so a long stream allocates only a handful of them.
/// - `consume` runs on the worker thread only, in order; state it captures belongs to the
///   worker until `finish` returns (which waits for the queue to drain, so everything the
///   worker wrote is visible to the caller afterwards).
/// - The first error `consume` throws stops consumption: later chunks are dropped, and the
///   next `send` and `finish` throw it.
/// - Dropping the worker without `finish` (the producer failed) stops the thread.
public final class ChunkWorker<Tag: Sendable> {
  private let state: State

  public init(
    name: String, maxQueued: Int = 8 << 20,
    consume: @escaping (Tag, UnsafeRawBufferPointer) throws -> Void
  ) {
    state = State(maxQueued: max(1, maxQueued), consume: consume)
    let state = self.state
    // Named from inside: on Linux, a name set before `start()` never reaches the thread.
    let thread = Thread {
      Thread.current.name = name
      state.run()
    }
    thread.start()
  }

  deinit { state.cancel() }

  /// Queues a copy of `bytes`; throws the error the worker stopped with, if any.
  public func send(_ tag: Tag, _ bytes: UnsafeRawBufferPointer) throws {
    guard !bytes.isEmpty else { return }
    try state.enqueue(tag, bytes)
  }

  /// Waits until every queued chunk was consumed and ends the thread; throws the error the
  /// worker stopped with, if any.
  public func finish() throws {
    try state.drain()
  }

  /// Queue, buffer pool and worker state, guarded by `condition`.
  private final class State: @unchecked Sendable {
    private let condition = NSCondition()
    private let maxQueued: Int
    private let consume: (Tag, UnsafeRawBufferPointer) throws -> Void
    private var queue: [(Tag, [UInt8])] = []
    private var head = 0
    private var queued = 0
    private var pool: [[UInt8]] = []
    private var closed = false
    private var finished = false
    private var failure: (any Error)?

    init(maxQueued: Int, consume: @escaping (Tag, UnsafeRawBufferPointer) throws -> Void) {
      self.maxQueued = maxQueued
      self.consume = consume
    }

    func enqueue(_ tag: Tag, _ bytes: UnsafeRawBufferPointer) throws {
      condition.lock()
      while queued >= maxQueued && !finished && failure == nil { condition.wait() }
      if let failure {
        condition.unlock()
        throw failure
      }
      var buffer = pool.popLast() ?? []
      condition.unlock()
      // Copy outside the lock: the worker may be taking the previous chunk meanwhile.
      buffer.append(contentsOf: bytes)
      condition.lock()
      queue.append((tag, buffer))
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
        var (tag, bytes) = queue[head]
        queue[head].1 = []
        head += 1
        if head > 64 && head * 2 > queue.count {
          queue.removeFirst(head)
          head = 0
        }
        let failed = failure != nil
        condition.unlock()
        var error: (any Error)?
        if !failed {
          do {
            try bytes.withUnsafeBytes { try consume(tag, $0) }
          } catch let e {
            error = e
          }
        }
        let count = bytes.count
        bytes.removeAll(keepingCapacity: true)
        condition.lock()
        if let error, failure == nil { failure = error }
        if pool.count < 4 { pool.append(bytes) }
        queued -= count
        condition.broadcast()
      }
    }

    func drain() throws {
      condition.lock()
      closed = true
      condition.broadcast()
      while !finished { condition.wait() }
      let failure = self.failure
      condition.unlock()
      if let failure { throw failure }
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
