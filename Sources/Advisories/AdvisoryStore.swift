import TailguardModel

/// Read access to advisory data, as the matcher needs it. Implementations: `SQLiteAdvisoryStore`
/// (production, one file) and `InMemoryAdvisoryStore` (tests, starter set).
public protocol AdvisoryStore: Sendable {
  /// Advisories with an `affected` entry for `name` in the OSV `ecosystem` (exact ecosystem
  /// string, e.g. `Debian:12`; the name is compared through `PackageNameKey`). Each returned
  /// advisory's `affected` holds only the matching entries. Withdrawn records are included
  /// (the matcher decides), sorted by (id, source).
  func advisories(ecosystem: String, name: String) throws(AdvisoryError) -> [Advisory]
  /// The same lookup for many names of one ecosystem at once, keyed by each name as given
  /// (names without advisories are absent). A scan asks for thousands of names; stores answer
  /// them in a few queries instead of one each.
  func advisories(ecosystem: String, names: [String]) throws(AdvisoryError) -> [String: [Advisory]]
  /// KEV entries for any of these ids (non-CVE ids are ignored).
  func kevEntries(for ids: [String]) throws(AdvisoryError) -> [KEVEntry]
  /// EPSS scores for any of these ids.
  func epssScores(for ids: [String]) throws(AdvisoryError) -> [EPSSScore]
}

extension AdvisoryStore {
  public func advisories(ecosystem: String, names: [String]) throws(AdvisoryError)
    -> [String: [Advisory]]
  {
    var out: [String: [Advisory]] = [:]
    for name in Set(names) {
      let found = try advisories(ecosystem: ecosystem, name: name)
      if !found.isEmpty { out[name] = found }
    }
    return out
  }
}

/// Something import batches can be written to.
public protocol AdvisoryWritableStore: AdvisoryStore {
  func write(_ batch: ImportBatch) throws(AdvisoryError)
}
