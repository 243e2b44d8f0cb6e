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
  /// Prepared groups shared across matches against the same unchanging store (nil: each match
  /// prepares its own).
  public let cache: PreparedGroupCache?

  public init(store: any AdvisoryStore, cache: PreparedGroupCache? = nil) {
    self.store = store
    self.cache = cache
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
    // (Indices are sorted, not the large tuples.)
    let targetOrder = targets.indices.sorted { a, b in
      (targets[a].0.name, targets[a].0.version, targets[a].0.id)
        < (targets[b].0.name, targets[b].0.version, targets[b].0.id)
    }
    targets = targetOrder.map { targets[$0] }
    // 2. Each lookup key's advisories read (one batched query per ecosystem per slice of
    //    keys) and prepared once (events parsed and ranked, ids, vectors and evidence text
    //    built): many packages share a name. Slices run in parallel, store reads included.
    var keys: Set<GroupKey> = []
    for (_, t) in targets { keys.insert(GroupKey(ecosystems: t.ecosystems, name: t.name)) }
    let keyList = keys.sorted {
      ($0.name, $0.ecosystems.joined(separator: "\n")) < (
        $1.name, $1.ecosystems.joined(separator: "\n")
      )
    }
    var groups: [GroupKey: PreparedGroup] = [:]
    var missing = keyList
    if let cache {
      let held = cache.get(keyList)
      for (key, entry) in held {
        groups[key] = entry.group
        diagnostics.formUnion(entry.diagnostics)
      }
      missing = keyList.filter { held[$0] == nil }
    }
    let keySlices = stride(from: 0, to: missing.count, by: Self.parallelSlice).map {
      missing[$0..<min($0 + Self.parallelSlice, missing.count)]
    }
    let preparedSlices = ParallelMap.map(keySlices) { slice in
      var local: Set<Diagnostic> = []
      var names: [String: Set<String>] = [:]
      for key in slice {
        for e in key.ecosystems { names[e, default: []].insert(key.name) }
      }
      var advisories: [String: [String: [Advisory]]] = [:]
      var complete = true
      for (ecosystem, set) in names.sorted(by: { $0.key < $1.key }) {
        do {
          advisories[ecosystem] = try store.advisories(ecosystem: ecosystem, names: set.sorted())
        } catch {
          complete = false
          local.insert(
            Diagnostic(.error, code: "match.store", String(describing: error), source: "matching"))
        }
      }
      var versions = VersionCache()
      var out: [(GroupKey, PreparedGroupCache.Entry)] = []
      for key in slice {
        var list: [Advisory] = []
        for ecosystem in key.ecosystems { list += advisories[ecosystem]?[key.name] ?? [] }
        var own: Set<Diagnostic> = []
        let group = PreparedGroup(list, versions: &versions, diagnostics: &own)
        out.append((key, PreparedGroupCache.Entry(group: group, diagnostics: own)))
      }
      return (out, local, complete)
    }
    for (prepared, local, complete) in preparedSlices {
      for (key, entry) in prepared {
        groups[key] = entry.group
        diagnostics.formUnion(entry.diagnostics)
      }
      diagnostics.formUnion(local)
      // A slice whose store read failed is not kept: the next match tries again.
      if complete { cache?.put(prepared) }
    }
    // 4. Range evaluation, pure and independent per package: in parallel slices.
    let slices = stride(from: 0, to: targets.count, by: Self.parallelSlice).map {
      $0..<min($0 + Self.parallelSlice, targets.count)
    }
    var results = ParallelMap.map(slices) { slice in
      var local: Set<Diagnostic> = []
      let found = MoveBuffer<Finding>(capacity: 1024)
      var versions = VersionCache()
      var matched: [ObjectIdentifier: PreparedAdvisory] = [:]
      for (package, target) in targets[slice] {
        guard let group = groups[GroupKey(ecosystems: target.ecosystems, name: target.name)],
          !group.advisories.isEmpty
        else { continue }
        var installed = InstalledVersion(target.version, package: package, tables: group.tables)
        let matches = evaluate(group, installed: &installed, diagnostics: &local)
        for m in matches { matched[ObjectIdentifier(m.advisory)] = m.advisory }
        merge(
          matches, group: group, package: package, installed: &installed, versions: &versions,
          into: found)
      }
      var cves: Set<String> = []
      for advisory in matched.values { cves.formUnion(advisory.cveIDs) }
      return (found, local, cves)
    }
    var parts: [MoveBuffer<Finding>] = []
    parts.reserveCapacity(results.count)
    var cves: Set<String> = []
    for (found, local, ids) in results {
      parts.append(found)
      diagnostics.formUnion(local)
      cves.formUnion(ids)
    }
    results = []
    var findings = MoveBuffer.concatenate(parts)
    attachExploitation(&findings, cves: cves, diagnostics: &diagnostics)
    let sortedDiagnostics = diagnostics.sorted {
      ($0.code, $0.path ?? "", $0.message) < ($1.code, $1.path ?? "", $1.message)
    }
    return MatchResult(findings: findings, diagnostics: sortedDiagnostics)
  }

  /// What a package is looked up by: its advisories are prepared once per key.
  struct GroupKey: Hashable, Sendable {
    var ecosystems: [String]
    var name: String
  }

  /// A package's installed version, parsed and placed in its group's tables once per scheme
  /// it is compared in.
  struct InstalledVersion {
    let text: String
    let package: Package
    let tables: SchemeTables
    /// Per scheme met so far: its place (nil when the text is not a version of the scheme),
    /// and the parsed version (kept apart so the lookup in the hot loop copies no version).
    private var positions: [(scheme: VersionSchemeKind, position: RangeEvaluator.Position?)] = []
    private var parsed: [AnyVersion?] = []
    /// The last scheme asked for and its answer (ranges of one group mostly share a scheme).
    private var lastScheme: VersionSchemeKind?
    private var lastPosition: RangeEvaluator.Position?

    init(_ text: String, package: Package, tables: SchemeTables) {
      self.text = text
      self.package = package
      self.tables = tables
    }

    /// The version's place in the `scheme` table, or nil (with one diagnostic per scheme) when
    /// it is not a valid version of the scheme.
    @inline(__always)
    mutating func position(_ scheme: VersionSchemeKind, diagnostics: inout Set<Diagnostic>)
      -> RangeEvaluator.Position?
    {
      if scheme == lastScheme { return lastPosition }
      let p = place(scheme, diagnostics: &diagnostics)
      lastScheme = scheme
      lastPosition = p
      return p
    }

    private mutating func place(_ scheme: VersionSchemeKind, diagnostics: inout Set<Diagnostic>)
      -> RangeEvaluator.Position?
    {
      for entry in positions where entry.scheme == scheme { return entry.position }
      let v = try? scheme.parse(text)
      let p = v.map { tables.position(of: $0, scheme) }
      positions.append((scheme, p))
      parsed.append(v)
      if v == nil {
        diagnostics.insert(
          Diagnostic(
            .warning, code: "match.unparsable-version",
            "\(package.name) \(text) is not a valid \(scheme.rawValue) version; its \(scheme.rawValue) ranges are not evaluated",
            source: "matching", path: package.locations.min()?.path))
      }
      return p
    }

    /// The parsed version in `scheme`, without a diagnostic (for ordering fixed versions, after
    /// the package's ranges were evaluated).
    mutating func version(_ scheme: VersionSchemeKind) -> AnyVersion? {
      var ignored: Set<Diagnostic> = []
      _ = position(scheme, diagnostics: &ignored)
      for i in positions.indices where positions[i].scheme == scheme { return parsed[i] }
      return nil
    }
  }

  /// One advisory record that matched one package.
  struct AdvisoryMatch {
    var advisory: PreparedAdvisory
    var evidence: [MatchEvidence]
    /// The first matching range, as (entry, range) indices into `advisory`; any others.
    var range: (entry: Int32, range: Int32)
    var moreRanges: [(entry: Int32, range: Int32)]
    /// True when some matching interval has no closing event or only `last_affected`.
    var openEnded: Bool
    /// True when a matching entry carries the distro's "will not fix" statement.
    var wontFix: Bool

    func forEachRange(_ body: (PreparedRange) -> Void) {
      if range.entry >= 0 { body(advisory.entries[Int(range.entry)].ranges[Int(range.range)]) }
      for (e, r) in moreRanges { body(advisory.entries[Int(e)].ranges[Int(r)]) }
    }
  }

  /// Evaluates a package against every advisory of its group and returns one match per
  /// advisory that affects it, in group order, each with its evidence in `MatchEvidence` order.
  func evaluate(
    _ group: PreparedGroup, installed: inout InstalledVersion, diagnostics: inout Set<Diagnostic>
  ) -> [AdvisoryMatch] {
    // 1. Which ranges affect the version (plain arrays, no objects touched), and which entries
    //    list it; as (advisory, entry, range or -1 for "listed", opening event).
    let index = group.index
    var hits: [(advisory: Int32, entry: Int32, range: Int32, opened: Int32)] = []
    for r in index.ranges {
      guard let p = installed.position(r.scheme, diagnostics: &diagnostics) else { continue }
      let opened: Int?
      if r.isSmall {
        opened = RangeEvaluator.Prepared.openingIndex(
          count: Int(r.count), hasLimit: r.hasLimit, p, rank: { r.smallRanks[$0] },
          kind: { RangeIndex.Range.kind(r.smallKinds[$0]) })
      } else {
        let events = Int(r.start)..<Int(r.start + r.count)
        opened = RangeEvaluator.Prepared.openingIndex(
          ranks: index.ranks[events], kinds: index.kinds[events], hasLimit: r.hasLimit, p)
      }
      if let opened {
        hits.append((r.advisory, r.entry, r.range, Int32(opened)))
      }
    }
    if let listing = index.listed[installed.text] {
      for (a, e) in listing { hits.append((a, e, -1, 0)) }
      // Within an advisory: entry by entry, the "listed" item before the entry's ranges.
      hits.sort { ($0.advisory, $0.entry, $0.range) < ($1.advisory, $1.entry, $1.range) }
    }
    guard !hits.isEmpty else { return [] }
    // 2. One match per advisory with hits.
    var matches: [AdvisoryMatch] = []
    var i = 0
    while i < hits.count {
      let current = hits[i].advisory
      let advisory = group.advisories[Int(current)]
      var match = AdvisoryMatch(
        advisory: advisory, evidence: [], range: (-1, -1), moreRanges: [], openEnded: false,
        wontFix: false)
      var ranks: [Int32] = []
      while i < hits.count && hits[i].advisory == current {
        let (_, e, r, opened) = hits[i]
        let entry = advisory.entries[Int(e)]
        let evidence: MatchEvidence
        if r < 0 {
          evidence = MatchEvidence(
            advisoryID: advisory.id, source: advisory.source, ecosystem: entry.ecosystem,
            packageName: entry.name, scheme: entry.scheme.rawValue,
            installedVersion: installed.text, rangeKind: "versions",
            matchedRange: "listed in versions")
          ranks.append(advisory.evidenceRanks[Int(advisory.versionsSlots[Int(e)])])
        } else {
          let range = entry.ranges[Int(r)]
          evidence = MatchEvidence(
            advisoryID: advisory.id, source: advisory.source, ecosystem: entry.ecosystem,
            packageName: entry.name, scheme: range.scheme.rawValue,
            installedVersion: installed.text, rangeKind: range.kind.rawValue,
            matchedRange: range.intervals[Int(opened)])
          let slot = advisory.rangeSlots[Int(advisory.rangeBase[Int(e)] + r)] + opened
          ranks.append(advisory.evidenceRanks[Int(slot)])
          if match.range.entry < 0 {
            match.range = (e, r)
          } else {
            match.moreRanges.append((e, r))
          }
          if range.openEnded[Int(opened)] { match.openEnded = true }
        }
        match.evidence.append(evidence)
        if entry.wontFix { match.wontFix = true }
        i += 1
      }
      if !zip(ranks, ranks.dropFirst()).allSatisfy({ $0 <= $1 }) {
        // A stable sort on the ranks: items that tie keep the order they were found in.
        let order = ranks.indices.sorted { (ranks[$0], $0) < (ranks[$1], $1) }
        match.evidence = order.map { match.evidence[$0] }
      }
      matches.append(match)
    }
    return matches
  }

  /// Groups matches that share an id or alias into one finding each, appended to `found` in
  /// finding order (one package's findings differ only by primary id).
  func merge(
    _ matches: [AdvisoryMatch], group: PreparedGroup, package: Package,
    installed: inout InstalledVersion, versions: inout VersionCache, into found: MoveBuffer<Finding>
  ) {
    guard !matches.isEmpty else { return }
    // Union-find over match indices, joined when they share an id token.
    var parent = Array(matches.indices)
    var joined = false
    if matches.count > 1 {
      func find(_ i: Int) -> Int {
        var i = i
        while parent[i] != i {
          parent[i] = parent[parent[i]]
          i = parent[i]
        }
        return i
      }
      var owner = [Int32](repeating: -1, count: group.tokenCount)
      for (i, m) in matches.enumerated() {
        for token in m.advisory.idTokens {
          let j = owner[token]
          if j < 0 {
            owner[token] = Int32(i)
          } else if find(i) != find(Int(j)) {
            parent[find(i)] = find(Int(j))
            joined = true
          }
        }
      }
      if joined { for i in parent.indices { parent[i] = find(i) } }
    }
    // The groups, each in (id, source) order (store order, so usually already), in primary-id
    // order.
    func ordered(_ a: AdvisoryMatch, _ b: AdvisoryMatch) -> Bool {
      (a.advisory.id, a.advisory.source) < (b.advisory.id, b.advisory.source)
    }
    // Each group is a run of `memberList`; most packages have no merged ids, so a group is
    // usually one match and no per-group array is made.
    var memberList = Array(matches.indices)
    var spans: [(primaryID: String, ids: [String], start: Int, count: Int)] = []
    spans.reserveCapacity(matches.count)
    if !joined {
      for i in matches.indices {
        spans.append((matches[i].advisory.primaryID, matches[i].advisory.sortedIDs, i, 1))
      }
    } else {
      var groups: [(primaryID: String, ids: [String], members: [Int])] = []
      var byRoot: [Int: Int] = [:]
      for i in matches.indices {
        if let g = byRoot[parent[i]] {
          groups[g].members.append(i)
        } else {
          byRoot[parent[i]] = groups.count
          groups.append(("", [], [i]))
        }
      }
      for g in groups.indices {
        var members = groups[g].members
        if !zip(members, members.dropFirst()).allSatisfy({ !ordered(matches[$1], matches[$0]) }) {
          members.sort { ordered(matches[$0], matches[$1]) }
        }
        groups[g].members = members
        if members.count == 1 {
          let a = matches[members[0]].advisory
          groups[g].primaryID = a.primaryID
          groups[g].ids = a.sortedIDs
        } else {
          let ids = Array(Set(members.flatMap { matches[$0].advisory.sortedIDs })).sorted()
          groups[g].ids = ids
          groups[g].primaryID =
            PrimaryID.choose(ids) ?? members.map { matches[$0].advisory.id }.min() ?? ""
        }
      }
      memberList = []
      for g in groups {
        spans.append((g.primaryID, g.ids, memberList.count, g.members.count))
        memberList += g.members
      }
    }
    if spans.count > 1 { spans.sort { $0.primaryID < $1.primaryID } }
    for (primaryID, ids, start, count) in spans {
      let members = memberList[start..<(start + count)]
      let first = matches[members[members.startIndex]]
      let advisory = first.advisory
      let scheme = advisory.scheme
      let single = members.count == 1
      // Fixed versions of the matching ranges in the advisory's scheme order, and the lowest
      // one above the installed version.
      var fixedAll: [String] = []
      var above: String?
      if single, first.moreRanges.isEmpty, first.range.entry >= 0,
        case let range = advisory.entries[Int(first.range.entry)].ranges[Int(first.range.range)],
        range.scheme == scheme
      {
        fixedAll = range.sortedFixed
        var ignored: Set<Diagnostic> = []
        if let p = installed.position(scheme, diagnostics: &ignored) {
          for (text, rank) in zip(range.sortedFixed, range.sortedFixedRanks) {
            if let r = rank, r > p.below || (r == p.below && !p.exact) {
              above = text
              break
            }
          }
        }
      } else {
        var texts = Set<String>()
        for i in members { matches[i].forEachRange { texts.formUnion($0.fixed) } }
        fixedAll = Self.sortVersions(Array(texts), scheme: scheme, versions: &versions)
        if let current = installed.version(scheme) {
          above = fixedAll.first { f in versions.parse(f, scheme).map { $0 > current } ?? false }
        }
      }
      let state: FixState
      if above != nil {
        state = .fixed
      } else if members.contains(where: { matches[$0].wontFix }) {
        state = .wontFix
      } else if members.contains(where: { matches[$0].openEnded }) {
        state = .notFixed
      } else {
        state = .unknown
      }
      let vectors: [SeverityVector]
      let recordIDs: [String]
      let evidence: [MatchEvidence]
      if single {
        vectors = advisory.vectors
        recordIDs = advisory.recordIDs
        evidence = first.evidence
      } else {
        var set = Set<SeverityVector>()
        for i in members { set.formUnion(matches[i].advisory.vectors) }
        vectors = set.sorted()
        recordIDs = Array(Set(members.map { matches[$0].advisory.id })).sorted()
        evidence = Self.sortedIfNeeded(members.flatMap { matches[$0].evidence })
      }
      found.append(
        Finding(
          packageID: package.id, packageName: package.name, packageVersion: package.version,
          ecosystem: package.ecosystem, purl: package.purl, primaryID: primaryID,
          advisoryIDs: ids, recordIDs: recordIDs,
          summary: members.lazy.compactMap { matches[$0].advisory.summary }.first,
          fixState: state, fixedVersion: above, fixedVersions: fixedAll,
          introducedBy: package.introducedBy, introducedByIndex: package.introducedByIndex,
          evidence: evidence,
          vendorSeverity: members.lazy.compactMap { matches[$0].advisory.vendorSeverity }.first,
          severityVectors: vectors))
    }
  }

  /// KEV and EPSS joined through every id of each finding (in place: only findings with a hit
  /// are touched). `ids` are the CVE ids of the matched advisories.
  func attachExploitation(
    _ findings: inout [Finding], cves ids: Set<String>, diagnostics: inout Set<Diagnostic>
  ) {
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
