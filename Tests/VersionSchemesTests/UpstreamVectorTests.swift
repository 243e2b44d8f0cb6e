import Foundation
import TailguardTesting
import Testing

@testable import VersionSchemes

/// The upstream projects' own comparison vectors (copied verbatim into ../shared/data/versions
/// and normalised to TSV/JSON there). Every one must pass.
@Suite(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
struct UpstreamVectorTests {
  @Test func dpkgVectors() throws {
    let rows = try VectorSupport.tsv("versions/normalized/dpkg.tsv")
    #expect(rows.count == 43)
    for row in rows {
      let got = try VersionSchemeKind.deb.compare(row[0], row[1])
      #expect(got == Int(row[2]), "dpkg \(row[0]) vs \(row[1])")
    }
  }

  @Test func rpmVectors() throws {
    let rows = try VectorSupport.tsv("versions/normalized/rpm.tsv")
    #expect(rows.count == 91)
    for row in rows {
      // rpmvercmp.at exercises rpmvercmp on bare strings (no epoch/release splitting)
      #expect(
        RPMVersion.rpmvercmp(row[0], row[1]) == Int(row[2]), "rpmvercmp \(row[0]) vs \(row[1])")
      if !row[0].contains("-") && !row[1].contains("-") && !row[0].contains(":")
        && !row[1].contains(":")
      {
        #expect(try VersionSchemeKind.rpm.compare(row[0], row[1]) == Int(row[2]))
      }
    }
  }

  /// apk-tools' `test/unit/version.data`. Some lines compare versions apk itself calls invalid
  /// (`1.0bc`, `23_foo`); those go through the lenient parser, which compares like apk does.
  @Test func apkVectors() throws {
    let rows = try VectorSupport.tsv("versions/normalized/apk.tsv")
    #expect(rows.count == 738)
    var lenient = 0
    for row in rows {
      let expected = Int(row[2])
      if let a = try? APKVersion(parsing: row[0]), let b = try? APKVersion(parsing: row[1]) {
        #expect(APKVersion.compare(a, b) == expected, "apk \(row[0]) vs \(row[1])")
      } else {
        lenient += 1
        let a = APKVersion(lenient: row[0])
        let b = APKVersion(lenient: row[1])
        #expect(APKVersion.compare(a, b) == expected, "apk (lenient) \(row[0]) vs \(row[1])")
      }
    }
    #expect(lenient < 40)
  }

  /// apk-tools' validity lines (`!ver` must be invalid, a bare version must be valid).
  @Test func apkValidity() throws {
    let text = try String(
      contentsOfFile: SharedData.path("versions/apk-tools/test/unit/version.data"), encoding: .utf8)
    var checked = 0
    for raw in text.split(separator: "\n") {
      let line =
        raw.split(separator: "#").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
      if line.isEmpty || line.contains(" ") { continue }
      if line.hasPrefix("!") {
        let v = String(line.dropFirst())
        if v.isEmpty { continue }
        #expect(throws: VersionParseError.self, "\(v) must be invalid") {
          try APKVersion(parsing: v)
        }
      } else {
        #expect(throws: Never.self, "\(line) must be valid") { try APKVersion(parsing: line) }
      }
      checked += 1
    }
    #expect(checked > 20)
  }

  @Test func pep440SortedList() throws {
    let versions = try String(
      contentsOfFile: SharedData.path("versions/normalized/pep440_sorted.txt"), encoding: .utf8
    )
    .split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    #expect(versions.count == 92)
    let parsed = try versions.map { try VersionSchemeKind.pypi.parse($0) }
    for i in parsed.indices {
      for j in parsed.indices {
        let expected = i < j ? -1 : (i == j ? 0 : 1)
        #expect(
          AnyVersion.compare(parsed[i], parsed[j]) == expected, "\(versions[i]) vs \(versions[j])")
      }
    }
  }

  struct SemverFixtures: Decodable {
    var comparisons: [[Field]]
    var equality: [[Field]]
    var validVersions: [[Field]]
    enum CodingKeys: String, CodingKey {
      case comparisons, equality
      case validVersions = "valid-versions"
    }
    enum Field: Decodable {
      case string(String)
      case bool(Bool)
      case number(Int)
      case list([Field])
      case object([String: Bool])
      init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
          self = .string(s)
        } else if let b = try? c.decode(Bool.self) {
          self = .bool(b)
        } else if let n = try? c.decode(Int.self) {
          self = .number(n)
        } else if let l = try? c.decode([Field].self) {
          self = .list(l)
        } else {
          self = .object((try? c.decode([String: Bool].self)) ?? [:])
        }
      }
      var string: String? { if case .string(let s) = self { s } else { nil } }
      /// node-semver's `loose` option: `true` or `{loose: true}`.
      var isLoose: Bool {
        switch self {
        case .bool(let b): b
        case .object(let o): o["loose"] ?? false
        default: false
        }
      }
    }
  }

  private func semverFixtures() throws -> SemverFixtures {
    let data = try Data(
      contentsOf: URL(
        fileURLWithPath: SharedData.path("versions/normalized/node-semver-fixtures.json")))
    return try JSONDecoder().decode(SemverFixtures.self, from: data)
  }

  /// node-semver `test/fixtures/comparisons.js`: each pair is `a > b`.
  @Test func nodeSemverComparisons() throws {
    let fixtures = try semverFixtures()
    #expect(fixtures.comparisons.count == 31)
    for row in fixtures.comparisons {
      let a = try #require(row[0].string)
      let b = try #require(row[1].string)
      let loose = row.count > 2 && row[2].isLoose
      let kind: VersionSchemeKind = loose || a.hasPrefix("v") || b.hasPrefix("v") ? .npm : .semver
      #expect(try kind.compare(a, b) == 1, "\(a) > \(b)")
      #expect(try kind.compare(b, a) == -1, "\(b) < \(a)")
      #expect(try VersionSchemeKind.npm.compare(a, b) == 1)
    }
  }

  /// node-semver `test/fixtures/equality.js`: each pair is equal (loose where flagged).
  @Test func nodeSemverEquality() throws {
    let fixtures = try semverFixtures()
    #expect(fixtures.equality.count == 37)
    for row in fixtures.equality {
      let a = try #require(row[0].string)
      let b = try #require(row[1].string)
      let loose = row.count > 2 && row[2].isLoose
      #expect(try (loose ? VersionSchemeKind.npm : .semver).compare(a, b) == 0, "\(a) == \(b)")
    }
  }

  /// node-semver `test/fixtures/valid-versions.js`: parsed fields.
  @Test func nodeSemverValidVersions() throws {
    let fixtures = try semverFixtures()
    for row in fixtures.validVersions {
      let text = try #require(row[0].string)
      let v = try SemanticVersion(parsing: text)
      guard case .number(let major) = row[1], case .number(let minor) = row[2],
        case .number(let patch) = row[3], case .list(let pre) = row[4],
        case .list(let build) = row[5]
      else {
        Issue.record("unexpected fixture shape for \(text)")
        continue
      }
      #expect(v.major == UInt64(major) && v.minor == UInt64(minor) && v.patch == UInt64(patch))
      let expectedPre = pre.map { f -> String in
        switch f {
        case .string(let s): s
        case .number(let n): String(n)
        default: "?"
        }
      }
      #expect(v.prereleaseIdentifiers == expectedPre, "\(text)")
      #expect(v.build == build.compactMap(\.string), "\(text)")
    }
  }
}
