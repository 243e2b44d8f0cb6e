import Synchronization
import TailguardModel

/// Prepared advisory groups kept across matches against one store that does not change: a
/// server matching thousands of stored SBOMs against the advisory data it opened reads and
/// prepares each lookup key's advisories once, not once per image (most images share most
/// keys). Bounded: past `capacity` keys it starts again empty. Its owner drops it when the data
/// changes (a server re-opening its database makes a new one).
public final class PreparedGroupCache: Sendable {
  struct Entry: Sendable {
    var group: PreparedGroup
    /// What preparing the group reported (the same diagnostics every time it is used).
    var diagnostics: Set<Diagnostic>
  }

  public let capacity: Int
  private let entries = Mutex<[Matcher.GroupKey: Entry]>([:])

  public init(capacity: Int = 100_000) {
    self.capacity = max(1, capacity)
  }

  /// The keys held, for metrics and tests.
  public var count: Int { entries.withLock { $0.count } }

  func get(_ keys: [Matcher.GroupKey]) -> [Matcher.GroupKey: Entry] {
    entries.withLock { held in
      var found: [Matcher.GroupKey: Entry] = [:]
      for key in keys { if let e = held[key] { found[key] = e } }
      return found
    }
  }

  func put(_ new: [(Matcher.GroupKey, Entry)]) {
    guard !new.isEmpty else { return }
    entries.withLock { held in
      if held.count + new.count > capacity { held.removeAll(keepingCapacity: true) }
      for (key, entry) in new.prefix(capacity) { held[key] = entry }
    }
  }
}
