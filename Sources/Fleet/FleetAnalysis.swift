import Foundation
import Scoring
import TailguardModel

/// What a scan learned about one image digest that the fleet report needs.
public struct FleetImageEvidence: Sendable {
  public var digest: String
  /// Open findings (after the user's filters).
  public var findings: [ScoredFinding]
  public var distro: Distro?
  public var config: ImageConfig
  /// Shells and package managers found in the image; nil when its files were not read.
  public var shellsAndPackageManagers: [String]?
  public var signature: SignatureCheck?

  public init(
    digest: String, findings: [ScoredFinding], distro: Distro?, config: ImageConfig,
    shellsAndPackageManagers: [String]?, signature: SignatureCheck? = nil
  ) {
    self.digest = digest
    self.findings = findings
    self.distro = distro
    self.config = config
    self.shellsAndPackageManagers = shellsAndPackageManagers
    self.signature = signature
  }
}

/// A reference of the fleet with where it came from: a deployment file or a usage-file row.
public struct FleetMember: Sendable, Hashable {
  public var text: String
  public var file: String
  public var line: Int
  public var reference: FleetReference?
  public var usage: UsageFile.Row?

  /// Every reference the fleet runs: deployment-file references that name an image (stages,
  /// `scratch` and unresolved variables are not images; the variables are reported apart),
  /// then usage rows.
  public static func collect(_ references: [FleetReference], usage: UsageFile?) -> (
    members: [FleetMember], unresolved: [UnresolvedReference]
  ) {
    var members: [FleetMember] = []
    var unresolved: [UnresolvedReference] = []
    for r in references {
      switch r.effectiveClass {
      case .stage, .scratch: continue
      case .variable:
        unresolved.append(
          UnresolvedReference(
            reference: r.reference, file: r.file, line: r.line,
            reason: "a variable is left unresolved"))
        continue
      default: break
      }
      if r.image == nil {
        unresolved.append(
          UnresolvedReference(
            reference: r.effectiveText, file: r.file, line: r.line,
            reason: "not a valid image reference"))
        continue
      }
      members.append(FleetMember(text: r.effectiveText, file: r.file, line: r.line, reference: r))
    }
    for row in usage?.rows ?? [] {
      members.append(
        FleetMember(text: row.image, file: usage?.path ?? "", line: row.line, usage: row))
    }
    return (members, unresolved)
  }
}

/// Turns a fleet (references grouped by the digest they resolve to, with each image's scan
/// evidence) into the fleet report: usage, rank, head/tail segments, risk, health and alerts.
/// Pure: the same input gives the same report.
public struct FleetAnalysis: Sendable {
  public var definitions: FleetDefinitions
  /// The day ages and end-of-life dates are measured against (`YYYY-MM-DD`).
  public var asOf: String
  public var endOfLife: EndOfLifeTable
  public var routes: KubernetesRoutes
  public var maxAgeDays: Int

  public init(
    definitions: FleetDefinitions, asOf: String, endOfLife: EndOfLifeTable,
    routes: KubernetesRoutes, maxAgeDays: Int = 365
  ) {
    self.definitions = definitions
    self.asOf = asOf
    self.endOfLife = endOfLife
    self.routes = routes
    self.maxAgeDays = maxAgeDays
  }

  /// One image before ranking.
  struct Draft {
    var digest: String
    var members: [FleetMember]
    var usage: FleetImage.Usage
    var key: Int
  }

  /// - Parameters:
  ///   - members: every fleet reference with the digest it resolved to.
  ///   - evidence: scan evidence by digest; a digest without evidence is left out (the caller
  ///     lists it as failed).
  public func report(
    members: [(member: FleetMember, digest: String)], evidence: [String: FleetImageEvidence],
    unresolved: [UnresolvedReference], failed: [FailedImage], advisoryData: AdvisoryDataInfo?,
    diagnostics: [Diagnostic], toolVersion: String
  ) -> FleetScanReport {
    let drafts = rankedDrafts(members.filter { evidence[$0.digest] != nil })
    var images: [FleetImage] = []
    for (index, draft) in drafts.enumerated() {
      guard let ev = evidence[draft.digest] else { continue }
      images.append(image(draft, evidence: ev, rank: index + 1))
    }
    let alerts = images.filter(\.alert).map { image in
      let vulns = ImageVulnerability.merge(evidence[image.digest]?.findings ?? [])
      return FleetAlert(
        digest: image.digest, reference: image.reference, reasons: Self.alertReasons(vulns),
        findings: Self.alertFindings(vulns), risk: image.risk.value)
    }.sorted { ($1.risk, $0.reference, $0.digest) < ($0.risk, $1.reference, $1.digest) }
    let segments = Self.segments(images, evidence: evidence)
    return FleetScanReport(
      toolVersion: toolVersion, asOf: asOf, definitions: definitions,
      headline: Self.headline(segments), segments: segments, images: images, alerts: alerts,
      unresolved: unresolved.sorted(), failed: failed.sorted { $0.reference < $1.reference },
      advisoryData: advisoryData, diagnostics: diagnostics)
  }

