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

  init(
    _ advisory: Advisory, sortedIDs: [String], idTokens: [Int], tables: SchemeTables,
    versions: inout VersionCache, diagnostics: inout Set<Diagnostic>
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
        entry, advisory: advisory, tables: tables, versions: &versions, diagnostics: &diagnostics)
      scheme = prepared.ranges.last?.scheme ?? prepared.scheme
      entries.append(prepared)
    }
    self.vectors = vectors.sorted()
    self.scheme = scheme
    self.entries = entries
  }
}

/// One affected entry of a prepared advisory.
final class PreparedEntry: Sendable {
  let ecosystem: String
  let name: String
  /// The ecosystem's own version scheme (for `versions` and `ECOSYSTEM` ranges).
  let scheme: VersionSchemeKind
  let versions: Set<String>
  /// Its `ECOSYSTEM` and `SEMVER` ranges (GIT ranges are not evaluated).
  let ranges: [PreparedRange]
  /// The distro says it will not fix this entry.
  let wontFix: Bool

  init(
    _ entry: AffectedPackage, advisory: Advisory, tables: SchemeTables,
    versions cache: inout VersionCache, diagnostics: inout Set<Diagnostic>
  ) {
    ecosystem = entry.ecosystem
    name = entry.name
    scheme = VersionSchemeKind(osvEcosystem: entry.ecosystem) ?? .generic
    versions = Set(entry.versions)
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
      tables.rank($0, scheme, versions: &versions)
    }
    self.evaluator = evaluator
    fixed = range.events.filter { $0.kind == .fixed }.map(\.version)
    let sorted = Matcher.sortVersions(Array(Set(fixed)), scheme: scheme, versions: &versions)
    sortedFixed = sorted
    sortedFixedRanks = sorted.map { tables.rank($0, scheme, versions: &versions) }
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
    for advisory in live {
      for entry in advisory.affected {
        let ecosystemScheme = VersionSchemeKind(osvEcosystem: entry.ecosystem) ?? .generic
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
      let ids = Array(Set(advisory.allIDs)).sorted()
      let idTokens = ids.map { id in
        if let t = tokens[id] { return t }
        tokens[id] = tokens.count
        return tokens.count - 1
      }
      prepared.append(
        PreparedAdvisory(
          advisory, sortedIDs: ids, idTokens: idTokens, tables: tables, versions: &versions,
          diagnostics: &diagnostics))
    }
    self.advisories = prepared
    self.tables = tables
    tokenCount = tokens.count
  }

  /// How many distinct ids the group's advisories have (tokens are `0..<tokenCount`).
  let tokenCount: Int
}

/// One `VersionTable` per scheme, of every event version a group's ranges name in it.
struct SchemeTables: Sendable {
  private var tables: [VersionSchemeKind: RangeEvaluator.VersionTable<AnyVersion>] = [:]

  init(_ texts: [VersionSchemeKind: Set<String>], versions: inout VersionCache) {
    for (scheme, set) in texts {
      tables[scheme] = RangeEvaluator.VersionTable(set.compactMap { versions.parse($0, scheme) })
    }
  }

  /// The rank of an event version in its scheme's table; nil when it does not parse.
  func rank(_ text: String, _ scheme: VersionSchemeKind, versions: inout VersionCache) -> Int32? {
    guard let v = versions.parse(text, scheme) else { return nil }
    return tables[scheme]?.rank(v)
  }

  /// Where an installed version falls in its scheme's table.
  func position(of version: AnyVersion, _ scheme: VersionSchemeKind) -> RangeEvaluator.Position {
    tables[scheme]?.position(of: version) ?? RangeEvaluator.Position(below: 0, exact: false)
  }
}
