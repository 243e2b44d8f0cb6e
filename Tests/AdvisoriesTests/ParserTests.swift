import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Advisories

@Suite struct OSVParserTests {
  @Test func parsesEveryGoVulndbRecordAndKeepsWithdrawn() throws {
    let dir = SharedData.path("advisories/go-vulndb/osv")
    let batch = AdvisoryImporter().load(paths: [dir])
    let oracle = try #require(
      ProcessRunner.python(
        "import json,glob,sys; fs=glob.glob(sys.argv[1]+'/*.json'); ds=[json.load(open(f)) for f in fs];"
          + "print(len(ds), sum('withdrawn' in d for d in ds), sum(len(d.get('affected',[])) for d in ds))",
        [dir]))
    let numbers = oracle.split(separator: " ").compactMap {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    #expect(batch.records.count == numbers[0])
    #expect(batch.records.filter { $0.advisory.withdrawn != nil }.count == numbers[1])
    #expect(batch.records.reduce(0) { $0 + $1.advisory.affected.count } == numbers[2])
    #expect(batch.diagnostics.filter { $0.level == .error }.isEmpty)
    let record = try #require(batch.records.first { $0.advisory.id == "GO-2022-0493" })
    #expect(record.advisory.aliases == ["CVE-2022-29526", "GHSA-p782-xgp4-8hr8"])
    #expect(record.advisory.source == "osv:Go")
    let stdlib = try #require(record.advisory.affected.first { $0.name == "stdlib" })
    #expect(stdlib.ranges.first?.kind == .semver)
    #expect(
      stdlib.ranges.first?.events == [
        RangeEvent(.introduced, "0"), RangeEvent(.fixed, "1.17.10"),
        RangeEvent(.introduced, "1.18.0-0"),
        RangeEvent(.fixed, "1.18.2"),
      ])
    #expect(stdlib.ecosystemSpecific?.contains("\"Faccessat\"") == true)
    #expect(record.rawJSON.contains("\"GO-2022-0493\""))
  }

  @Test func pypaRecordsKeepGitRangesAndVersions() throws {
    let path = SharedData.path("advisories/pypa-osv-json/requests/PYSEC-2018-28.json")
    let out = OSVParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
    let a = try #require(out.record?.advisory)
    #expect(a.affected.count == 1)
    #expect(a.affected[0].ranges.map(\.kind) == [.git, .ecosystem])
    #expect(a.affected[0].ranges[0].repo == "https://github.com/requests/requests")
    #expect(a.affected[0].versions.contains("2.19.0"))
    #expect(a.affected[0].versions.count == 134)
  }

  @Test func malformedFieldsBecomeDiagnosticsNamingFileAndField() {
    let json = """
      {"id": "TEST-1", "aliases": "CVE-1", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "x"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": 3}]},
                    {"type": "BOGUS", "events": [{"introduced": "0"}]}]},
        {"package": {"name": "no-ecosystem"}}
      ]}
      """
    let out = OSVParser().parse(Array(json.utf8), path: "/tmp/t.json")
    let a = out.record?.advisory
    #expect(a?.affected.count == 1)
    #expect(a?.affected.first?.ranges.first?.events == [RangeEvent(.introduced, "0")])
    let messages = out.diagnostics.map(\.message).joined(separator: "\n")
    #expect(messages.contains("'aliases'"))
    #expect(messages.contains("'affected[0].ranges[0].events[1]'"))
    #expect(messages.contains("'affected[0].ranges[1].type'"))
    #expect(messages.contains("'affected[1].package'"))
    #expect(out.diagnostics.allSatisfy { $0.path?.hasPrefix("/tmp/t.json") == true })
  }

  @Test func brokenFilesDoNotAbortADirectoryImport() throws {
    let tmp = try TemporaryDirectory()
    try "{not json".write(toFile: tmp.file("a.json"), atomically: false, encoding: .utf8)
    try #"{"id": 5}"#.write(toFile: tmp.file("b.json"), atomically: false, encoding: .utf8)
    try FileManager.default.copyItem(
      atPath: SharedData.path("advisories/pypa-osv-json/requests/PYSEC-2018-28.json"),
      toPath: tmp.file("c.json"))
    let batch = AdvisoryImporter().load(paths: [tmp.path])
    #expect(batch.records.map(\.advisory.id) == ["PYSEC-2018-28"])
    #expect(
      batch.diagnostics.contains { $0.code == "osv.bad-json" && $0.path == tmp.file("a.json") })
    #expect(
      batch.diagnostics.contains { $0.code == "import.skipped" || $0.code == "osv.missing-field" })
  }
}

