import TailguardModel
import VersionSchemes

/// One advisory made ready to be matched against the many packages of a scan that share its
/// package name: its events parsed and ordered, its ids, vectors and fixed versions sorted, its
/// evidence text built, once per scan instead of once per package. A class so that the many
/// matches that refer to it share it instead of copying it.
final class PreparedAdvisory: Sendable {
  let id: String
  let source: String
  /// The id and its aliases, unique and sorted.
  let sortedIDs: [String]
  /// `sortedIDs` as small integers, unique within its `PreparedGroup` (for alias merging).
  let idTokens: [Int]
  let primaryID: String
  let summary: String?
  let vendorSeverity: String?
  /// The advisory's vectors and those of its affected entries, unique and sorted.
  let vectors: [SeverityVector]
  /// The scheme its fixed versions are ordered by: that of its last evaluated range.
  let scheme: VersionSchemeKind
  let entries: [PreparedEntry]

  /// The id as a one-element list (a finding of this advisory alone shares it).
  let recordIDs: [String]
  /// Its CVE ids (for the KEV and EPSS join).
  let cveIDs: [String]
  /// Where each evidence item the advisory can produce sorts among its others, in
  /// `MatchEvidence` order (ecosystem, range kind, interval), so that a match's evidence is put
  /// in order by comparing integers: entry `e`'s "listed in versions" item is at
  /// `evidenceRanks[versionsSlots[e]]`, the interval opened by event `i` of the `k`-th range
  /// (counted across entries) at `evidenceRanks[rangeSlots[k] + i]`.
  let versionsSlots: [Int32]
  let rangeSlots: [Int32]
  let evidenceRanks: [Int32]
  /// For each entry, the index in `rangeSlots` of its first range.
  let rangeBase: [Int32]

  init(
    _ advisory: Advisory, sortedIDs: [String], idTokens: [Int], tables: SchemeTables,
    schemes: [String: VersionSchemeKind], versions: inout VersionCache,
    diagnostics: inout Set<Diagnostic>
  ) {
    id = advisory.id
    source = advisory.source
    self.sortedIDs = sortedIDs
    self.idTokens = idTokens
    primaryID = PrimaryID.choose(sortedIDs) ?? advisory.id
    recordIDs = [advisory.id]
    cveIDs = sortedIDs.filter { $0.hasPrefix("CVE-") }
    summary = advisory.summary ?? advisory.details.map { String($0.prefix(200)) }
    vendorSeverity = advisory.vendorSeverity
    var vectors = Set(advisory.severities)
    var scheme: VersionSchemeKind = .generic
    var entries: [PreparedEntry] = []
    for entry in advisory.affected {
      vectors.formUnion(entry.severities)
      let prepared = PreparedEntry(
        entry, scheme: schemes[entry.ecosystem] ?? .generic, advisory: advisory, tables: tables,
        versions: &versions, diagnostics: &diagnostics)
      scheme = prepared.ranges.last?.scheme ?? prepared.scheme
      entries.append(prepared)
    }
    self.vectors = vectors.sorted()
    self.scheme = scheme
    self.entries = entries
    var keys: [(ecosystem: String, kind: String, interval: String)] = []
    var versionsSlots: [Int32] = []
    var rangeSlots: [Int32] = []
    var rangeBase: [Int32] = []
    for entry in entries {
      rangeBase.append(Int32(rangeSlots.count))
      versionsSlots.append(Int32(keys.count))
      keys.append((entry.ecosystem, "versions", "listed in versions"))
      for range in entry.ranges {
        rangeSlots.append(Int32(keys.count))
        for interval in range.intervals {
          keys.append((entry.ecosystem, range.kind.rawValue, interval))
        }
      }
    }
    let order = keys.indices.sorted { keys[$0] < keys[$1] }
    var ranks = [Int32](repeating: 0, count: keys.count)
    var rank: Int32 = 0
    for (n, slot) in order.enumerated() {
      if n > 0 && keys[order[n - 1]] < keys[slot] { rank += 1 }
      ranks[slot] = rank
    }
    self.versionsSlots = versionsSlots
    self.rangeSlots = rangeSlots
    self.rangeBase = rangeBase
    evidenceRanks = ranks
  }
}

/// One affected entry of a prepared advisory.
final class PreparedEntry: Sendable {
  let ecosystem: String
  let name: String
  /// The ecosystem's own version scheme (for `versions` and `ECOSYSTEM` ranges).
  let scheme: VersionSchemeKind
  /// Its enumerated `versions`, as listed (the group's `RangeIndex` looks them up).
  let versions: [String]
  /// Its `ECOSYSTEM` and `SEMVER` ranges (GIT ranges are not evaluated).
  let ranges: [PreparedRange]
  /// The distro says it will not fix this entry.
  let wontFix: Bool

