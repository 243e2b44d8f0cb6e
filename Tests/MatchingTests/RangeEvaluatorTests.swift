import TailguardModel
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
