import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Advisories

/// The loopback feed server (Fixtures/feed_server.py), started per test on a free port.
final class FeedServer: @unchecked Sendable {
  let process = Process()
  let port: Int

  init(roots: [String: String]) throws {
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      [
        "python3", SharedData.packageRoot + "/Tests/AdvisoriesTests/Fixtures/feed_server.py",
        "--lifetime", "180",
      ]
      + roots.flatMap { ["--root", "\($0.key)=\($0.value)"] }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    var line = Data()
    while !line.contains(0x0A) {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    guard
      let port = Int(
        String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    else {
      process.terminate()
      throw AdvisoryError(.network, "feed server did not start")
    }
    self.port = port
  }

  var base: String { "http://127.0.0.1:\(port)" }

  deinit {
    // SIGKILL: a child spawned from a test thread can inherit a mask that blocks SIGTERM.
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }
}

@Suite(.serialized) struct UpdaterTests {
  /// Builds `PyPI/all.zip` (from a slice of the pypa data) and a corrupt twin under tmp.
  func makeFeeds(_ tmp: TemporaryDirectory) throws {
    let script = """
      import zipfile,glob,os,sys
      root=sys.argv[1]; out=sys.argv[2]
      os.makedirs(out+'/good/PyPI', exist_ok=True); os.makedirs(out+'/corrupt/PyPI', exist_ok=True)
      z=zipfile.ZipFile(out+'/good/PyPI/all.zip','w',zipfile.ZIP_DEFLATED)
      for d in ['requests','urllib3','jinja2','pyyaml']:
        for f in sorted(glob.glob(root+'/'+d+'/*.json')): z.write(f, os.path.basename(f))
      z.close()
      data=open(out+'/good/PyPI/all.zip','rb').read()
      bad=bytearray(data); bad[len(bad)//3:len(bad)//3+400]=b'\\0'*400
      open(out+'/corrupt/PyPI/all.zip','wb').write(bytes(bad))
      """
    let run = try ProcessRunner.run(
      "python3", ["-c", script, SharedData.path("advisories/pypa-osv-json"), tmp.path])
    #expect(run.status == 0)
  }

  func config(
    _ server: FeedServer, osv: String = "feeds/good",
    kev: String = "shared/kev/known_exploited_vulnerabilities.json",
    epss: String? = "shared/vunnel/epss/test-fixtures/example-1.csv"
  ) -> UpdateConfiguration {
    UpdateConfiguration(
      osvBaseURL: "\(server.base)/\(osv)", ecosystems: ["PyPI"], kevURL: "\(server.base)/\(kev)",
      epssURL: epss.map { "\(server.base)/\($0)" }, maxAttempts: 3, initialBackoff: 0.05,
      timeout: 30)
  }

  static func fingerprint(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
  }

  @Test(
    .enabled(if: Oracles.gate(ProcessRunner.hasPython), "needs python3 for the loopback server"))
  func updateConditionalRequestsAndAtomicFailures() async throws {
    let tmp = try TemporaryDirectory()
    try makeFeeds(tmp)
    let server = try FeedServer(roots: ["feeds": tmp.path, "shared": SharedData.root])
    let dbPath = tmp.file("db/tailguard.db")

    // 1. First update fills the database.
    let first = try await AdvisoryUpdater(databasePath: dbPath, configuration: config(server)).run()
    #expect(first.swapped)
    #expect(first.feeds.map(\.state) == [.updated, .updated, .updated])
    let store = try SQLiteAdvisoryStore(path: dbPath, readOnly: true)
    let status = try store.status()
    #expect(status.kevEntries == 1404)
    #expect(status.epssScores == 5)
    #expect(
      try store.advisories(ecosystem: "PyPI", name: "requests").contains {
        $0.id == "PYSEC-2018-28" && $0.source == "osv:PyPI"
      })
    #expect(try store.source(named: "osv:PyPI")?.etag != nil)
    store.close()
    let before = try Self.fingerprint(dbPath)

    // 2. Nothing changed upstream: every feed answers 304 and the file is untouched.
    let second = try await AdvisoryUpdater(databasePath: dbPath, configuration: config(server))
      .run()
    #expect(!second.swapped)
    #expect(second.feeds.map(\.state) == [.notModified, .notModified, .notModified])
    #expect(try Self.fingerprint(dbPath) == before)

    // 3. A corrupt archive aborts the update and leaves the previous database intact.
    let freshDB = tmp.file("db2/tailguard.db")
    try FileManager.default.createDirectory(
      atPath: tmp.file("db2"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: dbPath, toPath: freshDB)
    // Clear validators by using a URL whose ETag differs (the corrupt file) — same source name.
    await #expect(throws: AdvisoryError.self) {
      _ = try await AdvisoryUpdater(
        databasePath: freshDB, configuration: self.config(server, osv: "feeds/corrupt")
      ).run()
    }
    #expect(try Self.fingerprint(freshDB) == before)

    // 4. A truncated download (every attempt) aborts too; no staging files are left behind.
    await #expect(throws: AdvisoryError.self) {
      _ = try await AdvisoryUpdater(
        databasePath: freshDB,
        configuration: self.config(
          server, kev: "fault/truncate/shared/vunnel/kev/test-fixtures/valid-catalog-1.json")
      ).run()
    }
    #expect(try Self.fingerprint(freshDB) == before)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.file("db2")).filter {
      $0 != "tailguard.db"
    }
    #expect(leftovers.isEmpty, "left behind: \(leftovers)")

    // 5. A 500 on the first attempt is retried; the new KEV catalog replaces the old one.
    let retried = try await AdvisoryUpdater(
      databasePath: freshDB,
      configuration: config(
        server, kev: "fault/500once/shared/vunnel/kev/test-fixtures/valid-catalog-1.json")
    ).run()
    #expect(retried.swapped)
    let after = try SQLiteAdvisoryStore(path: freshDB, readOnly: true)
    let kevCount = try after.status().kevEntries
    let oracle = try #require(
      ProcessRunner.python(
        "import json,sys; print(len(json.load(open(sys.argv[1]))['vulnerabilities']))",
        [SharedData.path("vunnel/kev/test-fixtures/valid-catalog-1.json")]))
    #expect(kevCount == Int(oracle.trimmingCharacters(in: .whitespacesAndNewlines)))
    #expect(try after.advisories(ecosystem: "PyPI", name: "urllib3").count > 5)
    after.close()
  }

  @Test(
    .enabled(if: Oracles.gate(ProcessRunner.hasPython), "needs python3 for the loopback server"))
  func persistent500FailsAfterRetries() async throws {
    let tmp = try TemporaryDirectory()
    try makeFeeds(tmp)
    let server = try FeedServer(roots: ["feeds": tmp.path, "shared": SharedData.root])
    do {
      _ = try await AdvisoryUpdater(
        databasePath: tmp.file("x.db"), configuration: config(server, osv: "fault/500/feeds/good")
      ).run()
      Issue.record("expected a failure")
    } catch {
      #expect(error.code == .network)
      #expect(error.message.contains("3 attempts"))
    }
    #expect(!FileManager.default.fileExists(atPath: tmp.file("x.db")))
  }
}