  /// Groups members by digest, adds up usage, and ranks by the rank key (ties by reference).
  func rankedDrafts(_ members: [(member: FleetMember, digest: String)]) -> [Draft] {
    var byDigest: [String: [FleetMember]] = [:]
    for (member, digest) in members { byDigest[digest, default: []].append(member) }
    var drafts: [Draft] = byDigest.map { digest, list in
      let sorted = list.sorted { ($0.file, $0.line, $0.text) < ($1.file, $1.line, $1.text) }
      let usage = self.usage(sorted)
      let key = definitions.rankKey == .pulls ? usage.pulls ?? 0 : usage.replicas
      return Draft(digest: digest, members: sorted, usage: usage, key: key)
    }
    drafts.sort {
      ($1.key, Self.firstText($0), $0.digest) < ($0.key, Self.firstText($1), $1.digest)
    }
    return drafts
  }

  /// The reference as first written: the first deployment-file reference, else the first
  /// usage row.
  static func firstText(_ draft: Draft) -> String {
    (draft.members.first { $0.reference != nil } ?? draft.members.first)?.text ?? draft.digest
  }

  func usage(_ members: [FleetMember]) -> FleetImage.Usage {
    var workloads: Set<String> = []
    var replicas = 0
    for m in members {
      guard let r = m.reference else { continue }
      let key =
        "\(r.file)|\(r.workload?.kind ?? "")|\(r.workload?.name ?? "")|\(r.workload?.container ?? "")|\(r.line)"
      guard workloads.insert(key).inserted else { continue }
      if r.replicasSource == "per-node" {
        replicas += definitions.daemonSetNodes
      } else {
        replicas += r.replicas ?? 1
      }
    }
    let rows = members.compactMap(\.usage)
    let rowReplicas = rows.compactMap(\.replicas)
    if !rowReplicas.isEmpty { replicas = rowReplicas.reduce(0, +) }
    let pulls = rows.compactMap(\.pulls)
    return FleetImage.Usage(
      replicas: replicas, workloads: members.contains { $0.reference != nil } ? workloads.count : 0,
      files: Set(members.filter { $0.reference != nil }.map(\.file)).count,
      pulls: pulls.isEmpty ? nil : pulls.reduce(0, +),
      team: rows.compactMap(\.team).first)
  }

  func image(_ draft: Draft, evidence ev: FleetImageEvidence, rank: Int) -> FleetImage {
    let vulns = ImageVulnerability.merge(ev.findings)
    var counts = FleetImage.FindingCounts()
    for v in vulns {
      counts.total += 1
      switch v.severity {
      case .critical: counts.critical += 1
      case .high: counts.high += 1
      case .medium: counts.medium += 1
      case .low, .negligible: counts.low += 1
      case .unknown: break
      }
      if v.kev != nil { counts.kev += 1 }
      if v.fixable { counts.fixable += 1 }
    }
    let exposure = self.exposure(draft.members, imageUser: ev.config.user)
    let unit = definitions.rankKey == .pulls ? "pulls" : "replicas"
    let risk = ImageRiskScorer().score(
      vulnerabilities: vulns, usage: draft.key, usageUnit: unit, exposure: exposure)
    let health = ImageHealthScorer().health(
      ImageHealthFacts(
        vulnerabilities: vulns,
        unpinned: Array(
          Set(draft.members.filter { !Self.pinned($0) }.map(\.text))
        ).sorted(),
        rootReasons: rootReasons(draft.members, imageUser: ev.config.user),
        shellsAndPackageManagers: ev.shellsAndPackageManagers,
        endOfLife: endOfLife.check(distro: ev.distro, asOf: asOf),
        ageDays: Self.ageDays(created: ev.config.created, asOf: asOf), maxAgeDays: maxAgeDays,
        signature: ev.signature))
    return FleetImage(
      reference: Self.firstText(draft),
      references: draft.members.map {
        FleetImage.Place(file: $0.file, line: $0.line, text: $0.text)
      },
      digest: draft.digest, usage: draft.usage, rank: rank,
      segment: rank <= definitions.head ? .head : .tail, findings: counts,
      vulnerabilities: vulns.map(\.id), exposure: exposure, risk: risk, health: health,
      alert: Self.isAlert(vulns))
  }

