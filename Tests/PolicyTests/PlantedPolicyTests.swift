import Foundation
import Policy
import Rego
import TailguardModel
import TailguardTesting
import Testing

/// Built-in packs evaluated on the projection of the real planted image.
@Suite(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
struct PlantedPolicyTests {
  let report: ScanReport
  init() throws { report = try PlantedScan.report() }

  func decide(
    _ packs: [String], report: ScanReport? = nil, data: Value? = nil, now: Int? = nil,
    files: PolicyFileFacts? = nil
  ) throws -> PolicyDecision {
    let engine = try PolicyEngine(
      arguments: packs, data: data, options: PolicyEngine.Options(nowNanoseconds: now))
    return try engine.evaluate(input: PolicyInput.make(report: report ?? self.report, files: files))
  }

  /// dpkg-query oracle rows as (name, version).
  func dpkgRows() throws -> [(String, String)] {
    let text = try String(
      contentsOfFile: SharedData.path("pkgdb/expected/debian-bookworm-minbase.dpkg-query.tsv"),
      encoding: .utf8)
    return text.split(separator: "\n").map {
      let f = $0.split(separator: "\t").map(String.init)
      return (f[0], f[1])
    }
  }

  @Test func nonRootUserDeniesPlanted() throws {
    // The layout's config has no User (oracle: the config blob itself).
    let manifest = try PlantedScan.json(PlantedScan.blob(PlantedScan.manifestDigest))
    let configDigest = try #require((manifest["config"] as? [String: Any])?["digest"] as? String)
    let config = try PlantedScan.json(PlantedScan.blob(configDigest))
    #expect((config["config"] as? [String: Any])?["User"] == nil)

    let d = try decide(["non-root-user"])
    #expect(d.outcome == .deny)
    #expect(d.violations.map(\.pack) == ["non-root-user"])
    #expect(d.violations.first?.message.contains("sets no user") == true)
    #expect(d.violations.first?.package == "tailguard.packs.non_root_user")
  }

  @Test func shellsAndPackageManagersFromPackages() throws {
    let d = try decide(["no-shell-or-package-manager"])
    let shells: Set = ["bash", "dash"]
    let managers: Set = ["apt", "dpkg"]
    var expected: [String] = []
    for (n, v) in try dpkgRows() {
      if shells.contains(n) { expected.append("shell package installed: \(n) \(v)") }
      if managers.contains(n) { expected.append("package manager installed: \(n) \(v)") }
    }
    #expect(expected.count == 4)
    #expect(d.outcome == .deny)
    #expect(d.violations.map(\.message).sorted() == expected.sorted())
  }

  @Test func digestAndTagPinning() throws {
    let unpinned = try decide(["digest-pinned", "no-latest-tag"])
    #expect(unpinned.violations.map(\.pack) == ["digest-pinned"])

    let pinned = try PlantedScan.report(
      reference: "registry.example/team/planted:1.0@\(PlantedScan.manifestDigest)")
    #expect(try decide(["digest-pinned", "no-latest-tag"], report: pinned).outcome == .allow)

    let latest = try PlantedScan.report(reference: "debian:latest")
    let d = try decide(["digest-pinned", "no-latest-tag"], report: latest)
    #expect(Set(d.violations.compactMap(\.pack)) == ["digest-pinned", "no-latest-tag"])
    let input = PolicyInput.make(report: latest)
    #expect(input.objectValue?["image"]?.objectValue?["repository"] == "library/debian")
    #expect(input.objectValue?["image"]?.objectValue?["registry"] == "docker.io")
  }

  @Test func vulnerabilityPacksOnRealFindings() throws {
    // 16 PYSEC findings, none in CISA KEV (joined through aliases), none with a severity.
    #expect(report.findings.count == 16)
    #expect(report.findings.allSatisfy { $0.finding.exploitation?.kev == nil })
    let d = try decide(["no-kev", "no-fixable-critical", "max-severity"])
    #expect(d.outcome == .allow)
    #expect(d.evaluatedPackages.count == 3)
  }

  @Test func fipsOnlyWhenClaimed() throws {
    #expect(try decide(["fips"]).outcome == .allow)
    let claimed = try decide(
      ["fips"],
      data: .object(["tailguard": .object(["params": .object(["fips_required": .bool(true)])])]))
    // Independent expectation: non-FIPS crypto libraries among the oracle's dpkg rows, and
    // the two Go binaries of the inventory (neither built with BoringCrypto).
    let pattern = try NSRegularExpression(
      pattern: "^(libgcrypt[0-9]*|libnettle[0-9]*|libhogweed[0-9]*|libsodium[0-9]*)$")
    var expected = try dpkgRows().filter { row in
      pattern.firstMatch(in: row.0, range: NSRange(row.0.startIndex..., in: row.0)) != nil
    }.map { "image claims FIPS but contains non-FIPS crypto library \($0.0) \($0.1)" }
    for path in ["usr/local/bin/gobin-with-deps", "usr/local/bin/umoci"] {
      expected.append(
        "image claims FIPS but Go binary /\(path) is not built with BoringCrypto (GOEXPERIMENT=boringcrypto) or GOFIPS140"
      )
    }
    #expect(expected.count == 5)
    #expect(claimed.violations.map(\.message).sorted() == expected.sorted())
  }

  @Test func imageAge() throws {
    let created = try #require(report.sbom.image.config.created)
    let date = try #require(ISO8601DateFormatter.withFractions.date(from: created))
    let ns = Int(date.timeIntervalSince1970.rounded(.up)) * 1_000_000_000
    let day = 86_400 * 1_000_000_000
    #expect(try decide(["max-image-age"], now: ns + 10 * day).outcome == .allow)
    let old = try decide(["max-image-age"], now: ns + 100 * day)
    #expect(old.outcome == .deny)
    #expect(old.violations.first?.message.contains(", 100 days ago (maximum 90)") == true)
    let strict = try decide(
      ["max-image-age"],
      data: .object(["tailguard": .object(["max_image_age": .object(["max_age_days": .int(5)])])]),
      now: ns + 10 * day)
    #expect(strict.outcome == .deny)
  }

  @Test func allPacksOnPlanted() throws {
    let created = try #require(report.sbom.image.config.created)
    let date = try #require(ISO8601DateFormatter.withFractions.date(from: created))
    let d = try decide(["all"], now: Int(date.timeIntervalSince1970 + 86_400) * 1_000_000_000)
    #expect(d.packs.count == PolicyPack.all.count)
    #expect(d.evaluatedPackages.count == PolicyPack.all.count)
    #expect(
      Set(d.violations.compactMap(\.pack)) == [
        "digest-pinned", "non-root-user", "no-shell-or-package-manager",
      ])
    #expect(d.violations.count == 1 + 1 + 4)
    #expect(d.warnings.isEmpty)
  }
}

extension ISO8601DateFormatter {
  static var withFractions: ISO8601DateFormatter {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f
  }
}
