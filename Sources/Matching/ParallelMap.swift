import Foundation

/// Maps independent, pure work items on all cores and returns the results in input order, so
/// parallel matching stays deterministic. One item (or one core) runs inline.
enum ParallelMap {
  static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: (T) -> R) -> [R] {
    let workers = min(items.count, ProcessInfo.processInfo.activeProcessorCount)
    guard workers > 1 else { return items.map(transform) }
    let results = Results<R>(count: items.count)
    withoutActuallyEscaping(transform) { transform in
      let work = UncheckedBox(transform)
      DispatchQueue.concurrentPerform(iterations: items.count) { i in
        results.set(i, work.value(items[i]))
      }
    }
    return results.collect()
  }

  /// Result slots written by workers under a lock (each slot once).
  private final class Results<R: Sendable>: @unchecked Sendable {
    private var slots: [R?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: R) {
      lock.lock()
      slots[i] = value
      lock.unlock()
    }
    func collect() -> [R] {
      lock.lock()
      defer { lock.unlock() }
      return slots.compactMap { $0 }
    }
  }

  /// The transform only reads values captured before the parallel section.
  private struct UncheckedBox<V>: @unchecked Sendable {
    let value: V
    init(_ value: V) { self.value = value }
  }
}