  /// The floor: an open known-exploited finding, or an open critical finding with a fix.
  public static func isAlert(_ vulns: [ImageVulnerability]) -> Bool {
    vulns.contains { $0.kev != nil || $0.criticalWithFix }
  }

  static func alertFindings(_ vulns: [ImageVulnerability]) -> [String] {
    vulns.filter { $0.kev != nil || $0.criticalWithFix }.map(\.id)
  }

  static func alertReasons(_ vulns: [ImageVulnerability]) -> [String] {
    var reasons: [String] = []
    for v in vulns {
      if let kev = v.kev {
        reasons.append("\(v.id): known exploited (CISA KEV since \(kev.dateAdded))")
      } else if v.criticalWithFix {
        reasons.append("\(v.id): critical with a fix available")
      }
    }
    return reasons
  }

  static func pinned(_ m: FleetMember) -> Bool {
    if let r = m.reference { return r.effectiveClass == .digest }
    return m.text.contains("@sha256:")
  }

  /// Exposure reasons from every Kubernetes workload that runs the image, plus the usage
  /// file's `exposure` cells; without any, whether the image itself runs as root.
  func exposure(_ members: [FleetMember], imageUser: String?) -> [String] {
    var reasons: [String] = []
    var seen: Set<String> = []
    for m in members {
      var found: [String] = []
      if let pod = m.reference?.pod {
        found = routes.exposure(of: pod, imageUser: imageUser)
      }
      found += m.usage?.exposure ?? []
      for reason in found where seen.insert(reason).inserted { reasons.append(reason) }
    }
    return reasons
  }

  func rootReasons(_ members: [FleetMember], imageUser: String?) -> [String] {
    let pods = members.compactMap { $0.reference?.pod }
    let reasons =
      pods.isEmpty
      ? [KubernetesRoutes.rootReason(nil, imageUser: imageUser)]
      : pods.map { KubernetesRoutes.rootReason($0, imageUser: imageUser) }
    return Array(Set(reasons.compactMap { $0 })).sorted()
  }

  static func ageDays(created: String?, asOf: String) -> Int? {
    guard let created, created.count >= 10 else { return nil }
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd"
    guard let c = f.date(from: String(created.prefix(10))), let now = f.date(from: asOf) else {
      return nil
    }
    return max(0, Int((now.timeIntervalSince(c) / 86_400).rounded(.down)))
  }

  // MARK: Segments

  static func segments(_ images: [FleetImage], evidence: [String: FleetImageEvidence])
    -> FleetSegments
  {
    func tally(_ segment: FleetImage.Segment) -> FleetSegment {
      var s = FleetSegment()
      var ids: Set<String> = []
      for image in images where image.segment == segment {
        s.images += 1
        s.findings += image.findings.total
        s.critical += image.findings.critical
        s.high += image.findings.high
        s.kev += image.findings.kev
        s.fixable += image.findings.fixable
        ids.formUnion(image.vulnerabilities)
      }
      s.vulnerabilities = ids.count
      return s
    }
    var head = tally(.head)
    var tail = tally(.tail)
    let totalImages = head.images + tail.images
    let totalFindings = head.findings + tail.findings
    head.imageShare = share(head.images, totalImages)
    tail.imageShare = share(tail.images, totalImages)
    head.findingShare = share(head.findings, totalFindings)
    tail.findingShare = share(tail.findings, totalFindings)
    return FleetSegments(head: head, tail: tail)
  }

  static func share(_ part: Int, _ whole: Int) -> Double {
    whole == 0 ? 0 : (Double(part) / Double(whole) * 10_000).rounded() / 10_000
  }

  /// "the tail is X% of images and carries Y% of findings, Z of W critical, K of L known-exploited"
  public static func headline(_ s: FleetSegments) -> String {
    let critical = s.head.critical + s.tail.critical
    let kev = s.head.kev + s.tail.kev
    return
      "The tail (\(s.tail.images) of \(s.head.images + s.tail.images) images) is \(FleetSegment.percent(s.tail.imageShare)) of images and carries \(FleetSegment.percent(s.tail.findingShare)) of findings, \(s.tail.critical) of \(critical) critical, \(s.tail.kev) of \(kev) known-exploited."
  }


}
