import Foundation
import ImageSources
import TailguardModel
import TailguardTesting
import Testing

/// `fleet scan` end to end on a generated fleet: 42 small images pushed to a real registry on
/// loopback, referenced from Kubernetes manifests, a Compose file, a Dockerfile and a usage
/// CSV with known replica counts, carrying real vulnerable PyPI packages matched against the
/// real PyPA advisories and the CISA KEV catalogue. The expected figures are computed here by
/// plain counting over the advisory files (`affected[].versions`), not by the code under test.
@Suite(.serialized) struct FleetScanRegistryTests {
  static var toolsAvailable: Bool {
    LoopbackRegistry.available && SharedData.isAvailable && TailguardCLI.binary != nil
  }

  /// The package each image carries, by index modulo 7.
  static let packages: [(name: String, version: String)] = [
    ("salt", "3000.1"), ("pyspark", "3.2.1"), ("searchor", "2.4.1"), ("duckdb", "0.9.2"),
    ("numexpr", "2.8.7"), ("six", "1.16.0"), ("six", "1.16.0"),
  ]
  static let imageCount = 42

  /// Severity of the CVSS vectors the chosen advisories carry (base scores from the CVSS 3.1
  /// specification's equations: 9.8, 7.8, 5.3). A vector not listed fails the test.
  static let vectorSeverity: [String: String] = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": "critical",
    "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:C/C:H/I:H/A:H": "high",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L": "medium",
  ]

  struct Expected {
    var total = 0
    var critical = 0
    var high = 0
    var kev = 0
    var fixable = 0
    var ids: Set<String> = []
    var alert: Bool { kev > 0 || criticalFixable > 0 }
    var criticalFixable = 0
  }

  /// The few OSV fields the count reads.
  struct OSV: Decodable {
    struct Severity: Decodable { var score: String }
    struct Range: Decodable {
      var type: String
      var events: [[String: String]]
    }
    struct Affected: Decodable {
      var versions: [String]?
      var ranges: [Range]?
    }
    var id: String
    var aliases: [String]?
    var severity: [Severity]?
    var affected: [Affected]
  }

  /// Plain counting: an advisory affects NAME VERSION when VERSION is in its enumerated
  /// `versions`; fixable when the range has a `fixed` event; known exploited when an alias is in
  /// the KEV catalogue.
  static func expectedFindings(_ name: String, _ version: String, kev: Set<String>) throws
    -> Expected
  {
    var e = Expected()
    let dir = SharedData.path("advisories/pypa-osv-json/\(name)")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    for file in files.sorted() where file.hasSuffix(".json") {
      let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(file)"))
      let doc = try JSONDecoder().decode(OSV.self, from: data)
      guard let entry = doc.affected.first(where: { ($0.versions ?? []).contains(version) })
      else { continue }
      e.total += 1
      e.ids.insert(doc.id)
      let severity = try (doc.severity ?? []).map { v in
        try #require(vectorSeverity[v.score], "unlisted vector \(v.score)")
      }.first
      if severity == "critical" { e.critical += 1 }
      if severity == "high" { e.high += 1 }
      if (doc.aliases ?? []).contains(where: kev.contains) { e.kev += 1 }
      let fixed = (entry.ranges ?? []).contains { r in
        r.type == "ECOSYSTEM" && r.events.contains { $0["fixed"] != nil }
      }
      if fixed { e.fixable += 1 }
      if fixed && severity == "critical" { e.criticalFixable += 1 }
    }
    return e
  }

  static func kevIDs() throws -> Set<String> {
    struct Catalogue: Decodable {
      struct Entry: Decodable { var cveID: String }
      var vulnerabilities: [Entry]
    }
    let data = try Data(
      contentsOf: URL(fileURLWithPath: SharedData.path("kev/known_exploited_vulnerabilities.json")))
    return Set(try JSONDecoder().decode(Catalogue.self, from: data).vulnerabilities.map(\.cveID))
  }

  /// Pushes image `i`: one layer with its Python package's METADATA and a motd naming it.
  static func push(_ i: Int, to registry: LoopbackRegistry) async throws -> String {
    let (name, version) = packages[i % 7]
    var tar = TarBuilder()
    tar.file("etc/motd", "fleet image \(i)\n")
    tar.file(
      "usr/local/lib/python3.11/site-packages/\(name)-\(version).dist-info/METADATA",
      "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n")
    var builder = ImageBuilder(layers: [.init(tar.bytes)])
    builder.user = i % 5 == 0 ? "" : "1000"
    let dir = registry.env.dir.file("image-\(i)")
    let written = try builder.writeBlobs(into: dir)
    for digest in written.layerDigests + [written.configDigest] {
      let bytes = try Data(
        contentsOf: URL(fileURLWithPath: "\(dir)/blobs/sha256/\(digest.dropFirst(7))"))
      _ = try await registry.client.pushBlob(
        registry: registry.host, repository: "fleet/app\(i)", bytes: [UInt8](bytes))
    }
    try await registry.client.pushManifest(
      registry: registry.host, repository: "fleet/app\(i)", reference: "v1",
      bytes: written.manifestBytes, mediaType: RegistryMediaType.ociManifest)
    return written.manifestDigest
  }

  /// The fleet's deployment files and usage file, and the replicas each image must get.
  static func writeFleet(host: String, digests: [String], into dir: TemporaryDirectory) throws
    -> [Int: Int]
  {
    func ref(_ i: Int) -> String { "\(host)/fleet/app\(i):v1" }
    var replicas: [Int: Int] = [:]
    var k8s = ""
    func deployment(_ name: String, kind: String = "Deployment", image: String, count: Int?) {
      let replicasLine = count.map { "  replicas: \($0)\n" } ?? ""
      k8s += """
        ---
        apiVersion: apps/v1
        kind: \(kind)
        metadata: {name: \(name), namespace: fleet}
        spec:
        \(replicasLine)  template:
            metadata: {labels: {app: \(name)}}
            spec:
              containers:
                - name: main
                  image: \(image)

        """
    }
    for i in 0..<36 where ![7, 8, 9].contains(i) {
      let n = 100 - 2 * i
      deployment("app\(i)", image: ref(i), count: n)
      replicas[i] = n
    }
    // A second workload for image 3; image 7 scaled to 0; image 41 pinned by digest.
    deployment("app3-stateful", kind: "StatefulSet", image: ref(3), count: 5)
    replicas[3, default: 0] += 5
    deployment("app7", image: ref(7), count: 0)
    replicas[7] = 0
    deployment("app41", image: "\(host)/fleet/app41@\(digests[41])", count: 4)
    replicas[41] = 4
    // A CronJob (image 8, parallelism unset: 1) and a DaemonSet (image 9, --daemonset-nodes 3).
    k8s += """
      ---
      apiVersion: batch/v1
      kind: CronJob
      metadata: {name: monthly, namespace: fleet}
      spec:
        schedule: "0 0 1 * *"
        jobTemplate:
          spec:
            template:
              spec:
                containers:
                  - {name: report, image: \(ref(8))}
                  - {name: ghost, image: \(host)/fleet/app0:nope}
      ---
      apiVersion: apps/v1
      kind: DaemonSet
      metadata: {name: agent, namespace: fleet}
      spec:
        template:
          metadata: {labels: {app: agent}}
          spec:
            hostNetwork: true
            containers: [{name: agent, image: \(ref(9))}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: app0, namespace: fleet}
      spec: {type: LoadBalancer, selector: {app: app0}}

      """
    replicas[8] = 1
    replicas[9] = 3
    try FileManager.default.createDirectory(
      atPath: dir.file("deploy/k8s"), withIntermediateDirectories: true)
    try k8s.write(toFile: dir.file("deploy/k8s/fleet.yaml"), atomically: true, encoding: .utf8)
    // Compose: images 36–38, one replica each.
    let compose = (36...38).map { "  svc\($0):\n    image: \(ref($0))\n" }.joined()
    try ("services:\n" + compose).write(
      toFile: dir.file("deploy/compose.yaml"), atomically: true, encoding: .utf8)
    for i in 36...38 { replicas[i] = 1 }
    // A Dockerfile naming image 40 and a base left to a variable.
    try "FROM \(ref(40)) AS build\nRUN true\nFROM ${BASE_IMAGE}\nCOPY --from=build /etc/motd /\n"
      .write(toFile: dir.file("deploy/Dockerfile"), atomically: true, encoding: .utf8)
    replicas[40] = 1
    // Usage: image 2's replicas overridden, image 1 gets pulls only (its replicas stay), image 39
    // only here, one malformed row.
    let usage = """
      image,pulls,replicas,team,unknown
      \(ref(2)),900,500,search,x
      \(ref(1)),10,,,
      \(ref(39)),5,2,batch,
      not an image,1,1,x,

      """
    try usage.write(toFile: dir.file("usage.csv"), atomically: true, encoding: .utf8)
    replicas[2] = 500
    replicas[39] = 2
    return replicas
  }

  @Test(.enabled(if: Oracles.gate(toolsAvailable)), .timeLimit(.minutes(10)))
  func generatedFleetSegmentsAlertsAndKeptSBOMs() async throws {
    let registry = try LoopbackRegistry()
    defer { Task { await registry.stop() } }
    let dir = try TemporaryDirectory(prefix: "tailguard-fleet")
    var digests: [String] = []
    for i in 0..<Self.imageCount { digests.append(try await Self.push(i, to: registry)) }
    let replicas = try Self.writeFleet(host: registry.host, digests: digests, into: dir)
    #expect(replicas.count == Self.imageCount)

    // The advisory data: the chosen packages' PyPA advisories and the KEV catalogue.
    let db = dir.file("advisories.db")
    let imported = try TailguardCLI.run(
      ["db", "import", "--db", db, "-q"]
        + ["salt", "pyspark", "searchor", "duckdb", "numexpr", "six"].map {
          SharedData.path("advisories/pypa-osv-json/\($0)")
        }.filter { FileManager.default.fileExists(atPath: $0) }
        + [SharedData.path("kev/known_exploited_vulnerabilities.json")], seconds: 300)
    #expect(imported.status == 0, "\(imported.stderr)")

    let args = [
      "fleet", "scan", dir.file("deploy"), "--usage", dir.file("usage.csv"), "--db", db,
      "--insecure-registry", registry.host, "--daemonset-nodes", "3", "--jobs", "2",
      "--sbom-cache", dir.file("sboms"), "--as-of", "2026-12-07", "-o", "json",
    ]
    let first = try TailguardCLI.run(args, seconds: 600)
    #expect(first.status == 0, "\(first.stderr.suffix(2000))")
    let report = try JSONDecoder().decode(FleetScanReport.self, from: Data(first.stdout.utf8))

    // Every image once, each under its digest, with the replicas the files say.
    #expect(report.images.count == Self.imageCount)
    let indexOf = Dictionary(uniqueKeysWithValues: digests.enumerated().map { ($1, $0) })
    for image in report.images {
      let i = try #require(indexOf[image.digest], "unknown digest \(image.digest)")
      #expect(image.usage.replicas == replicas[i], "image \(i)")
    }
    #expect(report.images.first { indexOf[$0.digest] == 3 }?.usage.workloads == 2)
    #expect(report.images.first { indexOf[$0.digest] == 2 }?.usage.team == "search")
    #expect(report.images.first { indexOf[$0.digest] == 1 }?.usage.pulls == 10)
    #expect(report.images.first { indexOf[$0.digest] == 39 }?.usage.workloads == 0)

    // Rank: replicas, highest first, ties by the reference text.
    let references = Dictionary(
      uniqueKeysWithValues: (0..<Self.imageCount).map { i in
        (
          i,
          i == 41
            ? "\(registry.host)/fleet/app41@\(digests[41])" : "\(registry.host)/fleet/app\(i):v1"
        )
      })
    let ranked = (0..<Self.imageCount).sorted {
      (replicas[$1]!, references[$0]!) < (replicas[$0]!, references[$1]!)
    }
    #expect(report.images.sorted { $0.rank < $1.rank }.map { indexOf[$0.digest]! } == ranked)

    // Findings per image and per segment, counted from the advisory files.
    let kev = try Self.kevIDs()
    var perPackage: [String: Expected] = [:]
    for (name, version) in Self.packages where perPackage[name] == nil {
      perPackage[name] = try Self.expectedFindings(name, version, kev: kev)
    }
    #expect(perPackage["salt"]?.total == 26 && perPackage["salt"]?.kev ?? 0 >= 2)
    let head = Set(ranked.prefix(20))
    var expectedHead = FleetSegment()
    var expectedTail = FleetSegment()
    var headIDs: Set<String> = []
    var tailIDs: Set<String> = []
    var expectedAlerts: Set<String> = []
    for i in 0..<Self.imageCount {
      let e = perPackage[Self.packages[i % 7].name]!
      let image = try #require(report.images.first { $0.digest == digests[i] })
      #expect(image.findings.total == e.total, "image \(i)")
      #expect(image.findings.critical == e.critical, "image \(i)")
      #expect(image.findings.high == e.high, "image \(i)")
      #expect(image.findings.kev == e.kev, "image \(i)")
      #expect(image.findings.fixable == e.fixable, "image \(i)")
      #expect(image.segment == (head.contains(i) ? .head : .tail))
      #expect(image.alert == e.alert, "image \(i)")
      if e.alert { expectedAlerts.insert(digests[i]) }
      func add(_ s: inout FleetSegment) {
        s.images += 1
        s.findings += e.total
        s.critical += e.critical
        s.high += e.high
        s.kev += e.kev
        s.fixable += e.fixable
      }
      if head.contains(i) {
        add(&expectedHead)
        headIDs.formUnion(e.ids)
      } else {
        add(&expectedTail)
        tailIDs.formUnion(e.ids)
      }
    }
    expectedHead.vulnerabilities = headIDs.count
    expectedTail.vulnerabilities = tailIDs.count
    let total = expectedHead.findings + expectedTail.findings
    expectedHead.imageShare = (Double(expectedHead.images) / 42 * 10_000).rounded() / 10_000
    expectedTail.imageShare = (Double(expectedTail.images) / 42 * 10_000).rounded() / 10_000
    expectedHead.findingShare =
      (Double(expectedHead.findings) / Double(total) * 10_000).rounded() / 10_000
    expectedTail.findingShare =
      (Double(expectedTail.findings) / Double(total) * 10_000).rounded() / 10_000
    #expect(report.segments.head == expectedHead)
    #expect(report.segments.tail == expectedTail)

    // The floor: the image scaled to 0 (salt, KEV), the monthly CronJob (pyspark, KEV), the
    // Dockerfile-only image and the usage-only image are alerted like the busiest.
    #expect(Set(report.alerts.map(\.digest)) == expectedAlerts)
    for i in [7, 8, 9, 39, 40] where perPackage[Self.packages[i % 7].name]!.alert {
      #expect(report.alerts.contains { $0.digest == digests[i] }, "image \(i)")
    }
    #expect(report.alerts.allSatisfy { !$0.reasons.isEmpty && !$0.findings.isEmpty })
    #expect(report.alerts.map(\.risk) == report.alerts.map(\.risk).sorted(by: >))

    // Exposure from the manifests: a LoadBalancer in front of image 0, host network for 9.
    #expect(
      report.images.first { $0.digest == digests[0] }?.exposure.contains(
        "reachable from outside: Service app0 (LoadBalancer)") == true)
    #expect(
      report.images.first { $0.digest == digests[9] }?.exposure.contains {
        $0.hasPrefix("hostNetwork")
      } == true)
    // Image 41 is pinned; the others are not; image 5 runs as root (empty User).
    let health41 = report.images.first { $0.digest == digests[41] }?.health
    #expect(health41?.checks.first { $0.name == "pinned-by-digest" }?.passed == true)
    let health5 = report.images.first { $0.digest == digests[5] }?.health
    #expect(health5?.checks.first { $0.name == "non-root" }?.passed == false)
    #expect(
      report.images.allSatisfy {
        $0.health.denominator == $0.health.checks.reduce(0) { $0 + $1.max }
      })

    // Unresolved, listed with file, line and reason: the unknown tag and the variable.
    #expect(
      report.unresolved.contains {
        $0.reference.hasSuffix("app0:nope") && $0.file.hasSuffix("fleet.yaml") && $0.line > 0
      })
    #expect(
      report.unresolved.contains {
        $0.reference == "${BASE_IMAGE}" && $0.file.hasSuffix("Dockerfile") && $0.line == 3
      })
    #expect(report.diagnostics.contains { $0.code == "usage.bad-row" && $0.line == 5 })
    #expect(first.stderr.contains("scanned registry:"))
    #expect(first.stderr.contains("[42/42]"))

    // The headline in the report's words.
    #expect(report.headline.contains("of images and carries"))
    #expect(
      report.headline.contains(
        "\(expectedTail.critical) of \(expectedHead.critical + expectedTail.critical) critical"))

    // A second run of the unchanged fleet reads no layer: every image is re-matched from its
    // kept SBOM, and the report is byte for byte the same.
    let second = try TailguardCLI.run(args, seconds: 600)
    #expect(second.status == 0)
    #expect(!second.stderr.contains("scanned registry:"))
    #expect(second.stderr.components(separatedBy: "re-matching kept SBOM").count - 1 == 42)
    #expect(second.stdout == first.stdout)

    // Thresholds: --fail-on-alert and --fail-on critical exit 1; --strict exits 2 (the fleet has
    // unresolved references).
    let alerting = try TailguardCLI.run(args + ["--fail-on-alert", "-q"], seconds: 600)
    #expect(alerting.status == 1)
    let critical = try TailguardCLI.run(args + ["--fail-on", "critical", "-q"], seconds: 600)
    #expect(critical.status == 1)
    let strict = try TailguardCLI.run(args + ["--strict", "-q"], seconds: 600)
    #expect(strict.status == 2)

    // The other formats from the same data.
    let table = try TailguardCLI.run(
      Array(args.dropLast(2)) + ["-o", "table", "-q"], seconds: 600)
    #expect(table.status == 0)
    #expect(table.stdout.hasPrefix(report.headline))
    let markdown = try TailguardCLI.run(
      Array(args.dropLast(2)) + ["-o", "markdown", "-q"], seconds: 600)
    #expect(markdown.stdout.contains("| SEGMENT | IMAGES |"))
    let html = try TailguardCLI.run(
      Array(args.dropLast(2)) + ["-o", "html", "--output", dir.file("fleet.html"), "-q"],
      seconds: 600)
    #expect(html.status == 0)
    let page = try String(contentsOfFile: dir.file("fleet.html"), encoding: .utf8)
    #expect(!page.contains("<script src") && !page.contains("<link") && !page.contains("@import"))
    #expect(page.components(separatedBy: "class=\"usage-bar\"").count - 1 == 42)
  }

  static var browserAvailable: Bool {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
      && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
      && OracleProcess.pythonHas("selenium")
  }

  /// The HTML report in a real browser (headless Chromium): it renders, the long-tail chart has
  /// one bar and one point per image, the segment chart eight bars, the table sorts, and the
  /// console stays clean. The fleet: the two images of the shared OCI layout, one behind a
  /// LoadBalancer, plus references that cannot resolve.
  @Test(.enabled(if: Oracles.gate(browserAvailable && SharedData.isAvailable)))
  func htmlReportRendersInChromium() throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-fleet-html")
    let manifests = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 3
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: web, image: "example.org/shop/app:planted"}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec: {type: LoadBalancer, selector: {app: web}}
      ---
      apiVersion: batch/v1
      kind: Job
      metadata: {name: once}
      spec:
        template:
          spec:
            containers:
              - {name: a, image: "example.org/base:bookworm-minbase"}
              - {name: b, image: "example.org/base:<script>alert(1)</script>"}

      """
    try manifests.write(toFile: dir.file("fleet.yaml"), atomically: true, encoding: .utf8)
    let common = [
      "fleet", "scan", dir.file("fleet.yaml"), "--oci-layout",
      SharedData.path("images/built/oci-layout"), "--sbom-cache", dir.file("sboms"), "--as-of",
      "2026-12-07", "-q",
    ]
    let json = try TailguardCLI.run(common + ["-o", "json"], seconds: 300)
    #expect(json.status == 0, "\(json.stderr)")
    let report = try JSONDecoder().decode(FleetScanReport.self, from: Data(json.stdout.utf8))
    #expect(report.images.count == 2)
    let html = try TailguardCLI.run(
      common + ["-o", "html", "--output", dir.file("fleet.html")], seconds: 300)
    #expect(html.status == 0)
    let page = try String(contentsOfFile: dir.file("fleet.html"), encoding: .utf8)
    #expect(!page.contains("<script>alert(1)"))
    let browser = try ProcessRunner.run(
      "python3",
      [
        SharedData.packageRoot + "/scripts/check-html-in-chromium.py", dir.file("fleet.html"),
        "#long-tail-chart rect.usage-bar", "#long-tail-chart circle.finding-point",
        "#segment-chart rect.segment-bar", "#long-tail-chart > title", "#segment-chart > title",
        "#alerts > li", "table#images tbody tr",
      ])
    #expect(browser.status == 0, "\(browser.output)")
    struct Seen: Decodable {
      var title: String
      var headline: String?
      var counts: [String: Int]
      var sortedAscending: Bool?
      var console: [String]
    }
    let seen = try JSONDecoder().decode(Seen.self, from: Data(browser.stdout.utf8))
    #expect(seen.title == "tailguard fleet scan")
    #expect(seen.headline == report.headline)
    #expect(seen.counts["#long-tail-chart rect.usage-bar"] == 2)
    #expect(seen.counts["#long-tail-chart circle.finding-point"] == 2)
    #expect(seen.counts["#segment-chart rect.segment-bar"] == 8)
    #expect(
      seen.counts["#long-tail-chart > title"] == 1 && seen.counts["#segment-chart > title"] == 1)
    #expect(seen.counts["#alerts > li"] == report.alerts.count)
    #expect(seen.counts["table#images tbody tr"] == 2)
    #expect(seen.sortedAscending == true)
    #expect(seen.console.isEmpty, "\(seen.console)")
  }

  @Test func nothingToScanExitsTwo() throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-fleet-empty")
    try "FROM ${ONLY_A_VARIABLE}\n".write(
      toFile: dir.file("Dockerfile"), atomically: true, encoding: .utf8)
    let run = try TailguardCLI.run(
      ["fleet", "scan", dir.file("Dockerfile"), "--sbom-cache", dir.file("s"), "-o", "json"])
    #expect(run.status == 2)
    #expect(run.stderr.contains("could be resolved"))
    let report = try JSONDecoder().decode(FleetScanReport.self, from: Data(run.stdout.utf8))
    #expect(report.unresolved.count == 1 && report.images.isEmpty)
    let usage = try TailguardCLI.run(["fleet", "scan"])
    #expect(usage.status == 64)
    let badHead = try TailguardCLI.run(["fleet", "scan", dir.path, "--rank-by", "stars"])
    #expect(badHead.status == 64 && badHead.stderr.contains("replicas"))
  }
}
