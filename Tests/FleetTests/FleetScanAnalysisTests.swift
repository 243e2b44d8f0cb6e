import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Fleet

/// The pure half of `fleet scan`: usage files, exposure from Kubernetes objects, the
/// end-of-life table against the real endoflife.date data, and the alert floor over random
/// fleets.
@Suite struct FleetScanAnalysisTests {
  // MARK: Usage file

  @Test func csvWithQuotesBlankCellsAndBadRows() {
    let csv = """
      team,image,pulls,replicas,colour
      shop,registry.example/app:1,"1,200",,blue
      "core, platform",registry.example/db:2,7,3,
      ,registry.example/app:1,5,,
      x,,1,1
      y,not a ref,1,1
      z,registry.example/q:1,-4,1

      """
    let file = UsageFile(parsing: Array(csv.utf8), path: "usage.csv")
    // `1,200` is quoted (one field) but is not a whole number: a diagnostic naming line 2.
    #expect(file.rows.map(\.image) == ["registry.example/db:2", "registry.example/app:1"])
    #expect(file.rows[0].team == "core, platform")
    #expect(file.rows[0].pulls == 7 && file.rows[0].replicas == 3)
    #expect(file.rows[1].team == nil && file.rows[1].pulls == 5 && file.rows[1].replicas == nil)
    #expect(file.diagnostics.compactMap(\.line) == [2, 5, 6, 7])
    #expect(file.diagnostics.allSatisfy { $0.code == "usage.bad-row" && $0.path == "usage.csv" })
  }

  @Test func jsonArrayAndItsMistakes() {
    let json = """
      [{"image": "a.example/x:1", "pulls": 12, "team": "t", "exposure": ["internet"]},
       {"image": "a.example/y:1", "replicas": "2"},
       "not an object", {"pulls": 3}, {"image": "a.example/z:1", "pulls": 1.5}]
      """
    let file = UsageFile(parsing: Array(json.utf8), path: "u.json")
    #expect(file.rows.map(\.image) == ["a.example/x:1", "a.example/y:1"])
    #expect(file.rows[0].exposure == ["internet"] && file.rows[0].pulls == 12)
    #expect(file.rows[1].replicas == 2)
    #expect(file.diagnostics.compactMap(\.line) == [3, 4, 5])
    let broken = UsageFile(parsing: Array("[{\"image\": ".utf8), path: "b.json")
    #expect(broken.rows.isEmpty && broken.diagnostics.count == 1)
    let noHeader = UsageFile(parsing: Array("name,pulls\nx,1\n".utf8), path: "n.csv")
    #expect(noHeader.rows.isEmpty && noHeader.diagnostics.first?.line == 1)
  }