  init(
    _ entry: AffectedPackage, scheme: VersionSchemeKind, advisory: Advisory,
    tables: SchemeTables, versions cache: inout VersionCache, diagnostics: inout Set<Diagnostic>
  ) {
    ecosystem = entry.ecosystem
    name = entry.name
    self.scheme = scheme
    versions = entry.versions
    var ranges: [PreparedRange] = []
    for range in entry.ranges {
      guard let rangeScheme = Self.scheme(of: range, ecosystemScheme: scheme) else { continue }
      let prepared = PreparedRange(
        range, scheme: rangeScheme, tables: tables, versions: &cache)
      for bad in prepared.evaluator.unparsable {
        diagnostics.insert(
          Diagnostic(
            .warning, code: "match.unparsable-event",
            "\(advisory.id): event version '\(bad.prefix(80))' is not a valid \(rangeScheme.rawValue) version; event skipped",
            source: "matching", path: advisory.source))
      }
      ranges.append(prepared)
    }
    if ranges.isEmpty && !entry.ranges.isEmpty && entry.versions.isEmpty {
      diagnostics.insert(
        Diagnostic(
          .info, code: "match.git-range-skipped",
          "\(advisory.id): only GIT ranges for \(entry.name); commit ranges are not evaluated",
          source: "matching", path: advisory.source))
    }
    self.ranges = ranges
    wontFix = VendorFixStatement.saysWontFix(entry.databaseSpecific)
  }

  /// The scheme a range's versions are compared in; nil for GIT ranges (not evaluated).
  static func scheme(of range: AffectedRange, ecosystemScheme: VersionSchemeKind)
    -> VersionSchemeKind?
  {
    switch range.kind {
    case .git: nil
    case .semver: .semver
    case .ecosystem: ecosystemScheme
    }
  }
}

/// One evaluable range of a prepared entry.
final class PreparedRange: Sendable {
  let kind: AffectedRange.Kind
  let scheme: VersionSchemeKind
  let evaluator: RangeEvaluator.Prepared
  /// Its `fixed` event versions as written, in the advisory's order.
  let fixed: [String]
  /// `fixed`, unique, in version order (unparsable ones last), with their parsed versions.
  let sortedFixed: [String]
  /// The rank of each of `sortedFixed` in the group's table of this scheme (nil: unparsable).
  let sortedFixedRanks: [Int32?]
  /// Evidence text for the interval opened by each event index (`introduced 0, fixed 2.0`).
  let intervals: [String]
  /// Whether the interval opened by each event index has no closing event or only
  /// `last_affected` (the advisory names no fix for it).
  let openEnded: [Bool]

  init(
    _ range: AffectedRange, scheme: VersionSchemeKind, tables: SchemeTables,
    versions: inout VersionCache
  ) {
    kind = range.kind
    self.scheme = scheme
    let evaluator = RangeEvaluator.Prepared(events: range.events) {
      tables.rank($0, scheme)
    }
    self.evaluator = evaluator
    fixed = range.events.filter { $0.kind == .fixed }.map(\.version)
    let sorted = Matcher.sortVersions(Array(Set(fixed)), scheme: scheme, versions: &versions)
    sortedFixed = sorted
    sortedFixedRanks = sorted.map { tables.rank($0, scheme) }
    var intervals: [String] = []
    var openEnded: [Bool] = []
    for i in evaluator.events.indices {
      guard evaluator.events[i].kind == .introduced else {
        intervals.append("")
        openEnded.append(false)
        continue
      }
      let closing = evaluator.closingEvent(after: i)
      intervals.append(
        [evaluator.events[i], closing].compactMap { $0?.description }.joined(separator: ", "))
      openEnded.append(closing == nil || closing?.kind == .lastAffected)
    }
    self.intervals = intervals
    self.openEnded = openEnded
  }
}

/// The prepared advisories of one lookup key (ecosystems and package name), in store order,
/// withdrawn ones left out; their ids are numbered within the group, and the event versions of
/// all their ranges are ranked in one table per scheme.
struct PreparedGroup: Sendable {
  let advisories: [PreparedAdvisory]
  let tables: SchemeTables

  init(_ advisories: [Advisory], versions: inout VersionCache, diagnostics: inout Set<Diagnostic>) {
    let live = advisories.filter { $0.withdrawn == nil }
    var texts: [VersionSchemeKind: Set<String>] = [:]
    var schemes: [String: VersionSchemeKind] = [:]
    for advisory in live {
      for entry in advisory.affected {
        let ecosystemScheme =
          schemes[entry.ecosystem]
          ?? {
            let s = VersionSchemeKind(osvEcosystem: entry.ecosystem) ?? .generic
            schemes[entry.ecosystem] = s
            return s
          }()
        for range in entry.ranges {
          guard let scheme = PreparedEntry.scheme(of: range, ecosystemScheme: ecosystemScheme)
          else { continue }
          for e in range.events { texts[scheme, default: []].insert(e.version) }
        }
      }
    }
    let tables = SchemeTables(texts, versions: &versions)
    var tokens: [String: Int] = [:]
    var prepared: [PreparedAdvisory] = []
    for advisory in live {
      let ids = Array(Set(CollectionOfOne(advisory.id) + advisory.aliases)).sorted()
      let idTokens = ids.map { id in
        if let t = tokens[id] { return t }
        tokens[id] = tokens.count
        return tokens.count - 1
      }
      prepared.append(
        PreparedAdvisory(
          advisory, sortedIDs: ids, idTokens: idTokens, tables: tables, schemes: schemes,
          versions: &versions, diagnostics: &diagnostics))
    }
    self.advisories = prepared
    self.tables = tables
    tokenCount = tokens.count
    index = RangeIndex(prepared)
  }

