import Advisories
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Matching

/// Benchmarks behind `bench/match-bench.sh` (not timed tests): they run only with
/// `TAILGUARD_BENCH=1` and print figures for the README.
@Suite(.serialized) struct MatchingBenchmark {
  static let enabled = ProcessInfo.processInfo.environment["TAILGUARD_BENCH"] == "1"

  /// Import rate for all of advisories/ and database size against the JSON it holds.
  @Test(.enabled(if: enabled && SharedData.isAvailable)) func importRateAndSize() throws {
    let tmp = try TemporaryDirectory(prefix: "tailguard-bench")
    let root = SharedData.path("advisories")
    var jsonBytes = 0
    let walker = FileManager.default.enumerator(atPath: root)
    while let rel = walker?.nextObject() as? String {
      guard rel.hasSuffix(".json") || rel.hasSuffix(".yaml") else { continue }
      jsonBytes +=
        (try? FileManager.default.attributesOfItem(atPath: root + "/" + rel)[.size] as? Int) ?? 0
    }
    let clock = ContinuousClock()
    var batch = ImportBatch()
    let parse = clock.measure { batch = AdvisoryImporter().load(paths: [root]) }
    let store = try SQLiteAdvisoryStore(path: tmp.file("bench.db"))
    let write = try clock.measure { try store.write(batch) }
    store.close()
    let size =
      (try FileManager.default.attributesOfItem(atPath: tmp.file("bench.db"))[.size] as? Int) ?? 0
    let total = Self.seconds(parse + write)
    print(
      """
      BENCH import: \(batch.records.count) advisories from advisories/ in \(String(format: "%.2f", total)) s \
      (parse \(String(format: "%.2f", Self.seconds(parse))) s, write \(String(format: "%.2f", Self.seconds(write))) s) \
      = \(Int(Double(batch.records.count) / total)) advisories/s
      BENCH size: database \(size / 1024) KiB vs \(jsonBytes / 1024) KiB of source JSON/YAML (\(String(format: "%.2f", Double(size) / Double(jsonBytes)))×)
      """)
    #expect(batch.records.count > 8000)
  }

  /// 10,000 packages against ≥100,000 affected ranges made from real records by renaming.
  @Test(.enabled(if: enabled && SharedData.isAvailable)) func match10kPackagesAgainst100kRanges()
    throws
  {
    let tmp = try TemporaryDirectory(prefix: "tailguard-bench")
    let real = AdvisoryImporter().load(paths: [
      SharedData.path("advisories/pypa-osv-json"), SharedData.path("advisories/go-vulndb/osv"),
      SharedData.path("advisories/rustsec-osv/crates"),
    ]).records.filter { $0.advisory.withdrawn == nil }
    let rangesPerCopy = real.reduce(0) {
      $0 + $1.advisory.affected.reduce(0) { $0 + max(1, $1.ranges.count) }
    }
    let copies = (100_000 + rangesPerCopy - 1) / rangesPerCopy
    var records: [AdvisoryRecord] = []
    for c in 0..<copies {
      for r in real {
        var a = r.advisory
        a.id += "-copy\(c)"
        a.aliases = a.aliases.map { "\($0)-copy\(c)" }
        for i in a.affected.indices { a.affected[i].name += "-copy\(c)" }
        records.append(AdvisoryRecord(advisory: a, rawJSON: r.rawJSON))
      }
    }
    let ranges = records.reduce(0) {
      $0 + $1.advisory.affected.reduce(0) { $0 + max(1, $1.ranges.count) }
    }
    let store = try SQLiteAdvisoryStore(path: tmp.file("bench.db"))
    try store.write(ImportBatch(records: records))
    // 10,000 packages: names that exist in the data (so every lookup hits), versions taken from
    // the records' own events so ranges are really evaluated.
    var names: [(Ecosystem, String, String)] = []
    for r in records {
      for p in r.advisory.affected {
        let eco: Ecosystem =
          p.ecosystem == "PyPI" ? .pypi : (p.ecosystem == "Go" ? .golang : .cargo)
        let version = p.ranges.flatMap(\.events).first { $0.kind == .fixed }?.version ?? "1.0.0"
        names.append((eco, p.name, version))
      }
      if names.count >= 10_000 { break }
    }
    let packages = names.prefix(10_000).enumerated().map { i, n in
      Package(
        name: n.1, version: n.0 == .golang ? "v" + n.2 : n.2, ecosystem: n.0,
        purl: PackageURL(type: n.0.rawValue, name: n.1, version: n.2),
        locations: [Location(path: "p/\(i)")], foundBy: "bench")
    }
    let bom = SoftwareBOM(
      image: ImageMetadata(target: "bench", sourceKind: "directory"), packages: packages)
    let clock = ContinuousClock()
    var result = MatchResult()
    let elapsed = clock.measure { result = Matcher(store: store).match(bom) }
    print(
      "BENCH match: \(packages.count) packages against \(ranges) affected ranges (\(records.count) advisories) in \(String(format: "%.3f", Self.seconds(elapsed))) s, \(result.findings.count) findings"
    )
    #expect(ranges >= 100_000)
    #expect(!result.findings.isEmpty)
  }

  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
  }
}
