import Foundation
import NIOPosix

/// The store's interface is synchronous (GRDB's is; PostgreSQL statements wait on futures). Swift
/// concurrency has one cooperative thread per core — two here — so a handler that waited on the
/// database there would stall every other request. Request handlers run their store calls on this
/// pool of threads of its own instead; the engine's long work (matching, storing, re-matching) has
/// a thread of its own too (`ServerEngine.unownedExecutor`).
enum BlockingWork {
  /// As many threads as the PostgreSQL pool has connections (SQLite readers take fewer).
  static let threads = 8

  static let pool: NIOThreadPool = {
    let pool = NIOThreadPool(numberOfThreads: threads)
    pool.start()
    return pool
  }()

  /// Runs BODY on the pool and returns its result (or error).
  static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await pool.runIfActive(body)
  }
}

/// A serial executor on a thread of its own, for an actor whose work blocks (the engine's
/// matching and storing). Not an event loop: PostgreSQL statements wait on futures, which NIO
/// forbids on its event loop threads. The thread ends with `shutdown()` once its jobs ran.
final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private var stopping = false

  init(name: String) {
    let thread = Thread { [self] in loop() }
    thread.name = name
    thread.start()
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  func shutdown() {
    condition.lock()
    stopping = true
    condition.signal()
    condition.unlock()
  }

  private func loop() {
    while true {
      condition.lock()
      while jobs.isEmpty && !stopping { condition.wait() }
      let batch = jobs
      jobs.removeAll()
      let done = batch.isEmpty && stopping
      condition.unlock()
      if done { return }
      for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
    }
  }
}