@Suite struct FeedParserTests {
  @Test(.enabled(if: Oracles.gate(ProcessRunner.hasPython), "needs python3 with PyYAML"))
  func alpineSecDBMatchesAnIndependentYAMLReading() throws {
    for file in ["main", "community"] {
      let path = SharedData.path("advisories/alpine-secdb/v3.10/\(file).yaml")
      let out = AlpineSecDBParser().parse(
        Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
      #expect(out.distroVersion == "v3.10")
      // Oracle: PyYAML's BaseLoader (all scalars strings) → (package, fixed, id) triples.
      let oracle = try #require(
        ProcessRunner.python(
          """
          import yaml,sys
          doc=yaml.load(open(sys.argv[1]),Loader=yaml.BaseLoader)
          for p in doc['packages']:
            for k,vs in (p['pkg'].get('secfixes') or {}).items():
              if k=='0': continue
              for c in vs or []:
                for t in c.split(): print(p['pkg']['name']+'\\t'+k+'\\t'+t)
          """, [path]))
      let expected = Set(oracle.split(separator: "\n").map(String.init))
      var got = Set<String>()
      for r in out.records {
        #expect(r.advisory.source == "alpine-secdb:v3.10/\(file)")
        for p in r.advisory.affected {
          #expect(p.ecosystem == "Alpine:v3.10")
          for range in p.ranges {
            for e in range.events where e.kind == .fixed {
              got.insert("\(p.name)\t\(e.version)\t\(r.advisory.id)")
            }
          }
        }
      }
      #expect(got == expected)
      #expect(!got.isEmpty)
    }
  }

  @Test func alpineNeverAffectedVersionZeroProducesNoRange() {
    let yaml = """
      distroversion: v3.15
      reponame: main
      packages:
        - pkg:
            name: foo
            secfixes:
              0:
                - CVE-2020-0001
              1.2-r1:
                - CVE-2020-0002 CVE-2020-0003
      """
    let out = AlpineSecDBParser().parse(Array(yaml.utf8), path: "x/main.yaml")
    #expect(out.records.map(\.advisory.id) == ["CVE-2020-0002", "CVE-2020-0003"])
    #expect(out.diagnostics.contains { $0.code == "secdb.never-affected" })
  }

  /// Alpine's real v3.3/community.yaml ends in `packages:` with nothing after it: no advisories,
  /// no error. A `packages` that is a mapping or a word is still refused.
  @Test func alpineEmptyPackagesIsNoAdvisoriesNotAnError() throws {
    let path = SharedData.path("advisories/alpine-secdb/v3.3/community.yaml")
    let real = AlpineSecDBParser().parse(
      Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
    #expect(real.records.isEmpty)
    #expect(!real.diagnostics.contains { $0.level == .error }, "\(real.diagnostics)")
    for bad in ["packages: nothing", "packages:\n  a: b"] {
      let out = AlpineSecDBParser().parse(
        Array("distroversion: v3.3\nreponame: community\n\(bad)\n".utf8), path: "x/c.yaml")
      #expect(out.records.isEmpty)
      #expect(out.diagnostics.contains { $0.code == "secdb.missing-field" }, "\(bad)")
    }
  }

  @Test(.enabled(if: Oracles.gate(ProcessRunner.hasPython), "needs python3"))
  func kevCatalogParsesEveryEntry() throws {
    let path = SharedData.path("kev/known_exploited_vulnerabilities.json")
    let out = KEVParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
    let oracle = try #require(
      ProcessRunner.python(
        "import json,sys; v=json.load(open(sys.argv[1]))['vulnerabilities']; print(len(v), sum(x['knownRansomwareCampaignUse']=='Known' for x in v))",
        [path]))
    let n = oracle.split(separator: " ").compactMap {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    #expect(out.entries.count == n[0])
    #expect(out.entries.filter(\.knownRansomwareCampaignUse).count == n[1])
    #expect(out.catalogVersion == "2025.08.25")
    #expect(out.diagnostics.isEmpty)
    let second = SharedData.path("vunnel/kev/test-fixtures/valid-catalog-1.json")
    let other = KEVParser().parse(
      Array(try Data(contentsOf: URL(fileURLWithPath: second))), path: second)
    #expect(other.entries.contains { $0.cveID == "CVE-2025-0108" && $0.dateAdded == "2025-02-18" })
  }

  @Test func epssFixturesOneValidTwoMalformed() throws {
    func parse(_ name: String) throws -> EPSSParser.Output {
      let path = SharedData.path("vunnel/epss/test-fixtures/\(name)")
      return EPSSParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
    }
    let ok = try parse("example-1.csv")
    #expect(ok.scores.count == 5)
    #expect(ok.modelVersion == "v2023.03.01")
    #expect(ok.scoreDate == "2025-02-20")
    #expect(ok.scores.first?.cveID == "CVE-1999-0001")
    #expect(ok.scores.first?.score == 0.00383)
    #expect(ok.diagnostics.isEmpty)
    let badHeader = try parse("invalid-header.csv")
    #expect(badHeader.scores.isEmpty)
    #expect(
      badHeader.diagnostics.contains {
        $0.code == "epss.bad-header" && $0.level == .error && $0.line == 2
      })
    let noDate = try parse("missing-date.csv")
    #expect(noDate.scoreDate == nil)
    #expect(noDate.diagnostics.contains { $0.code == "epss.bad-header" && $0.level == .warning })
  }

  @Test func epssGzipIsImported() throws {
    let tmp = try TemporaryDirectory()
    let plain = SharedData.path("vunnel/epss/test-fixtures/example-1.csv")
    let run = try ProcessRunner.run(
      "sh", ["-c", "gzip -c '\(plain)' > '\(tmp.file("epss.csv.gz"))'"])
    #expect(run.status == 0)
    let batch = AdvisoryImporter().load(paths: [tmp.file("epss.csv.gz")])
    #expect(batch.epss.count == 5)
    #expect(batch.sources.contains { $0.name == "epss" && $0.dataDate == "2025-02-20" })
  }
}
