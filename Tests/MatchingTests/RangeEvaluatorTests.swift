import TailguardModel
import TailguardTesting
import Testing

@testable import Matching

@Suite struct RangeEvaluatorTests {
  func eval(_ v: Int, _ events: [RangeEvent]) -> RangeEvaluator.Outcome {
    RangeEvaluator.evaluate(installed: v, events: events) { Int($0) }
  }

  @Test func introducedFixed() {
    let events = [RangeEvent(.introduced, "0"), RangeEvent(.fixed, "5")]
    #expect(eval(1, events).affected)
    #expect(eval(4, events).affected)
    #expect(!eval(5, events).affected)
    #expect(!eval(9, events).affected)
    #expect(eval(4, events).intervalDescription == "introduced 0, fixed 5")
  }

  @Test func eventsAreSortedBeforeEvaluation() {
    // Unsorted on purpose: two intervals [2,4) and [7,9).
    let events = [
      RangeEvent(.fixed, "9"), RangeEvent(.introduced, "7"), RangeEvent(.fixed, "4"),
      RangeEvent(.introduced, "2"),
    ]
    #expect(!eval(1, events).affected)
    #expect(eval(2, events).affected)
    #expect(!eval(5, events).affected)
    #expect(eval(8, events).affected)
    #expect(eval(8, events).closedBy == RangeEvent(.fixed, "9"))
    #expect(!eval(10, events).affected)
  }

  @Test func lastAffectedIsInclusive() {
    let events = [RangeEvent(.introduced, "3"), RangeEvent(.lastAffected, "6")]
    #expect(!eval(2, events).affected)
    #expect(eval(6, events).affected)
    #expect(!eval(7, events).affected)
  }

  @Test func limitCapsTheRange() {
    let events = [RangeEvent(.introduced, "0"), RangeEvent(.limit, "5")]
    #expect(eval(4, events).affected)
    #expect(!eval(5, events).affected)
    let star = [RangeEvent(.introduced, "0"), RangeEvent(.limit, "*")]
    #expect(eval(1000, star).affected)
  }

  @Test func openEndedAndUnparsable() {
    let events = [RangeEvent(.introduced, "3"), RangeEvent(.fixed, "x.y")]
    let o = eval(10, events)
    #expect(o.affected)
    #expect(o.closedBy == nil)
    #expect(o.unparsable == ["x.y"])
  }

  @Test func goVersionNormalisation() {
    #expect(MatchTarget.goToolchainSemver("go1.15.2") == "1.15.2")
    #expect(MatchTarget.goToolchainSemver("go1.21") == "1.21.0")
    #expect(MatchTarget.goToolchainSemver("go1.21rc2") == "1.21.0-rc.2")
    #expect(MatchTarget.goModuleSemver("v2.3.0+incompatible") == "2.3.0")
    #expect(
      MatchTarget.goModuleSemver("v0.0.0-20200804184101-5ec99f83aff1")
        == "0.0.0-20200804184101-5ec99f83aff1")
  }

  @Test func distroEcosystems() {
    #expect(
      DistroEcosystems.osvEcosystems(for: Distro(id: "debian", versionID: "12")) == ["Debian:12"])
    #expect(
      DistroEcosystems.osvEcosystems(for: Distro(id: "ubuntu", versionID: "22.04")) == [
        "Ubuntu:22.04:LTS", "Ubuntu:22.04",
      ])
    #expect(
      DistroEcosystems.osvEcosystems(for: Distro(id: "alpine", versionID: "3.10.4")) == [
        "Alpine:v3.10"
      ])
    #expect(
      DistroEcosystems.osvEcosystems(for: Distro(id: "rocky", versionID: "9.3")) == [
        "Rocky Linux:9"
      ])
    #expect(
      DistroEcosystems.osvEcosystems(for: Distro(id: "almalinux", versionID: "8.9")) == [
        "AlmaLinux:8"
      ])
  }

  @Test func primaryIDPrefersCVE() {
    #expect(
      PrimaryID.choose(["PYSEC-2018-28", "GHSA-x84v-xcm2-53pg", "CVE-2018-18074"])
        == "CVE-2018-18074")
    #expect(PrimaryID.choose(["PYSEC-2018-28", "GHSA-x84v-xcm2-53pg"]) == "GHSA-x84v-xcm2-53pg")
  }
}

