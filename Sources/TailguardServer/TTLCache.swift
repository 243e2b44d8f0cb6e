import Foundation

/// Values by key for TTL, bounded (cleared when full).
final class TTLCache<Value: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var entries: [String: (value: Value, until: ContinuousClock.Instant)] = [:]
  let ttl: Duration
  static var capacity: Int { 4096 }

  init(ttl: Duration) { self.ttl = ttl }

  func get(_ key: String) -> Value? {
    lock.withLock {
      guard let e = entries[key], e.until > .now else { return nil }
      return e.value
    }
  }

  func put(_ key: String, _ value: Value) {
    lock.withLock {
      if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
      entries[key] = (value, .now + ttl)
    }
  }
}
