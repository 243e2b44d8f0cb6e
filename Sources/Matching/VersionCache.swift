import VersionSchemes

/// Parsed versions by (scheme, text), for one matching worker. A scan evaluates the same event
/// versions (and the same installed version) against many ranges; parsing each once turns the
/// match stage from parse-bound into compare-bound. Bounded: cleared when it reaches `capacity`.
struct VersionCache {
  private struct Key: Hashable {
    var scheme: VersionSchemeKind
    var text: String
  }
  private var entries: [Key: AnyVersion?] = [:]
  let capacity: Int

  init(capacity: Int = 200_000) {
    self.capacity = capacity
  }

  /// The parsed version, or nil when `text` is not a valid version of `scheme`.
  mutating func parse(_ text: String, _ scheme: VersionSchemeKind) -> AnyVersion? {
    let key = Key(scheme: scheme, text: text)
    if let hit = entries[key] { return hit }
    if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
    let parsed = try? scheme.parse(text)
    entries[key] = .some(parsed)
    return parsed
  }
}
