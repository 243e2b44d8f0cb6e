import Advisories
import TailguardModel
import VersionSchemes

/// Matches every package of a `SoftwareBOM` against an `AdvisoryStore` with OSV semantics and
/// returns findings with their evidence. Pure apart from store reads; deterministic output.
///
/// - OS packages (deb/apk/rpm) are looked up by source package in their distro release only.
/// - Go binaries: each module by its path; the toolchain as OSV's `stdlib` module. When the BOM
///   has no `stdlib` package for a binary, one is synthesised from the modules' `goVersion`
///   (same location, so it gets a stable id) and reported like any other package.
/// - Advisories that share an id or alias are merged into one finding per package; its primary
///   id is chosen by `PrimaryID` (CVE when present).
public struct Matcher: Sendable {
  public let store: any AdvisoryStore

  public init(store: any AdvisoryStore) {
    self.store = store
  }

  /// Packages per worker slice when matching in parallel (below it one thread is cheaper).
  static let parallelSlice = 256

  public func match(_ bom: SoftwareBOM) -> MatchResult {
    var diagnostics: Set<Diagnostic> = []
    // 1. What each package is looked up as.
    var targets: [(Package, MatchTarget)] = []
    for package in Self.withSynthesizedStdlib(bom.packages) {
      switch MatchTarget.forPackage(package, distro: bom.distro) {
      case .success(let t): targets.append((package, t))
      case .failure(let skip):
        let d = skip.diagnostic
        diagnostics.insert(
          Diagnostic(
            .info, code: d.code, d.message, source: "matching", path: package.locations.min()?.path)
        )
      }
    }
    // Packages in finding order, so the findings come out sorted (each package's own findings
    // are sorted by `merge`): sorting ~10^5 findings afterwards would cost more than matching.
    targets.sort { a, b in
      (a.0.name, a.0.version, a.0.id) < (b.0.name, b.0.version, b.0.id)
    }
    // 2. Every name of an ecosystem in one batched store lookup.
    var names: [String: Set<String>] = [:]
    for (_, t) in targets {
      for e in t.ecosystems { names[e, default: []].insert(t.name) }
    }
    var advisories: [String: [String: [Advisory]]] = [:]
    for (ecosystem, set) in names.sorted(by: { $0.key < $1.key }) {
      do {
        advisories[ecosystem] = try store.advisories(ecosystem: ecosystem, names: set.sorted())
      } catch {
        diagnostics.insert(
          Diagnostic(.error, code: "match.store", error.description, source: "matching"))
      }
    }
    // 3. Range evaluation, pure and independent per package: in parallel slices.
    let slices = stride(from: 0, to: targets.count, by: Self.parallelSlice).map {
      $0..<min($0 + Self.parallelSlice, targets.count)
    }
    let results = ParallelMap.map(slices) { slice in
      var local: Set<Diagnostic> = []
      var found: [Finding] = []
      var versions = VersionCache()
      for (package, target) in targets[slice] {
        var matches: [AdvisoryMatch] = []
        for ecosystem in target.ecosystems {
          for advisory in advisories[ecosystem]?[target.name] ?? [] where advisory.withdrawn == nil
          {
            if let m = evaluate(
              advisory, target: target, package: package, versions: &versions,
              diagnostics: &local)
            {
              matches.append(m)
            }
          }
        }
        found += merge(matches, package: package, versions: &versions)
      }
      return (found, local)
    }
    var findings: [Finding] = []
    for (found, local) in results {
      findings += found
      diagnostics.formUnion(local)
    }
    attachExploitation(&findings, diagnostics: &diagnostics)
    let sortedDiagnostics = diagnostics.sorted {
      ($0.code, $0.path ?? "", $0.message) < ($1.code, $1.path ?? "", $1.message)
    }
    return MatchResult(findings: findings, diagnostics: sortedDiagnostics)
  }

  /// One advisory record that matched one package.
  struct AdvisoryMatch {
    var advisory: Advisory
    var evidence: [MatchEvidence]
    /// Fixed versions named by the matching entries (as text) and their ordering scheme.
    var fixedVersions: [String]
    var scheme: VersionSchemeKind
    /// True when some matching interval has no closing event or only `last_affected`.
    var openEnded: Bool
    /// True when a matching entry carries the distro's "will not fix" statement.
    var wontFix: Bool
  }

