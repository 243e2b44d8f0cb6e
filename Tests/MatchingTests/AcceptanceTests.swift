import Advisories
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Matching

@Suite(.serialized) struct AcceptanceTests {
  /// The planted image's Python packages report every PYSEC id of planted.expected-inventory.json,
  /// exactly the records an independent evaluator finds, and nothing for chardet.
  @Test(
    .enabled(if: Oracles.gate(MatchingFixtures.hasOracle), "needs python3 with univers/packaging"))
  func plantedPythonPackages() throws {
    let db = try #require(MatchingFixtures.database)
    let inventory =
      try JSONSerialization.jsonObject(
        with: Data(
          contentsOf: URL(
            fileURLWithPath: SharedData.path("images/built/planted.expected-inventory.json"))))
      as? [String: Any]
    let installed = try #require(inventory?["python"] as? [[String: String]])
    let expectedIDs = try #require(
      inventory?["pypa_advisories_whose_enumerated_versions_list_contains_the_installed_version"]
        as? [String: [[String: Any]]])
    let packages = installed.compactMap { p in
      p["name"].flatMap { n in p["version"].map { MatchingFixtures.python(n, $0) } }
    }
    #expect(packages.count == 7)
    let bom = SoftwareBOM(
      image: MatchingFixtures.image(), distro: Distro(id: "debian", versionID: "12"),
      packages: packages)
    let result = Matcher(store: db.store).match(bom)
    // Findings come out in their documented order (package, then primary id) without a final
    // sort: the matcher visits packages in that order.
    #expect(result.findings == result.findings.sorted())
    for (key, list) in expectedIDs {
      let parts = key.split(separator: "=", omittingEmptySubsequences: true)
      let name = String(parts[0])
      let found = Set(result.findings.filter { $0.packageName == name }.flatMap(\.recordIDs))
      let expected = Set(list.compactMap { $0["id"] as? String })
      #expect(
        expected.isSubset(of: found), "\(name): missing \(expected.subtracting(found).sorted())")
      if expected.isEmpty {
        #expect(found.isEmpty, "\(name) has no advisories but got \(found.sorted())")
      }
    }
    // Independent evaluation of the same OSV files (packaging.Version ranges + versions lists).
    let oracle = try #require(
      MatchingFixtures.oracle(
        ["osv", SharedData.path("advisories/pypa-osv-json"), "PyPI", "pypi"]
          + installed.map { "\(PackageNameKey.pep503($0["name"] ?? ""))=\($0["version"] ?? "")" }))
    // The oracle prints advisory package names as spelled in the record; compare on ids.
    let oracleIDs = Set(oracle.compactMap { $0.split(separator: "\t").last.map(String.init) })
    let ours = Set(result.findings.flatMap(\.recordIDs))
    #expect(
      ours == oracleIDs,
      "only ours: \(ours.subtracting(oracleIDs).sorted()) only oracle: \(oracleIDs.subtracting(ours).sorted())"
    )
    // Evidence and fix data.
    let requests = try #require(
      result.findings.first {
        $0.packageName == "requests" && $0.recordIDs.contains("PYSEC-2018-28")
      })
    #expect(requests.primaryID == "CVE-2018-18074")
    #expect(requests.advisoryIDs == ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"])
    #expect(requests.fixState == .fixed)
    #expect(requests.fixedVersion == "2.20.0")
    #expect(requests.introducedBy == MatchingFixtures.layer)
    #expect(
      requests.evidence.contains {
        $0.rangeKind == "ECOSYSTEM" && $0.matchedRange == "introduced 0, fixed 2.20.0"
          && $0.scheme == "pypi"
      })
    #expect(requests.evidence.contains { $0.rangeKind == "versions" })
    #expect(result.findings == result.findings.sorted())
  }

  /// Go: trivy's test.elf (go1.15.2 + 3 modules) against go-vulndb, checked by the independent evaluator.
  @Test(.enabled(if: Oracles.gate(MatchingFixtures.hasOracle), "needs python3 with univers"))
  func goBinaryModulesAndStdlib() throws {
    let db = try #require(MatchingFixtures.database)
    let binary = SharedData.path(
      "binaries/trivy/pkg/dependency/parser/golang/binary/testdata/test.elf")
    // Module list as `go version -m` prints it; hard-coded copy used when go is absent.
    var goVersion = "go1.15.2"
    var deps: [(String, String)] = [
      ("github.com/aquasecurity/go-pep440-version", "v0.0.0-20210121094942-22b2f8951d46"),
      ("github.com/aquasecurity/go-version", "v0.0.0-20210121072130-637058cfe492"),
      ("golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1"),
    ]
    if let run = try? ProcessRunner.run("go", ["version", "-m", binary]), run.status == 0 {
      let lines = run.stdout.split(separator: "\n")
      goVersion =
        lines.first.flatMap { $0.split(separator: " ").last.map(String.init) } ?? goVersion
      deps = lines.map { $0.split(separator: "\t").map(String.init) }.filter {
        $0.first == "dep" && $0.count >= 3
      }.map { ($0[1], $0[2]) }
    }
    #expect(goVersion == "go1.15.2")
    #expect(deps.count == 3)
    let packages = deps.map {
      MatchingFixtures.goModule(
        $0.0, $0.1, binary: "usr/local/bin/gobin-with-deps", goVersion: goVersion)
    }
    let result = Matcher(store: db.store).match(
      SoftwareBOM(image: MatchingFixtures.image(), packages: packages))
    let oracle = try #require(
      MatchingFixtures.oracle(
        [
          "osv", SharedData.path("advisories/go-vulndb/osv"), "Go", "semver",
          "stdlib=\(MatchTarget.goToolchainSemver(goVersion))",
        ]
          + deps.map { "\($0.0)=\(MatchTarget.goModuleSemver($0.1))" }))
    let ours = Set(result.findings.flatMap { f in f.recordIDs.map { "\(f.packageName)\t\($0)" } })
    #expect(!oracle.isEmpty)
    #expect(
      ours == oracle,
      "only ours: \(ours.subtracting(oracle).sorted().prefix(10)) only oracle: \(oracle.subtracting(ours).sorted().prefix(10))"
    )
    let stdlib = result.findings.filter { $0.packageName == "stdlib" }
    #expect(
      stdlib.allSatisfy {
        $0.packageVersion == "go1.15.2" && $0.introducedBy == MatchingFixtures.layer
      })
    #expect(stdlib.allSatisfy { $0.fixState == .fixed && $0.fixedVersion != nil })
  }

  /// The alpine-310 image's 14 apk packages against the v3.10 secdb: exactly the CVEs whose fixed
  /// version is above the installed one, per the independent evaluator.
  @Test(.enabled(if: Oracles.gate(MatchingFixtures.hasOracle), "needs python3 with univers/PyYAML"))
  func alpine310Image() throws {
    let db = try #require(MatchingFixtures.database)
    let archive = SharedData.path("images/trivy-fanal/alpine-310.tar.gz")
    let run = try ProcessRunner.run(
      "sh",
      [
        "-c",
        "for l in $(tar -tzf '\(archive)' | grep layer.tar); do tar -xzOf '\(archive)' $l | tar -xO lib/apk/db/installed; done",
      ])
    #expect(run.status == 0)
    let listing = run.stdout
    var packages: [Package] = []
    var fields: [String: String] = [:]
    for line in (listing + "\n").split(separator: "\n", omittingEmptySubsequences: false) {
      if line.isEmpty {
        if let p = fields["P"], let v = fields["V"] {
          packages.append(
            MatchingFixtures.apk(p, v, origin: fields["o"] ?? p, index: packages.count))
        }
        fields = [:]
      } else if line.count > 2, line.dropFirst().first == ":" {
        fields[String(line.prefix(1))] = String(line.dropFirst(2))
      }
    }
    #expect(packages.count == 14)
    let bom = SoftwareBOM(
      image: MatchingFixtures.image(), distro: Distro(id: "alpine", versionID: "3.10.4"),
      packages: packages)
    let result = Matcher(store: db.store).match(bom)
    let files = ["main", "community"].map {
      SharedData.path("advisories/alpine-secdb/v3.10/\($0).yaml")
    }
    let origins = Dictionary(
      packages.map { ($0.source?.name ?? $0.name, $0.version) }, uniquingKeysWith: { a, _ in a })
    let oracle = try #require(
      MatchingFixtures.oracle(["secdb"] + files + ["--"] + origins.map { "\($0.key)=\($0.value)" }))
    let ours = Set(
      result.findings.flatMap { f in f.recordIDs.map { "\(f.packages_source(packages))\t\($0)" } })
    #expect(ours == oracle)
  }

  /// Differential: every (package, fixed version) of the v3.10 secdb, installed at each of that
  /// package's fixed versions, matched by us and by univers' AlpineLinuxVersion.
  @Test(.enabled(if: Oracles.gate(MatchingFixtures.hasOracle), "needs python3 with univers/PyYAML"))
  func alpineSecdbDifferential() throws {
    let db = try #require(MatchingFixtures.database)
    let main = SharedData.path("advisories/alpine-secdb/v3.10/main.yaml")
    let parsed = AlpineSecDBParser().parse(
      Array(try Data(contentsOf: URL(fileURLWithPath: main))), path: main)
    var versions: [String: Set<String>] = [:]
    for r in parsed.records {
      for p in r.advisory.affected {
        for e in p.ranges.flatMap(\.events) where e.kind == .fixed {
          versions[p.name, default: []].insert(e.version)
        }
      }
    }
    // One package per (name, one of its fixed versions); the oracle runs once per version slot.
    var ours: Set<String> = []
    var expected: Set<String> = []
    let maxSlots = versions.values.map(\.count).max() ?? 0
    for slot in 0..<min(maxSlots, 4) {
      var chosen: [String: String] = [:]
      for (name, set) in versions {
        let sorted = set.sorted()
        chosen[name] = sorted[slot % sorted.count]
      }
      let packages = chosen.keys.sorted().enumerated().map {
        MatchingFixtures.apk($1, chosen[$1]!, origin: $1, index: $0)
      }
      let bom = SoftwareBOM(
        image: MatchingFixtures.image(), distro: Distro(id: "alpine", versionID: "3.10.0"),
        packages: packages)
      let result = Matcher(store: db.store).match(bom)
      ours.formUnion(
        result.findings.flatMap { f in f.recordIDs.map { "\(slot)\t\(f.packageName)\t\($0)" } })
      let community = SharedData.path("advisories/alpine-secdb/v3.10/community.yaml")
      let oracle = try #require(
        MatchingFixtures.oracle(
          ["secdb", main, community, "--"] + chosen.map { "\($0.key)=\($0.value)" }))
      expected.formUnion(oracle.map { "\(slot)\t\($0)" })
    }
    #expect(expected.count > 100)
    #expect(
      ours == expected,
      "only ours: \(ours.subtracting(expected).sorted().prefix(10)) only oracle: \(expected.subtracting(ours).sorted().prefix(10))"
    )
  }
}

extension Finding {
  /// The source package name of this finding's package, looked up in the list.
  fileprivate func packages_source(_ packages: [Package]) -> String {
    packages.first { $0.id == packageID }?.source?.name ?? packageName
  }
}
