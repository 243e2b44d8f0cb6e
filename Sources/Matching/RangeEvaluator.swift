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

  private enum Position<V: Comparable>: Comparable {
    case zero
    case at(V)
    case infinity
  }

  public static func evaluate<V: Comparable>(
    installed: V, events: [RangeEvent], parse: (String) -> V?
  ) -> Outcome {
    var unparsable: [String] = []
    var positioned: [(position: Position<V>, event: RangeEvent, order: Int)] = []
    for (i, e) in events.enumerated() {
      if e.kind == .introduced && e.version == "0" {
        positioned.append((.zero, e, i))
      } else if e.kind == .limit && e.version == "*" {
        positioned.append((.infinity, e, i))
      } else if let v = parse(e.version) {
        positioned.append((.at(v), e, i))
      } else {
        unparsable.append(e.version)
      }
    }
    // Advisories list events in order almost always: check before paying for a sort.
    let inOrder = zip(positioned, positioned.dropFirst()).allSatisfy {
      ($0.position, $0.order) < ($1.position, $1.order)
    }
    if !inOrder { positioned.sort { ($0.position, $0.order) < ($1.position, $1.order) } }
    let here = Position.at(installed)
    let limits = positioned.filter { $0.event.kind == .limit }
    if !limits.isEmpty && !limits.contains(where: { here < $0.position }) {
      return Outcome(affected: false, openedBy: nil, closedBy: nil, unparsable: unparsable)
    }
    var affected = false
    var opened: Int?
    for (i, p) in positioned.enumerated() {
      switch p.event.kind {
      case .introduced:
        if p.position <= here {
          affected = true
          opened = i
        }
      case .fixed:
        if p.position <= here { affected = false }
      case .lastAffected:
        if p.position < here { affected = false }
      case .limit:
        break
      }
    }
    guard affected, let start = opened else {
      return Outcome(affected: false, openedBy: nil, closedBy: nil, unparsable: unparsable)
    }
    // Events after the opening one are all above the installed version, so the first
    // non-`introduced` one closes the interval.
    let closing = positioned[(start + 1)...].first { $0.event.kind != .introduced }
    return Outcome(
      affected: true, openedBy: positioned[start].event, closedBy: closing?.event,
      unparsable: unparsable)
  }
}
