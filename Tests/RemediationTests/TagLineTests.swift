import Foundation
import Remediation
import TailguardTesting
import Testing

/// Tag lines with the real endoflife.date release cycles of Debian and Ubuntu.
@Suite(.enabled(if: Oracles.gate(SharedData.isAvailable)))
struct TagLineTests {
  /// `releases[]` of an endoflife.date product file (cycle, codename, lts, eol).
  static func releases(_ product: String) throws -> [TagLine.Release] {
    let text = try String(
      contentsOfFile: SharedData.path("endoflife/products/\(product).md"), encoding: .utf8)
    var out: [TagLine.Release] = []
    for line in text.split(separator: "\n") {
      let t = line.trimmingCharacters(in: .whitespaces)
      func value(_ key: String) -> String? {
        t.hasPrefix(key)
          ? t.dropFirst(key.count).trimmingCharacters(in: CharacterSet(charactersIn: " \"")) : nil
      }
      if let cycle = value("- releaseCycle:") {
        out.append(TagLine.Release(cycle: cycle))
      } else if let c = value("codename:"), !out.isEmpty {
        out[out.count - 1].codename = c
      } else if let l = value("lts:"), !out.isEmpty {
        out[out.count - 1].lts = l == "true"
      } else if let e = value("eol:"), !out.isEmpty {
        out[out.count - 1].eol = e
      }
    }
    return out
  }

  @Test func sameSuffixSamePrecisionNewerOnly() throws {
    let debian = try Self.releases("debian")
    let tags = [
      "11.9-slim", "12.4", "12.5-slim", "12.6-slim", "12.6", "13.1-slim", "12-slim", "latest",
    ]
    let (c, _) = TagLine.candidates(
      current: "12.4-slim", tags: tags, releases: debian, asOf: "2026-01-01")
    #expect(c == ["13.1-slim", "12.6-slim", "12.5-slim"])
  }

  @Test func endOfLifeReleasesAreSkipped() throws {
    let debian = try Self.releases("debian")
    // Debian 11 ended security support on 2024-08-14: from 10 it is no candidate.
    let (c, skipped) = TagLine.candidates(
      current: "10.13", tags: ["11.9", "12.5"], releases: debian, asOf: "2026-01-01")
    #expect(c == ["12.5"])
    #expect(skipped.map(\.tag) == ["11.9"])
  }

  @Test func codenamesAreUnderstood() throws {
    let debian = try Self.releases("debian")
    let (c, _) = TagLine.candidates(
      current: "bullseye-slim", tags: ["bookworm-slim", "trixie-slim", "trixie", "buster-slim"],
      releases: debian, asOf: "2026-01-01")
    #expect(c == ["trixie-slim", "bookworm-slim"])
  }

  @Test func neverFromLTSToNonLTS() throws {
    let ubuntu = try Self.releases("ubuntu")
    let (c, skipped) = TagLine.candidates(
      current: "22.04", tags: ["23.10", "24.04", "25.04", "25.10"], releases: ubuntu,
      asOf: "2025-11-01")
    #expect(c == ["24.04"])
    #expect(Set(skipped.map(\.tag)) == ["23.10", "25.04", "25.10"])
  }
}
