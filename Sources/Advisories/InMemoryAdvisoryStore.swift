import Foundation
import TailguardModel

/// An advisory store held in memory: for tests and for the built-in starter set. Same query
/// semantics as `SQLiteAdvisoryStore`.
public final class InMemoryAdvisoryStore: AdvisoryWritableStore, @unchecked Sendable {
  private let lock = NSLock()
  private var byKey: [String: [String: Advisory]] = [:]  // "eco\u{0}name" → "id\u{0}source" → advisory (filtered)
  private var kev: [String: KEVEntry] = [:]
  private var epss: [String: EPSSScore] = [:]
  private var sourcesByName: [String: SourceInfo] = [:]

  public init(advisories: [Advisory] = [], kev: [KEVEntry] = [], epss: [EPSSScore] = []) {
    write(
      records: advisories.map { AdvisoryRecord(advisory: $0, rawJSON: "") }, kev: kev, epss: epss)
  }

  public func write(_ batch: ImportBatch) throws(AdvisoryError) {
    lock.lock()
    if batch.replaceSources {
      let names = Set(batch.sources.map(\.name))
      for (key, map) in byKey { byKey[key] = map.filter { !names.contains($0.value.source) } }
    }
    for s in batch.sources { sourcesByName[s.name] = s }
    lock.unlock()
    write(records: batch.records, kev: batch.kev, epss: batch.epss)
  }

  private func write(records: [AdvisoryRecord], kev newKEV: [KEVEntry], epss newEPSS: [EPSSScore]) {
    lock.lock()
    defer { lock.unlock() }
    for record in records {
      let a = record.advisory
      let recordKey = a.id + "\u{0}" + a.source
      // Replacing a record removes its old affected entries everywhere.
      for (key, var map) in byKey where map[recordKey] != nil {
        map[recordKey] = nil
        byKey[key] = map
      }
      var grouped: [String: [AffectedPackage]] = [:]
      for p in a.affected {
        grouped[
          p.ecosystem + "\u{0}" + PackageNameKey.normalize(ecosystem: p.ecosystem, name: p.name),
          default: []
        ].append(p)
      }
      for (key, entries) in grouped {
        var copy = a
        copy.affected = entries
        byKey[key, default: [:]][recordKey] = copy
      }
    }
    for e in newKEV { kev[e.cveID] = e }
    for e in newEPSS { epss[e.cveID] = e }
  }

  public func advisories(ecosystem: String, name: String) throws(AdvisoryError) -> [Advisory] {
    lock.lock()
    defer { lock.unlock() }
    let key = ecosystem + "\u{0}" + PackageNameKey.normalize(ecosystem: ecosystem, name: name)
    return (byKey[key] ?? [:]).values.sorted { ($0.id, $0.source) < ($1.id, $1.source) }
  }

  public func kevEntries(for ids: [String]) throws(AdvisoryError) -> [KEVEntry] {
    lock.lock()
    defer { lock.unlock() }
    return Set(ids).compactMap { kev[$0] }.sorted()
  }

  public func epssScores(for ids: [String]) throws(AdvisoryError) -> [EPSSScore] {
    lock.lock()
    defer { lock.unlock() }
    return Set(ids).compactMap { epss[$0] }.sorted()
  }

  public var sources: [SourceInfo] {
    lock.lock()
    defer { lock.unlock() }
    return sourcesByName.values.sorted { $0.name < $1.name }
  }
}