/// The matcher ranks the event versions of many ranges in one shared table and evaluates each
/// range by integer comparisons against the installed version's place in it. This checks that
/// against the OSV evaluation algorithm written out directly (compare each event with the
/// version), over random ranges that share, repeat and interleave versions.
@Suite struct SharedTableTests {
  /// The OSV schema's evaluation, version by version, with no table.
  static func reference(_ v: Int, _ events: [RangeEvent]) -> Bool {
    func place(_ e: RangeEvent) -> Int {
      if e.kind == .introduced && e.version == "0" { return Int.min }
      if e.kind == .limit && e.version == "*" { return Int.max }
      return Int(e.version)!
    }
    let limits = events.filter { $0.kind == .limit }
    if !limits.isEmpty && !limits.contains(where: { v < place($0) }) { return false }
    var affected = false
    for e in events.enumerated().sorted(by: { (place($0.1), $0.0) < (place($1.1), $1.0) }) {
      switch e.element.kind {
      case .introduced: if place(e.element) <= v { affected = true }
      case .fixed: if place(e.element) <= v { affected = false }
      case .lastAffected: if place(e.element) < v { affected = false }
      case .limit: break
      }
    }
    return affected
  }

  @Test func sharedTableAgreesWithDirectEvaluation() {
    var rng = SeededGenerator(seed: 4)
    let kinds: [RangeEvent.Kind] = [.introduced, .fixed, .lastAffected, .limit]
    var checked = 0
    for _ in 0..<300 {
      // Ten ranges over a small version space, so versions repeat within and across ranges.
      let ranges: [[RangeEvent]] = (0..<10).map { _ in
        (0..<Int.random(in: 1...5, using: &rng)).map { _ in
          let kind = kinds.randomElement(using: &rng)!
          if kind == .introduced && Bool.random(using: &rng) { return RangeEvent(kind, "0") }
          if kind == .limit && Int.random(in: 0..<4, using: &rng) == 0 {
            return RangeEvent(kind, "*")
          }
          return RangeEvent(kind, String(Int.random(in: 1...12, using: &rng)))
        }
      }
      let all = Set(ranges.flatMap { $0.map(\.version) }).compactMap { Int($0) }
      let table = RangeEvaluator.VersionTable(all)
      let prepared = ranges.map { events in
        RangeEvaluator.Prepared(events: events) { Int($0).flatMap(table.rank) }
      }
      for v in 0...13 {
        let position = table.position(of: v)
        for (events, p) in zip(ranges, prepared) {
          let expected = Self.reference(v, events)
          #expect(
            (p.openingIndex(position) != nil) == expected, "version \(v) in \(events)")
          #expect(
            RangeEvaluator.evaluate(installed: v, events: events) { Int($0) }.affected == expected)
          checked += 1
        }
      }
    }
    #expect(checked == 300 * 14 * 10)
  }

  @Test func positionsInTheTable() {
    let table = RangeEvaluator.VersionTable([5, 1, 3, 3, 9])
    #expect(table.versions == [1, 3, 5, 9])
    #expect(table.position(of: 0) == RangeEvaluator.Position(below: 0, exact: false))
    #expect(table.position(of: 3) == RangeEvaluator.Position(below: 1, exact: true))
    #expect(table.position(of: 4) == RangeEvaluator.Position(below: 2, exact: false))
    #expect(table.position(of: 10) == RangeEvaluator.Position(below: 4, exact: false))
    #expect(table.rank(9) == 3)
    #expect(table.rank(4) == nil)
  }
}