  /// Evaluates every affected entry of an advisory (already filtered to this package's name).
  func evaluate(
    _ advisory: Advisory, target: MatchTarget, package: Package, versions: inout VersionCache,
    diagnostics: inout Set<Diagnostic>
  ) -> AdvisoryMatch? {
    var evidence: [MatchEvidence] = []
    var fixed: [String] = []
    var openEnded = false
    var wontFix = false
    var usedScheme: VersionSchemeKind = .generic
    for entry in advisory.affected {
      let evidenceBefore = evidence.count
      let ecosystemScheme = VersionSchemeKind(osvEcosystem: entry.ecosystem) ?? .generic
      usedScheme = ecosystemScheme
      func note(_ kind: String, _ scheme: VersionSchemeKind, _ interval: String) {
        evidence.append(
          MatchEvidence(
            advisoryID: advisory.id, source: advisory.source, ecosystem: entry.ecosystem,
            packageName: entry.name,
            scheme: scheme.rawValue, installedVersion: target.version, rangeKind: kind,
            matchedRange: interval))
      }
      if entry.versions.contains(target.version) {
        note("versions", ecosystemScheme, "listed in versions")
      }
      var gitOnly = !entry.ranges.isEmpty
      for range in entry.ranges {
        let scheme: VersionSchemeKind
        switch range.kind {
        case .git:
          continue
        case .semver: scheme = .semver
        case .ecosystem: scheme = ecosystemScheme
        }
        gitOnly = false
        usedScheme = scheme
        guard let installed = versions.parse(target.version, scheme) else {
          diagnostics.insert(
            Diagnostic(
              .warning, code: "match.unparsable-version",
              "\(package.name) \(target.version) is not a valid \(scheme.rawValue) version; its \(scheme.rawValue) ranges are not evaluated",
              source: "matching", path: package.locations.min()?.path))
          continue
        }
        let outcome = RangeEvaluator.evaluate(installed: installed, events: range.events) {
          versions.parse($0, scheme)
        }
        for bad in outcome.unparsable {
          diagnostics.insert(
            Diagnostic(
              .warning, code: "match.unparsable-event",
              "\(advisory.id): event version '\(bad.prefix(80))' is not a valid \(scheme.rawValue) version; event skipped",
              source: "matching", path: advisory.source))
        }
        guard outcome.affected else { continue }
        note(range.kind.rawValue, scheme, outcome.intervalDescription)
        fixed += range.events.filter { $0.kind == .fixed }.map(\.version)
        if outcome.closedBy == nil || outcome.closedBy?.kind == .lastAffected { openEnded = true }
      }
      if gitOnly && entry.versions.isEmpty {
        diagnostics.insert(
          Diagnostic(
            .info, code: "match.git-range-skipped",
            "\(advisory.id): only GIT ranges for \(entry.name); commit ranges are not evaluated",
            source: "matching", path: advisory.source))
      }
      if evidence.count > evidenceBefore, VendorFixStatement.saysWontFix(entry.databaseSpecific) {
        wontFix = true
      }
    }
    guard !evidence.isEmpty else { return nil }
    return AdvisoryMatch(
      advisory: advisory, evidence: evidence, fixedVersions: fixed, scheme: usedScheme,
      openEnded: openEnded, wontFix: wontFix)
  }

  /// Groups matches that share an id or alias into one finding each.
  func merge(_ matches: [AdvisoryMatch], package: Package, versions: inout VersionCache)
    -> [Finding]
  {
    guard !matches.isEmpty else { return [] }
    // Union-find over match indices, joined when their id sets intersect.
    var parent = Array(matches.indices)
    func find(_ i: Int) -> Int {
      var i = i
      while parent[i] != i {
        parent[i] = parent[parent[i]]
        i = parent[i]
      }
      return i
    }
    var owner: [String: Int] = [:]
    for (i, m) in matches.enumerated() {
      for id in m.advisory.allIDs {
        if let j = owner[id] { parent[find(i)] = find(j) } else { owner[id] = i }
      }
    }
    var groups: [Int: [AdvisoryMatch]] = [:]
    for i in matches.indices { groups[find(i), default: []].append(matches[i]) }
    let target = MatchTarget.forPackage(package, distro: nil)
    let installedText: String
    switch target {
    case .success(let t): installedText = t.version
    case .failure:
      installedText = matches.first?.evidence.first?.installedVersion ?? package.version
    }
    let findings = groups.values.map { group -> Finding in
      // Store order is (id, source) within an ecosystem, so a group is usually in order
      // already; sorting these large values only when it is not saves most of the merge.
      func ordered(_ a: AdvisoryMatch, _ b: AdvisoryMatch) -> Bool {
        (a.advisory.id, a.advisory.source) < (b.advisory.id, b.advisory.source)
      }
      let inOrder = zip(group, group.dropFirst()).allSatisfy { !ordered($1, $0) }
      let sorted = inOrder ? group : group.sorted(by: ordered)
      let ids = Array(Set(sorted.flatMap(\.advisory.allIDs))).sorted()
      let recordIDs = Array(Set(sorted.map(\.advisory.id))).sorted()
      let scheme = sorted.first?.scheme ?? .generic
      let installedVersion = sorted.first?.evidence.first?.installedVersion ?? installedText
      let fixedAll = Self.sortVersions(
        Array(Set(sorted.flatMap(\.fixedVersions))), scheme: scheme, versions: &versions)
      let installedParsed = versions.parse(installedVersion, scheme)
      let above = fixedAll.first { f in
        guard let i = installedParsed, let v = versions.parse(f, scheme) else { return false }
        return v > i
      }
      let state: FixState
      if above != nil {
        state = .fixed
      } else if sorted.contains(where: \.wontFix) {
        state = .wontFix
      } else if sorted.contains(where: \.openEnded) {
        state = .notFixed
      } else {
        state = .unknown
      }
      var vectors = Set<SeverityVector>()
      for m in sorted {
        vectors.formUnion(m.advisory.severities)
        for a in m.advisory.affected { vectors.formUnion(a.severities) }
      }
      return Finding(
        packageID: package.id, packageName: package.name, packageVersion: package.version,
        ecosystem: package.ecosystem,
        purl: package.purl, primaryID: PrimaryID.choose(ids) ?? recordIDs.first ?? "",
        advisoryIDs: ids, recordIDs: recordIDs,
        summary: sorted.lazy.compactMap {
          $0.advisory.summary ?? $0.advisory.details.map { String($0.prefix(200)) }
        }.first,
        fixState: state, fixedVersion: above, fixedVersions: fixedAll,
        introducedBy: package.introducedBy,
        introducedByIndex: package.introducedByIndex,
        evidence: Self.sortedIfNeeded(sorted.flatMap(\.evidence)),
        vendorSeverity: sorted.lazy.compactMap(\.advisory.vendorSeverity).first,
        severityVectors: vectors.sorted())
    }
    // One package's findings differ only by primary id: sort indices on it (equivalent to
    // `Finding.<` here, without moving the large values around).
    let order = findings.indices.sorted { findings[$0].primaryID < findings[$1].primaryID }
    return order.map { findings[$0] }
  }

