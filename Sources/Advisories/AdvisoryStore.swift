import TailguardModel

/// Read access to advisory data, as the matcher needs it. Implementations: `SQLiteAdvisoryStore`
/// (production, one file) and `InMemoryAdvisoryStore` (tests, starter set).
public protocol AdvisoryStore: Sendable {
  /// Advisories with an `affected` entry for `name` in the OSV `ecosystem` (exact ecosystem
  /// string, e.g. `Debian:12`; the name is compared through `PackageNameKey`). Each returned
  /// advisory's `affected` holds only the matching entries. Withdrawn records are included
  /// (the matcher decides), sorted by (id, source).
  func advisories(ecosystem: String, name: String) throws(AdvisoryError) -> [Advisory]
  /// KEV entries for any of these ids (non-CVE ids are ignored).
  func kevEntries(for ids: [String]) throws(AdvisoryError) -> [KEVEntry]
  /// EPSS scores for any of these ids.
  func epssScores(for ids: [String]) throws(AdvisoryError) -> [EPSSScore]
}

/// Something import batches can be written to.
public protocol AdvisoryWritableStore: AdvisoryStore {
  func write(_ batch: ImportBatch) throws(AdvisoryError)
}
