// tailguard-bench: the matching benchmark behind bench/match-bench.sh (a benchmark, not a test).
//
// Builds an advisory database of at least 100,000 affected ranges from the real PyPI, Go and
// RustSec records of ../shared/data/advisories (copies renamed `NAME-copyN`, so every range is a
// real one), 10,000 packages whose names exist in it (every lookup hits) at versions taken from
// the records' own events (so ranges are really evaluated), and times the match stage alone.
//
// usage: tailguard-bench match SHARED_DATA_DIR [WORK_DIR]
//        tailguard-bench seed-server ... (SeedServer.swift)
//        tailguard-bench graph [PACKAGES] [ROUNDS] (GraphBench.swift)
import Advisories
import Foundation
import Matching
import TailguardModel

func seconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("tailguard-bench: \(message)\n".utf8))
  exit(2)
}

let args = CommandLine.arguments
// Seeding a server database for bench/rematch.sh and bench/server-load.sh: SeedServer.swift.
if args.count >= 2, args[1] == "seed-server" { seedServer(Array(args.dropFirst(2))) }
// The dependency graph's build and render times for bench/graph.sh: GraphBench.swift.
if args.count >= 2, args[1] == "graph" { graphBench(Array(args.dropFirst(2))) }
guard args.count >= 3, args[1] == "match" else {
  fail("usage: tailguard-bench match SHARED_DATA_DIR [WORK_DIR]")
}
let data = args[2]
let work =
  args.count > 3
  ? args[3] : NSTemporaryDirectory() + "tailguard-bench-" + UUID().uuidString
try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { if args.count <= 3 { try? FileManager.default.removeItem(atPath: work) } }

let real = AdvisoryImporter().load(paths: [
  data + "/advisories/pypa-osv-json", data + "/advisories/go-vulndb/osv",
  data + "/advisories/rustsec-osv/crates",
]).records.filter { $0.advisory.withdrawn == nil }
guard !real.isEmpty else { fail("no advisories under \(data)/advisories") }
func rangeCount(_ records: [AdvisoryRecord]) -> Int {
  records.reduce(0) { $0 + $1.advisory.affected.reduce(0) { $0 + max(1, $1.ranges.count) } }
}
let copies = (100_000 + rangeCount(real) - 1) / rangeCount(real)
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
let dbPath = work + "/bench.db"
// A database left in an explicit WORK_DIR by an earlier run is reused (for profiling runs).
if args.count <= 3 || !FileManager.default.fileExists(atPath: dbPath) {
  try? FileManager.default.removeItem(atPath: dbPath)
  do {
    let store = try SQLiteAdvisoryStore(path: dbPath)
    try store.write(ImportBatch(records: records))
  } catch {
    fail("cannot write the database: \(error)")
  }
}

var names: [(Ecosystem, String, String)] = []
for r in records {
  for p in r.advisory.affected {
    let eco: Ecosystem = p.ecosystem == "PyPI" ? .pypi : (p.ecosystem == "Go" ? .golang : .cargo)
    let version =
      p.ranges.filter { $0.kind != .git }.flatMap(\.events).first { $0.kind == .fixed }?.version
      ?? "1.0.0"
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

// The store is opened fresh (as a scan does) and the match stage timed on its own, best of 5.
var best = Double.infinity
var findings = 0
var diagnostics: [String: Int] = [:]
let runs = Int(ProcessInfo.processInfo.environment["BENCH_RUNS"] ?? "") ?? 5
for _ in 0..<runs {
  guard let fresh = try? SQLiteAdvisoryStore(path: dbPath, readOnly: true) else {
    fail("cannot reopen \(dbPath)")
  }
  var result = MatchResult()
  let elapsed = ContinuousClock().measure { result = Matcher(store: fresh).match(bom) }
  best = min(best, seconds(elapsed))
  findings = result.findings.count
  diagnostics = Dictionary(grouping: result.diagnostics, by: \.code).mapValues(\.count)
}
// BENCH_DUMP=FILE writes the findings and diagnostics of the last run, one JSON line each, so
// two builds of the matcher can be compared for identical output.
if let dump = ProcessInfo.processInfo.environment["BENCH_DUMP"],
  let fresh = try? SQLiteAdvisoryStore(path: dbPath, readOnly: true)
{
  let result = Matcher(store: fresh).match(bom)
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  var out = Data()
  for f in result.findings {
    out += (try? encoder.encode(f)) ?? Data()
    out += Data("\n".utf8)
  }
  for d in result.diagnostics {
    out += (try? encoder.encode(d)) ?? Data()
    out += Data("\n".utf8)
  }
  _ = FileManager.default.createFile(atPath: dump, contents: out)
}
// The store lookups alone (the serial part of the match stage), for the README's breakdown.
var lookup = Double.infinity
if let fresh = try? SQLiteAdvisoryStore(path: dbPath, readOnly: true) {
  let byEcosystem = Dictionary(grouping: names.prefix(10_000), by: { $0.0 })
  for _ in 0..<3 {
    let t = ContinuousClock().measure {
      for (eco, list) in byEcosystem {
        let osv = eco == .pypi ? "PyPI" : (eco == .golang ? "Go" : "crates.io")
        _ = try? fresh.advisories(ecosystem: osv, names: list.map(\.1))
      }
    }
    lookup = min(lookup, seconds(t))
  }
}
print("BENCH lookup: the store queries alone take \(String(format: "%.3f", lookup)) s")
print(
  "BENCH match: \(packages.count) packages against \(rangeCount(records)) affected ranges (\(records.count) advisories) in \(String(format: "%.3f", best)) s (best of \(runs)), \(findings) findings, diagnostics \(diagnostics.sorted { $0.key < $1.key })"
)
guard rangeCount(records) >= 100_000, findings > 0 else { fail("benchmark data too small") }