  /// KEV and EPSS joined through every id of each finding (in place: only findings with a hit
  /// are touched).
  func attachExploitation(_ findings: inout [Finding], diagnostics: inout Set<Diagnostic>) {
    var ids = Set<String>()
    for f in findings {
      for id in f.advisoryIDs where id.hasPrefix("CVE-") { ids.insert(id) }
    }
    guard !ids.isEmpty else { return }
    var kev: [String: KEVEntry] = [:]
    var epss: [String: EPSSScore] = [:]
    do {
      let sorted = ids.sorted()
      for e in try store.kevEntries(for: sorted) { kev[e.cveID] = e }
      for e in try store.epssScores(for: sorted) { epss[e.cveID] = e }
    } catch {
      diagnostics.insert(
        Diagnostic(.error, code: "match.store", error.description, source: "matching"))
    }
    guard !kev.isEmpty || !epss.isEmpty else { return }
    for i in findings.indices {
      let k = findings[i].advisoryIDs.lazy.compactMap { kev[$0] }.first
      let e = findings[i].advisoryIDs.compactMap { epss[$0] }.max {
        ($0.score, $1.cveID) < ($1.score, $0.cveID)
      }
      if k != nil || e != nil { findings[i].exploitation = Exploitation(kev: k, epss: e) }
    }
  }

  /// `values.sorted()`, skipping the sort (and its copies) when already in order.
  static func sortedIfNeeded<T: Comparable>(_ values: [T]) -> [T] {
    zip(values, values.dropFirst()).allSatisfy { $0 <= $1 } ? values : values.sorted()
  }

  static func sortVersions(
    _ texts: [String], scheme: VersionSchemeKind, versions: inout VersionCache
  ) -> [String] {
    let parsed = texts.map { ($0, versions.parse($0, scheme)) }
    return parsed.sorted { a, b in
      switch (a.1, b.1) {
      case (let x?, let y?): return x == y ? a.0 < b.0 : x < y
      case (nil, nil): return a.0 < b.0
      case (nil, _): return false
      case (_, nil): return true
      }
    }.map(\.0)
  }

  /// Adds a `stdlib` package per Go binary that has module packages but no `stdlib` entry.
  static func withSynthesizedStdlib(_ packages: [Package]) -> [Package] {
    var out = packages
    var haveStdlib: Set<String> = []
    for p in packages where p.ecosystem == .golang && (p.name == "stdlib" || p.name == "go") {
      haveStdlib.insert(p.locations.min()?.path ?? "")
    }
    var added: Set<String> = []
    for p in packages where p.ecosystem == .golang {
      guard case .goModule(let meta) = p.metadata, !meta.goVersion.isEmpty else { continue }
      let path = p.locations.min()?.path ?? ""
      guard !haveStdlib.contains(path), added.insert(path).inserted else { continue }
      let purl = PackageURL(type: "golang", name: "stdlib", version: meta.goVersion)
      out.append(
        Package(
          name: "stdlib", version: meta.goVersion, ecosystem: .golang, purl: purl,
          locations: p.locations.min().map { [$0] } ?? [],
          foundBy: "matching-go-stdlib", introducedBy: p.introducedBy,
          introducedByIndex: p.introducedByIndex,
          fromBaseImage: p.fromBaseImage,
          metadata: .goModule(
            GoModuleMetadata(goVersion: meta.goVersion, mainModule: meta.mainModule))))
    }
    return out
  }
}
