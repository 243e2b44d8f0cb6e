import ByteFormats
import Foundation
import TailguardModel

/// tailguard's built-in **starter set**: a handful of real advisories, copied from public OSV
/// data and checked by hand against the packages of the project's planted demo image
/// (requests 2.19.0, urllib3 1.24.1, PyYAML 5.3, Jinja2 2.10, certifi 2018.4.16, idna 2.7, a
/// go1.15.2 binary). It lets the Quick start show real findings, with their real severities,
/// with no network. It is NOT a vulnerability database: load full data with
/// `tailguard db update` (online) or `tailguard db import PATH…` (OSV exports, Alpine secdb,
/// KEV, EPSS).
///
/// The records live in `Resources/starter-set.json`, written by `scripts/make-starter-set.py`
/// from `../shared/data` (each record's provenance, and the source of any CVSS vector the
/// script added, is in the file), and are compiled into the binary (`embedInCode`), so they
/// work from any binary location. They are parsed once per process.
public enum StarterSet {
  /// Shown whenever the starter set is used instead of a real database.
  public static var notice: String {
    """
    Using tailguard's built-in STARTER advisory set (\(records.count) hand-checked advisories, for demonstration only). \
    Load full data with `tailguard db update`, or offline with `tailguard db import PATH…`.
    """
  }

  /// One embedded record with where it came from.
  public struct Entry: Sendable {
    /// Repository, commit, path and licence of the OSV record.
    public var provenance: String
    /// Where the CVSS vector added to a record that carried none comes from (GHSA or NVD).
    public var severitySource: String?
    public var record: AdvisoryRecord
  }

  /// The embedded records with their provenance, parsed once (source `starter`).
  public static let entries: [Entry] = parse(PackageResources.starter_set_json)

  /// The starter records (source `starter`).
  public static var records: [AdvisoryRecord] { entries.map(\.record) }

  /// An in-memory store holding the starter set.
  public static func makeStore() -> InMemoryAdvisoryStore {
    let store = InMemoryAdvisoryStore()
    try? store.write(batch)
    return store
  }

  /// The starter set as an import batch (e.g. to seed an empty database).
  public static var batch: ImportBatch {
    let r = records
    return ImportBatch(
      records: r,
      sources: [
        SourceInfo(
          name: "starter", kind: "osv", location: "built-in starter set", records: r.count,
          importedAt: "1970-01-01T00:00:00Z")
      ])
  }

  /// Parses the embedded file: an array of `{provenance, severitySource?, record}`. The file is
  /// built into the binary and checked by the tests, so a record that does not parse is a
  /// build defect; it is left out rather than stopping the scan.
  static func parse(_ bytes: [UInt8]) -> [Entry] {
    let parser = OSVParser(sourceOverride: "starter")
    guard let items = try? JSONDecoder().decode([Item].self, from: Data(bytes)) else { return [] }
    return items.compactMap { item -> Entry? in
      // The record is stored as its text with sorted keys, as OSV exports are stored verbatim.
      guard let provenance = item.provenance, let record = item.record, case .object = record,
        let parsed = parser.parse(
          Array(record.text(escapingSlashes: true).utf8), path: "starter:\(provenance)"
        ).record
      else { return nil }
      return Entry(provenance: provenance, severitySource: item.severitySource, record: parsed)
    }
  }

  /// One element of `starter-set.json`; the OSV record inside is parsed by `OSVParser`.
  struct Item: Decodable {
    @Lenient var provenance: String?
    @Lenient var severitySource: String?
    @Lenient var record: JSONValue?
  }
}