  /// How many distinct ids the group's advisories have (tokens are `0..<tokenCount`).
  let tokenCount: Int
  /// Every evaluable range of the group in plain arrays, for the per-package loop.
  let index: RangeIndex
}

/// The ranges of a group flattened into arrays of plain values, in (advisory, entry, range)
/// order: a package is evaluated against all of them with no reference counting, and only the
/// ranges that match lead back to the prepared objects. Also which entries list which versions.
struct RangeIndex: Sendable {
  struct Range: Sendable {
    var advisory: Int32
    var entry: Int32
    var range: Int32
    var scheme: VersionSchemeKind
    var hasLimit: Bool
    /// Where its events are in `ranks` and `kinds`.
    var start: Int32
    var count: Int32
    /// The same events kept inline when there are at most four (most ranges), so evaluating
    /// them reads no array.
    var smallRanks: SIMD4<Int32>
    var smallKinds: SIMD4<UInt8>

    /// Whether the events are inline.
    var isSmall: Bool { count <= 4 }

    static func code(_ kind: RangeEvent.Kind) -> UInt8 {
      switch kind {
      case .introduced: 0
      case .fixed: 1
      case .lastAffected: 2
      case .limit: 3
      }
    }

    @inline(__always)
    static func kind(_ code: UInt8) -> RangeEvent.Kind {
      switch code {
      case 0: .introduced
      case 1: .fixed
      case 2: .lastAffected
      default: .limit
      }
    }
  }
  let ranges: [Range]
  let ranks: [Int32]
  let kinds: [RangeEvent.Kind]
  /// For each version text some entry enumerates, the (advisory, entry) pairs that list it.
  let listed: [String: [(advisory: Int32, entry: Int32)]]

  init(_ advisories: [PreparedAdvisory]) {
    var ranges: [Range] = []
    var ranks: [Int32] = []
    var kinds: [RangeEvent.Kind] = []
    var listed: [String: [(advisory: Int32, entry: Int32)]] = [:]
    for (a, advisory) in advisories.enumerated() {
      for (e, entry) in advisory.entries.enumerated() {
        for v in entry.versions {
          // A version listed twice by one entry is one piece of evidence.
          if let last = listed[v]?.last, last == (Int32(a), Int32(e)) { continue }
          listed[v, default: []].append((Int32(a), Int32(e)))
        }
        for (r, range) in entry.ranges.enumerated() {
          var smallRanks = SIMD4<Int32>(repeating: 0)
          var smallKinds = SIMD4<UInt8>(repeating: 0)
          for (i, rank) in range.evaluator.ranks.prefix(4).enumerated() {
            smallRanks[i] = rank
            smallKinds[i] = Range.code(range.evaluator.kinds[i])
          }
          ranges.append(
            Range(
              advisory: Int32(a), entry: Int32(e), range: Int32(r), scheme: range.scheme,
              hasLimit: range.evaluator.hasLimit, start: Int32(ranks.count),
              count: Int32(range.evaluator.ranks.count), smallRanks: smallRanks,
              smallKinds: smallKinds))
          ranks += range.evaluator.ranks
          kinds += range.evaluator.kinds
        }
      }
    }
    self.ranges = ranges
    self.ranks = ranks
    self.kinds = kinds
    self.listed = listed
  }
}

/// One `VersionTable` per scheme, of every event version a group's ranges name in it, and each
/// of those texts' rank in it.
struct SchemeTables: Sendable {
  private var tables: [VersionSchemeKind: RangeEvaluator.VersionTable<AnyVersion>] = [:]
  private var ranks: [VersionSchemeKind: [String: Int32]] = [:]

  init(_ texts: [VersionSchemeKind: Set<String>], versions: inout VersionCache) {
    for (scheme, set) in texts {
      var parsed: [(String, AnyVersion)] = []
      for text in set { if let v = versions.parse(text, scheme) { parsed.append((text, v)) } }
      let table = RangeEvaluator.VersionTable(parsed.map(\.1))
      var byText: [String: Int32] = [:]
      for (text, v) in parsed { byText[text] = table.rank(v) }
      tables[scheme] = table
      ranks[scheme] = byText
    }
  }

  /// The rank of an event version in its scheme's table; nil when it does not parse (or is
  /// not one of the texts the tables were made from).
  func rank(_ text: String, _ scheme: VersionSchemeKind) -> Int32? {
    ranks[scheme]?[text]
  }

  /// Where an installed version falls in its scheme's table.
  func position(of version: AnyVersion, _ scheme: VersionSchemeKind) -> RangeEvaluator.Position {
    tables[scheme]?.position(of: version) ?? RangeEvaluator.Position(below: 0, exact: false)
  }
}
