import Foundation

/// Maps independent, pure work items on all cores and returns the results in input order, so
/// parallel matching stays deterministic. One item (or one core) runs inline.
public enum ParallelMap {
  public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: (T) -> R) -> [R] {
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

/// An append-only buffer whose elements can be moved out in bulk. Joining the findings of
/// parallel workers by copying them out of Arrays costs more than making them (a retain per
/// field on the way in, a release per field when the parts are freed); moving is a memcpy.
/// Each buffer is filled by one worker and handed over when the worker is done.
final class MoveBuffer<T>: @unchecked Sendable {
  private var base: UnsafeMutablePointer<T>
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int = 64) {
    self.capacity = max(1, capacity)
    base = .allocate(capacity: self.capacity)
  }

  deinit {
    base.deinitialize(count: count)
    base.deallocate()
  }

  func append(_ value: consuming T) {
    if count == capacity {
      let grown = UnsafeMutablePointer<T>.allocate(capacity: capacity * 2)
      grown.moveInitialize(from: base, count: count)
      base.deallocate()
      base = grown
      capacity *= 2
    }
    (base + count).initialize(to: value)
    count += 1
  }

  /// The elements of `buffers` in order, moved out (the buffers are left empty).
  static func concatenate(_ buffers: [MoveBuffer<T>]) -> [T] {
    let total = buffers.reduce(0) { $0 + $1.count }
    return [T](unsafeUninitializedCapacity: total) { out, initialized in
      var offset = 0
      for b in buffers {
        if b.count > 0, let start = out.baseAddress {
          (start + offset).moveInitialize(from: b.base, count: b.count)
        }
        offset += b.count
        b.count = 0
      }
      initialized = total
    }
  }
}
