import Foundation
import TailguardTesting
import Testing

@testable import VersionSchemes

/// Differential tests against the real implementations installed on the machine: thousands of
/// real-world and generated pairs per scheme, each oracle started once per batch. Zero
/// disagreements allowed (a parse error on one side only is a disagreement too); every
/// disagreement ever found is a line in `Vectors/<scheme>.txt`. A test is skipped only when its
/// oracle tool is absent (CI installs them with ../shared/data/install-oracles.sh).
@Suite(.serialized, .enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
struct DifferentialTests {
  /// Our answer for one pair, in the oracle's vocabulary.
  static func ours(_ kind: VersionSchemeKind, _ a: String, _ b: String) -> String {
    do { return String(try kind.compare(a, b)) } catch { return "ERR" }
  }

  /// Compares our answers with the oracle's and reports every disagreement.
  static func check(
    _ kind: VersionSchemeKind, _ pairs: [(String, String)], oracle: [String], minimum: Int,
    oracleAcceptsEverything: Bool = false
  ) {
    #expect(
      oracle.count == pairs.count,
      "oracle returned \(oracle.count) results for \(pairs.count) pairs")
    var disagreements: [String] = []
    var compared = 0
    var errors = 0
    for (i, (a, b)) in pairs.enumerated() where i < oracle.count {
      let mine = ours(kind, a, b)
      // rpm compares any string at all; pairs tailguard refuses (`1.0-`) have nothing to compare.
      if oracleAcceptsEverything && mine == "ERR" { continue }
      compared += 1
      if oracle[i] == "ERR" { errors += 1 }
      if mine != oracle[i] {
        disagreements.append("\(a) vs \(b): oracle \(oracle[i]), tailguard \(mine)")
      }
    }
    #expect(compared >= minimum, "only \(compared) pairs compared")
    #expect(
      disagreements.isEmpty,
      "\(kind.rawValue): \(disagreements.count)/\(compared) disagreements (add each to Vectors/\(kind.rawValue).txt once fixed): \(disagreements.prefix(15).joined(separator: "; "))"
    )
    let counts = Dictionary(grouping: oracle, by: { $0 }).mapValues(\.count)
    let sample = stride(from: 0, to: pairs.count, by: max(1, pairs.count / 6)).map {
      "\(pairs[$0].0) \(pairs[$0].1)"
    }
    print(
      "differential \(kind.rawValue): \(compared) pairs (<: \(counts["-1"] ?? 0), =: \(counts["0"] ?? 0), >: \(counts["1"] ?? 0)), \(errors) invalid on both sides, \(disagreements.count) disagreements; e.g. \(sample.joined(separator: " | "))"
    )
  }

  static func vectorVersions(_ kind: VersionSchemeKind) -> [String] {
    (try? VectorSupport.lines(scheme: kind.rawValue))?.flatMap { [$0.a, $0.b] }.filter {
      !$0.isEmpty
    } ?? []
  }

  @Test(.enabled(if: Oracles.gate(Oracle.dpkgAvailable), "dpkg is not installed"))
  func dpkg() throws {
    let pool = RealVersions.unique(
      RealVersions.column("pkgdb/expected/debian-bookworm-minbase.dpkg-query.tsv", [1, 4])
        + RealVersions.vunnel(format: "dpkg") + RealVersions.osv("vunnel/ubuntu/test-fixtures")
        + RealVersions.column("versions/normalized/dpkg.tsv", [0, 1])
        + Self.vectorVersions(.deb))
    var g = PairGenerator(seed: 0xDEB)
    let pairs = g.pairs(
      pool: pool, count: 2000, alphabet: Array("0123456789.+~-:abzAZ"), generate: { $0.debian() })
    Self.check(.deb, pairs, oracle: try Oracle.dpkg(pairs), minimum: 1900)
  }

  @Test(.enabled(if: Oracles.gate(Oracle.rpmAvailable), "python3-rpm is not installed"))
  func rpm() throws {
    let pool = RealVersions.unique(
      RealVersions.rpmQA() + RealVersions.vunnel(format: "rpm") + RealVersions.osv("vunnel/alma")
        + RealVersions.osv("vunnel/rocky")
        + RealVersions.column("versions/normalized/rpm.tsv", [0, 1]) + Self.vectorVersions(.rpm))
    var g = PairGenerator(seed: 0x8B0)
    let pairs = g.pairs(
      pool: pool, count: 5000, alphabet: Array("0123456789._+~^-:abpAZ"), generate: { $0.rpm() })
    // rpm compares any string; tailguard refuses an empty version or release (`1.0-`, `-1`).
    Self.check(
      .rpm, pairs, oracle: try Oracle.rpm(pairs), minimum: 4000, oracleAcceptsEverything: true)
  }

  @Test(.enabled(if: Oracles.gate(Oracle.packagingAvailable), "python packaging is not installed"))
  func pep440() throws {
    let pypaVersions = RealVersions.osv("advisories/pypa-osv-json")
    var g = PairGenerator(seed: 0x440)
    let sortedFile =
      (try? String(
        contentsOfFile: SharedData.path("versions/normalized/pep440_sorted.txt"), encoding: .utf8))?
      .split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init) ?? []
    let pool = RealVersions.unique(sortedFile + pypaVersions + Self.vectorVersions(.pypi))
    let pairs = g.pairs(
      pool: pool, count: 6000, alphabet: Array("0123456789.-_+!abcdeprvlostxABC"),
      generate: { $0.pep440() })
    #expect(pypaVersions.count > 1000)
    Self.check(.pypi, pairs, oracle: try Oracle.pep440(pairs), minimum: 6000)
  }

  @Test(
    .enabled(
      if: Oracles.gate(Oracle.nodeSemverPath != nil),
      "node and npm's bundled semver are not installed"))
  func npmLoose() throws {
    let pool = RealVersions.unique(
      RealVersions.osv("advisories/osv-schema") + Self.vectorVersions(.npm)
        + Self.vectorVersions(.semver))
    var g = PairGenerator(seed: 0x9E)
    let pairs = g.pairs(
      pool: pool, count: 5000, alphabet: Array("0123456789.-+vxaZ="),
      generate: { $0.semverCore(loose: true) })
    Self.check(.npm, pairs, oracle: try Oracle.nodeSemver(pairs, loose: true), minimum: 5000)
  }

  @Test(
    .enabled(
      if: Oracles.gate(Oracle.nodeSemverPath != nil),
      "node and npm's bundled semver are not installed"))
  func semverStrict() throws {
    let pool = RealVersions.unique(
      RealVersions.osv("advisories/rustsec-osv") + Self.vectorVersions(.semver))
    var g = PairGenerator(seed: 0x5E)
    let pairs = g.pairs(
      pool: pool, count: 5000, alphabet: Array("0123456789.-+vxaZ"),
      generate: { $0.semverCore(loose: false) })
    Self.check(.semver, pairs, oracle: try Oracle.nodeSemver(pairs, loose: false), minimum: 5000)
  }

  /// Go module versions that are full SemVer (`[v]X.Y.Z[-pre][+build]`) order exactly as SemVer
  /// 2.0, so node-semver is an oracle for them (shorthand `v1.2` and `go1.21` toolchain forms
  /// are Go-only and covered by Vectors/go.txt). Numbers above 2^53 are refused by node-semver
  /// but valid in Go, so such pairs are left out here (Vectors/go.txt has one).
  @Test(
    .enabled(
      if: Oracles.gate(Oracle.nodeSemverPath != nil),
      "node and npm's bundled semver are not installed"))
  func goModules() throws {
    let isFull: (String) -> Bool = { v in
      let core = v.prefix { $0 != "-" && $0 != "+" }
      return core.filter { $0 == "." }.count == 2
        && core.split(separator: ".").allSatisfy { $0.count <= 15 }
    }
    let pool = RealVersions.osv("advisories/go-vulndb/osv").filter(isFull)
    #expect(pool.count > 1000)
    var g = PairGenerator(seed: 0x60)
    let pairs = g.pairs(
      pool: pool, count: 5000, alphabet: Array("0123456789.-+vabcdef"),
      generate: { $0.semverCore(loose: false, goStyle: true) }
    ).filter { isFull($0.0) && isFull($0.1) }
    Self.check(.go, pairs, oracle: try Oracle.nodeSemver(pairs, loose: false), minimum: 4000)
  }

  /// apk-tools is not packaged for Debian, so univers' `AlpineLinuxVersion` serves as a partial
  /// oracle: pairs it cannot parse are left out (it refuses some valid versions), and so are
  /// pairs that differ only by a trailing `-r0`, where univers treats `1.0` and `1.0-r0` as
  /// equal but apk-tools' version.c orders `1.0 < 1.0-r0` (a line in Vectors/apk.txt), and pairs
  /// with a zero-led number (`1.01`, `08`), which apk-tools compares as strings and univers
  /// numerically (lines in Vectors/apk.txt). The upstream apk-tools vectors remain the ground
  /// truth (UpstreamVectorTests).
  static func hasZeroLedNumber(_ v: String) -> Bool {
    let b = Array(v.utf8)
    for i in b.indices
    where b[i] == UInt8(ascii: "0") && i + 1 < b.count && (48...57).contains(b[i + 1]) {
      if i == 0 || !(48...57).contains(b[i - 1]) { return true }
    }
    return false
  }

  @Test(
    .enabled(if: Oracles.gate(Oracle.universAvailable), "python3 with univers is not installed"))
  func apkAgainstUnivers() throws {
    let pool = RealVersions.unique(
      RealVersions.secdb() + RealVersions.vunnel(format: "apk")
        + RealVersions.column("versions/normalized/apk.tsv", [0, 1]).filter {
          (try? APKVersion(parsing: $0)) != nil
        }
        + Self.vectorVersions(.apk))
    #expect(pool.count > 1000)
    var g = PairGenerator(seed: 0xA9)
    let pairs = g.pairs(
      pool: pool, count: 6000, alphabet: Array("0123456789._-rabpz~"), generate: { $0.apk() })
    let oracle = try Oracle.universAlpine(pairs)
    var kept: [(String, String)] = []
    var keptOracle: [String] = []
    for (i, pair) in pairs.enumerated() where i < oracle.count && oracle[i] != "ERR" {
      if pair.0 + "-r0" == pair.1 || pair.1 + "-r0" == pair.0 { continue }
      if Self.hasZeroLedNumber(pair.0) || Self.hasZeroLedNumber(pair.1) { continue }
      guard (try? APKVersion(parsing: pair.0)) != nil, (try? APKVersion(parsing: pair.1)) != nil
      else {
        continue
      }
      kept.append(pair)
      keptOracle.append(oracle[i])
    }
    Self.check(.apk, kept, oracle: keptOracle, minimum: 3000)
  }

  /// All Go module version forms (including the `v1`/`v1.2` shorthands and numbers of any size)
  /// against golang.org/x/mod/semver itself, as vendored in the Go toolchain's sources.
  @Test(
    .enabled(
      if: Oracles.gate(Oracle.goSemverSource != nil), "the Go toolchain sources are not installed"))
  func goAgainstXModSemver() throws {
    let pool = RealVersions.unique(
      RealVersions.osv("advisories/go-vulndb/osv") + Self.vectorVersions(.go)
    )
    .filter { !$0.hasPrefix("go") }
    var g = PairGenerator(seed: 0x6017)
    var pairs = g.pairs(
      pool: pool, count: 5000, alphabet: Array("0123456789.-+vabcdef"),
      generate: { $0.semverCore(loose: false, goStyle: true) })
    pairs.append(contentsOf: [
      ("v1", "v1.0.0"), ("v1.2", "v1.2.0"), ("1.2", "v1.2.1"), ("v1.2-pre", "v1.2.0"),
    ])
    let oracle = try Oracle.goSemver(pairs)
    Self.check(.go, pairs, oracle: oracle, minimum: 5000)
  }

  @Test(
    .enabled(
      if: Oracles.gate(Oracle.mavenAvailable), "java or maven3-artifact.jar is not installed"))
  func maven() throws {
    let seeds = [
      "2.17.1", "2.0-beta9", "1.0.0.Final", "5.3.18.RELEASE", "31.1-jre", "31.1-android",
      "1.0-SNAPSHOT",
      "2.12.7.1", "9.4.51.v20230217", "1.2.3-M1", "3.0.0-RC2", "1.0.0-alpha-1", "2.13.4.2",
      "1.9.22",
      "6.0.0-M2", "4.1.100.Final", "1.0-rc-1", "2.0.0.AM25", "1.1.10.5", "3.1.0-cr1", "1.0.1-sp1",
    ]
    let pool = RealVersions.unique(
      seeds + RealVersions.osv("advisories/osv-schema") + Self.vectorVersions(.maven))
    var g = PairGenerator(seed: 0x3A7)
    let pairs = g.pairs(
      pool: pool, count: 4000, alphabet: Array("0123456789.-abcfgilmnoprstxRS"),
      generate: { $0.maven() })
    Self.check(.maven, pairs, oracle: try Oracle.maven(pairs), minimum: 4000)
  }

  /// Maven's canonical form (what `ComparableVersion` prints as `V -> CANONICAL;`).
  @Test(
    .enabled(
      if: Oracles.gate(Oracle.mavenAvailable), "java or maven3-artifact.jar is not installed"))
  func mavenCanonicalForms() throws {
    var g = PairGenerator(seed: 0xCA7)
    let versions = RealVersions.unique(
      (0..<800).map { _ in g.maven() } + Self.vectorVersions(.maven) + [
        "1.0.RC1", "1-a1", "1.0-final-1",
      ])
    let lines = try Oracle.run(
      "/usr/bin/env",
      ["java", "-cp", Oracle.mavenJar, "org.apache.maven.artifact.versioning.ComparableVersion"]
        + versions)
    var expected: [String] = []
    for line in lines {
      guard let arrow = line.range(of: " -> "), let semicolon = line.range(of: "; tokens: ") else {
        continue
      }
      expected.append(String(line[arrow.upperBound..<semicolon.lowerBound]))
    }
    #expect(expected.count == versions.count)
    var mismatches: [String] = []
    for (v, canonical) in zip(versions, expected) {
      let mine = (try? MavenVersion(parsing: v))?.canonical ?? "ERR"
      if mine != canonical { mismatches.append("\(v): maven \(canonical), tailguard \(mine)") }
    }
    #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(10))")
  }
}
