import TailguardModel

/// Evaluates one OSV range against an installed version, following the OSV schema's
/// evaluation algorithm (https://ossf.github.io/osv-schema/#evaluation):
///
/// 1. If the range has `limit` events, the version must be below at least one limit
///    (`limit: "*"` is unbounded), else it is not affected.
/// 2. Events are sorted by version (`introduced: "0"` sorts before every version) and walked in
///    order: `introduced` at or below the version sets affected; `fixed` at or below it clears
///    it; `last_affected` strictly below it clears it.
///
/// Generic over the parsed version type so tests can drive it with any `Comparable`; an event
/// whose version does not parse is skipped and reported.
///
/// A scan evaluates the same ranges against many installed versions, so the work is split:
/// the event versions of many ranges go into one sorted `VersionTable`, each range keeps its
/// events as ranks in that table (`Prepared`), and an installed version is placed in the table
/// once (one binary search) after which every range is evaluated with integer comparisons.
public enum RangeEvaluator {
  public struct Outcome: Hashable, Sendable {
    public var affected: Bool
    /// The event that opened the interval the version fell in.
    public var openedBy: RangeEvent?
    /// The event that closes that interval (`fixed`, `last_affected` or `limit`), if any.
    public var closedBy: RangeEvent?
    /// Event versions the scheme could not parse (skipped).
    public var unparsable: [String]

    /// `introduced 0, fixed 2.20.0` style text for evidence.
    public var intervalDescription: String {
      [openedBy, closedBy].compactMap { $0?.description }.joined(separator: ", ")
    }
  }

  public static func evaluate<V: Comparable>(
    installed: V, events: [RangeEvent], parse: (String) -> V?
  ) -> Outcome {
    var parsed: [String: V] = [:]
    for e in events where parsed[e.version] == nil { parsed[e.version] = parse(e.version) }
    let table = VersionTable(Array(parsed.values))
    let prepared = Prepared(events: events) { parsed[$0].flatMap(table.rank) }
    return prepared.outcome(table.position(of: installed))
  }

  /// Distinct versions in order, so that a version's place among them stands in for comparing
  /// it with each of them.
  public struct VersionTable<V: Comparable> {
    public let versions: [V]

    public init(_ values: [V]) {
      var distinct: [V] = []
      for v in values.sorted() where distinct.last.map({ $0 != v }) ?? true {
        distinct.append(v)
      }
      versions = distinct
    }

    /// The index of a version equal to `v`, or nil when the table has none.
    public func rank(_ v: V) -> Int32? {
      let p = position(of: v)
      return p.exact ? p.below : nil
    }

    /// Where `v` falls: how many table versions are below it, and whether the next one equals it.
    public func position(of v: V) -> Position {
      var low = 0
      var high = versions.count
      while low < high {
        let mid = (low + high) / 2
        if versions[mid] < v { low = mid + 1 } else { high = mid }
      }
      return Position(below: Int32(low), exact: low < versions.count && versions[low] == v)
    }
  }

  /// An installed version's place in a `VersionTable`.
  public struct Position: Hashable, Sendable {
    public var below: Int32
    public var exact: Bool
  }

  /// One range's events as ranks in a `VersionTable`, in evaluation order.
  public struct Prepared: Sendable {
    /// `introduced: "0"` sorts below every version, `limit: "*"` above.
    private static var zero: Int32 { -1 }
    private static var infinity: Int32 { .max }
    /// The events' ranks and kinds in evaluation order (a `PreparedGroup` copies them into its
    /// flat index).
    let ranks: [Int32]
    let kinds: [RangeEvent.Kind]
    /// The events in evaluation order (parallel to `ranks`).
    public let events: [RangeEvent]
    /// Event versions that have no rank (the scheme could not parse them): skipped.
    public let unparsable: [String]
    let hasLimit: Bool

    /// `rank` gives an event version's index in the table, or nil when it does not parse.
    public init(events source: [RangeEvent], rank: (String) -> Int32?) {
      var unparsable: [String] = []
      var positioned: [(rank: Int32, event: RangeEvent, order: Int)] = []
      for (i, e) in source.enumerated() {
        if e.kind == .introduced && e.version == "0" {
          positioned.append((Self.zero, e, i))
        } else if e.kind == .limit && e.version == "*" {
          positioned.append((Self.infinity, e, i))
        } else if let r = rank(e.version) {
          positioned.append((r, e, i))
        } else {
          unparsable.append(e.version)
        }
      }
      // By version, then in the order the advisory lists them (usually already so).
      if !zip(positioned, positioned.dropFirst()).allSatisfy({
        ($0.rank, $0.order) < ($1.rank, $1.order)
      }) {
        positioned.sort { ($0.rank, $0.order) < ($1.rank, $1.order) }
      }
      ranks = positioned.map(\.rank)
      kinds = positioned.map(\.event.kind)
      events = positioned.map(\.event)
      self.unparsable = unparsable
      hasLimit = positioned.contains { $0.event.kind == .limit }
    }

    /// The index (in `events`) of the event that opened the interval the installed version
    /// falls in, or nil when the range does not affect it.
    public func openingIndex(_ p: Position) -> Int? {
      Self.openingIndex(ranks: ranks[...], kinds: kinds[...], hasLimit: hasLimit, p)
    }

    /// `openingIndex` over a range's ranks and kinds wherever they are stored.
    @inline(__always)
    /// The result is an offset from the start of the slices.
    static func openingIndex(
      ranks: ArraySlice<Int32>, kinds: ArraySlice<RangeEvent.Kind>, hasLimit: Bool,
      _ p: Position
    ) -> Int? {
      let base = kinds.startIndex
      return openingIndex(
        count: kinds.count, hasLimit: hasLimit, p, rank: { ranks[base + $0] },
        kind: { kinds[base + $0] })
    }

    /// The evaluation itself, over `count` events given by accessors (inlined, so that callers
    /// can keep events wherever is cheapest to read).
    @inline(__always)
    static func openingIndex(
      count: Int, hasLimit: Bool, _ p: Position, rank: (Int) -> Int32,
      kind: (Int) -> RangeEvent.Kind
    ) -> Int? {
      /// -1, 0 or 1: the event at `index` against the installed version at `p`.
      @inline(__always) func compare(_ index: Int) -> Int {
        let r = rank(index)
        if r < p.below { return -1 }
        return r == p.below && p.exact ? 0 : 1
      }
      if hasLimit {
        var below = false
        for i in 0..<count where kind(i) == .limit && compare(i) > 0 {
          below = true
          break
        }
        if !below { return nil }
      }
      var opened: Int?
      for i in 0..<count {
        switch kind(i) {
        case .introduced:
          if compare(i) <= 0 { opened = i }
        case .fixed:
          if compare(i) <= 0 { opened = nil }
        case .lastAffected:
          if compare(i) < 0 { opened = nil }
        case .limit:
          break
        }
      }
      return opened
    }

    /// The event that closes the interval opened at `index`: events after the opening one are
    /// all above the installed version, so it is the first one that is not `introduced`.
    public func closingEvent(after index: Int) -> RangeEvent? {
      events[(index + 1)...].first { $0.kind != .introduced }
    }

    public func outcome(_ p: Position) -> Outcome {
      guard let start = openingIndex(p) else {
        return Outcome(affected: false, openedBy: nil, closedBy: nil, unparsable: unparsable)
      }
      return Outcome(
        affected: true, openedBy: events[start], closedBy: closingEvent(after: start),
        unparsable: unparsable)
    }
  }
}

extension RangeEvaluator.VersionTable: Sendable where V: Sendable {}
