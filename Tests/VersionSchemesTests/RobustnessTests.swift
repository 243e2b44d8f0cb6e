import Foundation
import Testing

@testable import VersionSchemes

/// Hostile and random input: parsing never crashes, refuses oversized input, and the order is a
/// consistent one (reflexive, antisymmetric, equal values hash equally; transitive where the
/// real implementation is).
struct RobustnessTests {
  static let alphabet: [Character] = Array(
    "0123456789..........----____~~^^++::!!==vVabcdefghijklmnopqrstuvwxyzABCRSZ \t/\\*%\u{0}\u{7F}é日"
  )

  static func randomStrings(seed: UInt64, count: Int) -> [String] {
    var g = PairGenerator(seed: seed)
    var result: [String] = []
    for _ in 0..<count {
      let length = g.chance(0.02) ? g.int(1000...3000) : g.int(0...24)
      result.append(String((0..<length).map { _ in g.pick(alphabet) }))
    }
    return result
  }

  @Test(arguments: VersionSchemeKind.allCases)
  func randomInputNeverCrashes(kind: VersionSchemeKind) {
    let inputs = Self.randomStrings(seed: 0xF022 &+ UInt64(kind.rawValue.count), count: 5_000)
    var parsed: [AnyVersion] = []
    for input in inputs {
      if let v = try? kind.parse(input) {
        #expect(input.utf8.count <= VersionLimits.maxBytes)
        parsed.append(v)
      }
    }
    for (i, v) in parsed.enumerated() {
      #expect(AnyVersion.compare(v, v) == 0)
      let w = parsed[(i * 7 + 3) % parsed.count]
      let c = AnyVersion.compare(v, w)
      #expect(AnyVersion.compare(w, v) == -c, "\(kind) \(v.text) vs \(w.text)")
      if c == 0 { #expect(v.hashValue == w.hashValue, "\(kind) hash \(v.text) vs \(w.text)") }
    }
    _ = parsed.sorted()
  }

  /// Debian versions compare through a precomputed sort key; it must agree with dpkg's
  /// algorithm applied directly on every pair.
  @Test func debianSortKeyAgreesWithVerrevcmp() {
    var g = PairGenerator(seed: 0xDEB2)
    var versions: [DebianVersion] = []
    let alphabet = Array("0123456789~~.+-:aAzZ")
    while versions.count < 1500 {
      let text =
        g.chance(0.5) ? g.debian() : String((0..<g.int(1...10)).map { _ in g.pick(alphabet) })
      if let v = try? DebianVersion(parsing: text) { versions.append(v) }
    }
    var mismatches: [String] = []
    for (i, a) in versions.enumerated() {
      for b in versions[(i + 1)...].prefix(40) + [a] {
        let direct = DebianVersion.compareDirect(a, b)
        if DebianVersion.compare(a, b) != direct { mismatches.append("\(a) vs \(b)") }
        if direct == 0 && a.hashValue != b.hashValue { mismatches.append("hash \(a) vs \(b)") }
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
  }

  @Test func apkLenientNeverCrashes() {
    let inputs = Self.randomStrings(seed: 0xA9C, count: 5_000)
    let versions = inputs.map(APKVersion.init(lenient:))
    for (i, v) in versions.enumerated() {
      let w = versions[(i * 13 + 1) % versions.count]
      #expect(APKVersion.compare(v, w) == -APKVersion.compare(w, v))
    }
  }

  /// Generated realistic versions: sorting agrees with every pairwise comparison (a total order)
  /// for the schemes whose reference implementation is one.
  @Test(arguments: [VersionSchemeKind.deb, .pypi, .semver, .npm, .go, .generic, .rpm])
  func generatedVersionsAreTotallyOrdered(kind: VersionSchemeKind) throws {
    var g = PairGenerator(seed: 0x7074 &+ UInt64(kind.rawValue.utf8.first ?? 0))
    var versions: [AnyVersion] = []
    while versions.count < 300 {
      let text: String
      switch kind {
      case .deb: text = g.debian()
      case .rpm: text = g.rpm()
      case .pypi: text = g.pep440()
      case .semver: text = g.semverCore(loose: false)
      case .npm: text = g.semverCore(loose: true)
      case .go: text = g.semverCore(loose: false, goStyle: true)
      default: text = g.maven()
      }
      if let v = try? kind.parse(text) { versions.append(v) }
    }
    let sorted = versions.sorted()
    var violations: [String] = []
    for i in sorted.indices {
      for j in sorted.indices where i < j && AnyVersion.compare(sorted[i], sorted[j]) > 0 {
        violations.append("\(sorted[i].text) > \(sorted[j].text)")
      }
    }
    #expect(violations.isEmpty, "\(kind): \(violations.prefix(10))")
  }

  @Test func oversizedInputIsRefusedWithAReason() {
    let long = String(repeating: "1.", count: 2000) + "1"
    for kind in VersionSchemeKind.allCases {
      do {
        _ = try kind.parse(long)
        Issue.record("\(kind) accepted a \(long.utf8.count)-byte version")
      } catch {
        #expect(error.scheme == kind.rawValue || kind == .npm || kind == .semver, "\(error)")
        #expect(!error.reason.isEmpty)
      }
    }
  }

  /// The matcher compares parsed versions millions of times; this keeps an eye on the cost.
  @Test func parsedComparisonIsCheap() throws {
    let a = try VersionSchemeKind.deb.parse("2:2.36.1-8+deb11u1")
    let b = try VersionSchemeKind.deb.parse("2:2.36.1-8+deb11u2")
    let start = Date()
    var less = 0
    for _ in 0..<200_000 where a < b { less += 1 }
    let seconds = Date().timeIntervalSince(start)
    #expect(less == 200_000)
    #expect(
      seconds < 20, "200,000 deb comparisons took \(seconds) s (release builds take about 0.1 s)")
  }
}