  @Test func hostileUsageBytesNeverCrash() {
    var rng = SeededGenerator(seed: 16)
    for _ in 0..<500 {
      let n = Int.random(in: 0..<400, using: &rng)
      let alphabet = Array("image,pulls\n\"\r[]{}:,0123456789abc/@".utf8) + [0xFF, 0x00]
      var bytes = Array("image,pulls\n".utf8)
      for _ in 0..<n { bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
      let file = UsageFile(parsing: bytes, path: "fuzz")
      #expect(file.rows.count <= bytes.count)
    }
  }

  // MARK: Exposure

  @Test func servicesIngressesRoutesAndPodSecurity() throws {
    let yaml = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: shop}
      spec:
        template:
          metadata: {labels: {app: web, tier: front}}
          spec:
            securityContext: {runAsUser: 0}
            volumes: [{name: sock, hostPath: {path: /var/run/docker.sock}}]
            containers:
              - {name: web, image: r.example/web:1, securityContext: {privileged: true}}
              - {name: side, image: r.example/side:1, securityContext: {runAsUser: 1000}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web-lb, namespace: shop}
      spec: {type: LoadBalancer, selector: {app: web}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web-internal, namespace: shop}
      spec: {selector: {app: web, tier: front}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: other-ns, namespace: default}
      spec: {type: NodePort, selector: {app: web}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: shop, namespace: shop}
      spec:
        rules:
          - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-internal, port: {number: 80}}}}]}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: api, namespace: shop}
      spec: {rules: [{backendRefs: [{name: web-internal, port: 80}]}]}
      ---
      apiVersion: apps/v1
      kind: DaemonSet
      metadata: {name: agent}
      spec:
        template:
          metadata: {labels: {app: agent}}
          spec:
            hostNetwork: true
            securityContext: {runAsNonRoot: true}
            containers: [{name: agent, image: r.example/agent:1}]
      """
    let result = FleetScanner().scanFile(bytes: Array(yaml.utf8), path: "k.yaml", kind: .yaml)
    let routes = result.routes
    let web = result.references.first { $0.reference == "r.example/web:1" }?.pod
    let side = result.references.first { $0.reference == "r.example/side:1" }?.pod
    let agent = result.references.first { $0.reference == "r.example/agent:1" }?.pod
    let webExposure = routes.exposure(of: try #require(web), imageUser: "1000")
    #expect(
      webExposure == [
        // Services by name; each with its own type, then the routes to it.
        "reachable from outside: HTTPRoute api → Service web-internal",
        "reachable from outside: Ingress shop → Service web-internal",
        "reachable from outside: Service web-lb (LoadBalancer)",
        "privileged container", "runs as root (runAsUser: 0)",
        "hostPath mount /var/run/docker.sock",
      ])
    // The container's own runAsUser wins over the pod's.
    #expect(
      !routes.exposure(of: try #require(side), imageUser: nil).contains {
        $0.hasPrefix("runs as root")
      })
    #expect(
      routes.exposure(of: try #require(agent), imageUser: "") == [
        "hostNetwork: shares the node's network"
      ])
    // Without a manifest saying otherwise the image's own user decides.
    #expect(KubernetesRoutes.rootReason(nil, imageUser: "") == "runs as root (image user unset)")
    #expect(KubernetesRoutes.rootReason(nil, imageUser: "0:0") != nil)
    #expect(KubernetesRoutes.rootReason(nil, imageUser: "nonroot") == nil)
  }

  // MARK: End of life

  static let endOfLifeData = SharedData.path("endoflife")

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func embeddedTableMatchesTheEndOfLifeData() throws {
    let read = try EndOfLifeTable(directory: Self.endOfLifeData)
    let embedded = EndOfLifeTable.embedded
    #expect(embedded.dataDate == "2026-08-22")
    #expect(embedded.products == read.products)
    let bookworm = Distro(id: "debian", versionID: "12")
    let check = embedded.check(distro: bookworm, asOf: "2026-12-07")
    #expect(!check.passed)
    #expect(check.detail.contains("end of security support 2026-07-11"))
    #expect(check.detail.contains("extended support only, until 2028-06-30"))
    #expect(check.detail.contains("data of 2026-08-22"))
    #expect(embedded.check(distro: bookworm, asOf: "2026-07-10").passed)
    #expect(
      embedded.check(distro: Distro(id: "alpine", versionID: "3.24.1"), asOf: "2026-12-07").passed)
    let unknown = embedded.check(distro: Distro(id: "alpine", versionID: "2.0"), asOf: "2026-12-07")
    #expect(!unknown.passed && unknown.detail.contains("not in the end-of-life data"))
    #expect(!embedded.check(distro: nil, asOf: "2026-12-07").passed)
    #expect(throws: FleetError.self) { try EndOfLifeTable(directory: "/nonexistent") }
  }

  // MARK: The alert floor, over random fleets

  static func finding(
    _ id: String, severity: Severity, kev: Bool, fixed: Bool, package: String
  ) -> ScoredFinding {
    let purl = try! PackageURL(parsing: "pkg:pypi/\(package)@1.0")
    let f = Finding(
      packageID: package, packageName: package, packageVersion: "1.0", ecosystem: .pypi, purl: purl,
      primaryID: id, advisoryIDs: [id], recordIDs: [id], fixState: fixed ? .fixed : .notFixed,
      fixedVersion: fixed ? "2.0" : nil,
      exploitation: kev ? Exploitation(kev: KEVEntry(cveID: id, dateAdded: "2024-01-02")) : nil)
    return ScoredFinding(
      finding: f,
      assessment: Assessment(
        severity: severity, severitySource: "test", risk: RiskScore(value: kev ? 9 : 5, reasons: [])
      ))
  }

  @Test func everyKnownExploitedOrFixableCriticalImageIsAlertedWhateverItsUsage() {
    var rng = SeededGenerator(seed: 2026)
    let severities: [Severity] = [.critical, .high, .medium, .low, .unknown]
    for round in 0..<2_000 {
      let count = Int.random(in: 1...30, using: &rng)
      var members: [(member: FleetMember, digest: String)] = []
      var evidence: [String: FleetImageEvidence] = [:]
      var mustAlert: Set<String> = []
      var totalFindings = 0
      for i in 0..<count {
        let digest = "sha256:" + String(repeating: "0", count: 56) + String(format: "%08x", i)
        let uses = Int.random(in: 1...3, using: &rng)
        for u in 0..<uses {
          var ref = FleetReference(
            file: "f\(u).yaml", line: i + 1, reference: "r.example/i\(i):1", class: .tag,
            source: .kubernetes, workload: WorkloadInfo(kind: "Deployment", name: "w\(i)-\(u)"))
          // Usage 0 and 1 are common: the floor must not depend on usage.
          ref.replicas = [0, 0, 1, 1, 2, 50, 1000].randomElement(using: &rng)
          members.append(
            (
              FleetMember(text: ref.reference, file: ref.file, line: ref.line, reference: ref),
              digest
            ))
        }
        var findings: [ScoredFinding] = []
        for j in 0..<Int.random(in: 0...4, using: &rng) {
          let severity = severities.randomElement(using: &rng)!
          let kev = Int.random(in: 0..<12, using: &rng) == 0
          let fixed = Bool.random(using: &rng)
          let id = "CVE-2024-\(Int.random(in: 1...40, using: &rng))"
          findings.append(
            Self.finding(id, severity: severity, kev: kev, fixed: fixed, package: "p\(j)"))
          if kev || (severity == .critical && fixed) { mustAlert.insert(digest) }
        }
        totalFindings += Set(findings.map(\.finding.primaryID)).count
        evidence[digest] = FleetImageEvidence(
          digest: digest, findings: findings, distro: nil, config: ImageConfig(user: "1000"),
          shellsAndPackageManagers: [])
      }
      let head = Int.random(in: 0...25, using: &rng)
      let analysis = FleetAnalysis(
        definitions: FleetDefinitions(rankKey: .replicas, head: head, daemonSetNodes: 1),
        asOf: "2026-12-07", endOfLife: .embedded, routes: KubernetesRoutes())
      let report = analysis.report(
        members: members, evidence: evidence, unresolved: [], failed: [], advisoryData: nil,
        diagnostics: [], toolVersion: "test")
      let alerted = Set(report.alerts.map(\.digest))
      #expect(alerted == mustAlert, "round \(round)")
      #expect(Set(report.images.filter(\.alert).map(\.digest)) == mustAlert)
      let s = report.segments
      #expect(s.head.images == min(head, count) && s.head.images + s.tail.images == count)
      #expect(s.head.findings + s.tail.findings == totalFindings)
      #expect(report.images.map(\.rank) == Array(1...count))
      // Ranked by replicas, highest first.
      let replicas = report.images.map(\.usage.replicas)
      #expect(replicas == replicas.sorted(by: >))
    }
  }

  @Test func usageSumsWorkloadsDaemonSetsAndUsageOverrides() {
    func ref(_ line: Int, kind: String, replicas: Int?, source: String?) -> FleetMember {
      var r = FleetReference(
        file: "a.yaml", line: line, reference: "r.example/app:1", class: .tag, source: .kubernetes,
        workload: WorkloadInfo(kind: kind, name: "w\(line)"), replicas: replicas,
        replicasSource: source)
      r.replicas = replicas
      return FleetMember(text: r.reference, file: r.file, line: line, reference: r)
    }
    let analysis = FleetAnalysis(
      definitions: FleetDefinitions(rankKey: .replicas, head: 20, daemonSetNodes: 7),
      asOf: "2026-12-07", endOfLife: .embedded, routes: KubernetesRoutes())
    let members = [
      ref(1, kind: "Deployment", replicas: 3, source: "explicit"),
      ref(2, kind: "DaemonSet", replicas: nil, source: "per-node"),
      ref(3, kind: "Deployment", replicas: 0, source: "explicit"),
      ref(4, kind: "Deployment", replicas: nil, source: "variable"),
    ]
    #expect(analysis.usage(members).replicas == 3 + 7 + 0 + 1)
    #expect(analysis.usage(members).workloads == 4)
    let row = FleetMember(
      text: "r.example/app:1", file: "u.csv", line: 2,
      usage: UsageFile.Row(image: "r.example/app:1", line: 2, pulls: 9, replicas: 40, team: "t"))
    let withRow = analysis.usage(members + [row])
    #expect(withRow.replicas == 40 && withRow.pulls == 9 && withRow.team == "t")
    #expect(withRow.files == 1)
  }
}
