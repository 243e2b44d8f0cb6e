import TailguardModel
import Testing

@testable import VersionSchemes

struct AnyVersionTests {
  @Test func osvEcosystemNames() {
    let cases: [(String, VersionSchemeKind?)] = [
      ("Debian:12", .deb), ("Debian", .deb), ("Ubuntu:22.04:LTS", .deb),
      ("Ubuntu:Pro:18.04:LTS", .deb),
      ("Alpine:v3.19", .apk), ("Wolfi", .apk), ("Chainguard", .apk),
      ("Red Hat", .rpm), ("Red Hat:enterprise_linux:9::appstream", .rpm), ("Rocky Linux:9", .rpm),
      ("AlmaLinux:9", .rpm), ("openSUSE", .rpm), ("openSUSE:Leap 15.5", .rpm),
      ("SUSE:Linux Enterprise Server 15 SP5", .rpm), ("Mageia:9", .rpm), ("Photon OS:5.0", .rpm),
      ("Azure Linux:3", .rpm), ("Mariner:2.0", .rpm),
      ("PyPI", .pypi), ("npm", .npm), ("crates.io", .semver), ("Go", .go), ("Maven", .maven),
      ("RubyGems", nil), ("NuGet", nil), ("", nil), ("pypi", nil),
    ]
    for (name, kind) in cases {
      #expect(VersionSchemeKind(osvEcosystem: name) == kind, "\(name)")
    }
  }

  @Test func packageEcosystems() {
    #expect(VersionSchemeKind(ecosystem: .deb) == .deb)
    #expect(VersionSchemeKind(ecosystem: .apk) == .apk)
    #expect(VersionSchemeKind(ecosystem: .rpm) == .rpm)
    #expect(VersionSchemeKind(ecosystem: .pypi) == .pypi)
    #expect(VersionSchemeKind(ecosystem: .npm) == .npm)
    #expect(VersionSchemeKind(ecosystem: .golang) == .go)
    #expect(VersionSchemeKind(ecosystem: .cargo) == .semver)
    #expect(VersionSchemeKind(ecosystem: .maven) == .maven)
    #expect(VersionSchemeKind(ecosystem: .gem) == .generic)
  }

  /// Mixed kinds sort by kind and never compare equal.
  @Test func crossKindOrdering() throws {
    let values = [
      try VersionSchemeKind.generic.parse("1.0"), try VersionSchemeKind.deb.parse("1.0"),
      try VersionSchemeKind.pypi.parse("1.0"), try VersionSchemeKind.npm.parse("1.0.0"),
      try VersionSchemeKind.semver.parse("1.0.0"),
    ]
    let sorted = values.sorted()
    #expect(sorted.map(\.kind) == [.deb, .pypi, .semver, .npm, .generic])
    #expect(values[3] != values[4])
    #expect(Set(values).count == 5)
  }

  /// Equal versions hash equally, whatever the spelling (used as dictionary keys by the matcher).
  @Test func equalSpellingsHashEqually() throws {
    let pairs: [(VersionSchemeKind, String, String)] = [
      (.deb, "1.0", "1.00"), (.deb, "1:2.0-1", "01:2.0-1"), (.deb, "1.", "1.0"),
      (.deb, "1a", "1a0"),
      (.deb, "1.0-0", "1.0"),
      (.rpm, "1.0", "1_0"), (.rpm, "1.01", "1.1"), (.rpm, "0:1.0-1", "1.0-1"),
      (.apk, "1.0", "1.0"), (.apk, "01.2", "1.2"),
      (.pypi, "1.0", "1.0.0"), (.pypi, "1.0RC1", "1.0rc1"), (.pypi, "v1.0-post2", "1.0.post2"),
      (.npm, "1.2.3", "=v1.2.3"), (.npm, "1.2.3-01", "1.2.3-1"), (.semver, "1.2.3+a", "1.2.3+b"),
      (.go, "v1.2.3+incompatible", "v1.2.3"), (.go, "1.21", "v1.21.0"), (.go, "go1.21", "1.21.0"),
      (.maven, "1.0", "1"), (.maven, "1-ga", "1.0.0"), (.maven, "1.0-cr1", "1.0.RC1"),
      (.generic, "1.0", "1"), (.generic, "1.0A", "1.0a"),
    ]
    for (kind, a, b) in pairs {
      let x = try kind.parse(a)
      let y = try kind.parse(b)
      #expect(x == y, "\(kind) \(a) == \(b)")
      #expect(x.hashValue == y.hashValue, "\(kind) hash \(a) \(b)")
    }
  }

  @Test func goToolchainForms() throws {
    let go = VersionSchemeKind.go
    #expect(try go.compare("go1.21rc2", "1.21.0") == -1)
    #expect(try go.compare("go1.21rc2", "go1.21beta1") == 1)
    #expect(try go.compare("go1.21.0", "go1.21") == 0)
    #expect(try go.compare("go1.22.1", "1.22.1") == 0)
    #expect(try go.compare("go1.22.1 X:boringcrypto", "1.22.2") == -1)
    #expect(
      try go.compare("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-abcdefabcdef")
        == -1)
    #expect(try go.compare("v0.0.0-20191109021931-daa7c04131f5", "0.0.1") == -1)
    #expect(try go.compare("v2.0.0+incompatible", "v2.0.1") == -1)
    #expect(throws: VersionParseError.self) { try go.parse("go1.21.0rc1") }
    #expect(throws: VersionParseError.self) { try go.parse("v1.02.3") }
    #expect(throws: VersionParseError.self) { try go.parse("devel") }
  }

  @Test func errorsCarryAReason() {
    do {
      _ = try VersionSchemeKind.deb.parse("1:")
      Issue.record("expected an error")
    } catch {
      #expect(error.scheme == "deb")
      #expect(error.reason == "nothing after colon in version number")
    }
    #expect(throws: VersionParseError.self) { try VersionSchemeKind.pypi.parse("1.0-SNAPSHOT") }
    #expect(throws: VersionParseError.self) { try VersionSchemeKind.semver.parse("=1.2.3") }
    #expect(throws: VersionParseError.self) {
      try VersionSchemeKind.generic.parse(String(repeating: "1", count: VersionLimits.maxBytes + 1))
    }
  }
}
