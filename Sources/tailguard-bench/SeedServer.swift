// tailguard-bench seed-server: fills a server database (SQLite path or postgres:// URL) with the
// generated SBOMs of bench/rematch-gen.py through the same engine call `POST /api/v1/sboms` makes
// (`ServerEngine.indexSBOM`: read the CycloneDX document, match, key, fingerprint, store), minus
// HTTP, so 10,000 images are seeded in minutes.
//
// usage: tailguard-bench seed-server DATABASE ADVISORY_DB SBOMS.jsonl IMAGES.tsv
import Foundation
import Logging
import Scanner
import TailguardServer

func seedServer(_ args: [String]) -> Never {
  guard args.count == 4 else {
    fail("usage: tailguard-bench seed-server DATABASE ADVISORY_DB SBOMS.jsonl IMAGES.tsv")
  }
  let done = DispatchSemaphore(value: 0)
  Task.detached {
    do {
      try await seed(database: args[0], advisories: args[1], sboms: args[2], index: args[3])
    } catch {
      fail("seed-server: \(error)")
    }
    done.signal()
  }
  done.wait()
  exit(0)
}

func seed(database: String, advisories: String, sboms: String, index: String) async throws {
  let lines = try Data(contentsOf: URL(fileURLWithPath: sboms)).split(separator: 0x0A)
  let images = try String(contentsOfFile: index, encoding: .utf8).split(separator: "\n").map {
    $0.split(separator: "\t").map(String.init)
  }
  guard lines.count == images.count, images.allSatisfy({ $0.count == 2 }) else {
    fail("\(sboms) has \(lines.count) documents, \(index) \(images.count) digest/reference lines")
  }
  var logger = Logger(label: "tailguard-bench.seed")
  logger.logLevel = .warning
  let store = try SQLServerStore.open(database)
  let engine = ServerEngine(
    store: store, choice: AdvisoryChoice(path: advisories, named: true),
    scanOptions: ScanOptions(), allowLocalTargets: false, metrics: ServerMetrics(),
    logger: logger)
  _ = try await engine.start()
  let clock = ContinuousClock()
  let started = clock.now
  var findings = 0
  var packages = 0
  for (i, line) in lines.enumerated() {
    let answer = try await engine.indexSBOM(
      data: Data(line), reference: images[i][1], digest: images[i][0])
    findings += answer.openFindings
    packages += answer.packages
    if (i + 1) % 1000 == 0 {
      let s = seconds(clock.now - started)
      FileHandle.standardError.write(
        Data("seed-server: \(i + 1) images in \(String(format: "%.1f", s)) s\n".utf8))
    }
  }
  let s = seconds(clock.now - started)
  print(
    "SEED: \(lines.count) images, \(packages) packages, \(findings) open findings in \(String(format: "%.1f", s)) s (\(String(format: "%.0f", Double(lines.count) / s)) images/s) into \(store.location)"
  )
  store.driver.close()
}
