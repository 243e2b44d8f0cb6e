import Foundation
import SBOMFormats
import TailguardTesting
import Testing

@testable import Reports
@testable import Scanner
@testable import TailguardModel

/// `sbom diff` from images to the diff, through the same Scanner calls the command makes:
/// two generated images (an OS upgrade, a removal, an addition, a Python upgrade whose
/// dist-info directory changes name), and the real planted image against its own SBOM file.
@Suite struct SBOMDiffEndToEndTests {
  static func dpkgEntry(_ name: String, _ version: String) -> String {
    """
    Package: \(name)
    Status: install ok installed
    Architecture: amd64
    Version: \(version)

    """
  }

  static func image(
    at dir: String, dpkg: [(String, String)], python: [(String, String)]
  ) throws {
    var tar = TarBuilder()
    tar.file(
      "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n")
    tar.file("var/lib/dpkg/status", dpkg.map { dpkgEntry($0.0, $0.1) }.joined(separator: "\n"))
    for (name, version) in python {
      tar.file(
        "usr/lib/python3/dist-packages/\(name)-\(version).dist-info/METADATA",
        "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n")
    }
    _ = try ImageBuilder(layers: [.init(tar.bytes)]).writeOCILayout(at: dir, tag: "v")
  }

  @Test func generatedImagesDiffByPackageNotByPath() async throws {
    let tmp = try TemporaryDirectory()
    try Self.image(
      at: tmp.file("old"), dpkg: [("libfoo", "1.0-1"), ("bar", "2.0-1"), ("same", "1")],
      python: [("requests", "2.31.0"), ("six", "1.16.0")])
    try Self.image(
      at: tmp.file("new"), dpkg: [("libfoo", "1.1-1"), ("baz", "0.9-2"), ("same", "1")],
      python: [("requests", "2.32.3"), ("six", "1.16.0")])
    let old = try await Scanner().sbom(target: "oci:\(tmp.file("old")):v")
    let new = try await Scanner().sbom(target: "oci:\(tmp.file("new")):v")
    let diff = SBOMDiffResult(old: old, new: new)
    #expect(diff.added.map { "\($0.name) \($0.newVersion ?? "-")" } == ["baz 0.9-2"])
    #expect(diff.removed.map { "\($0.name) \($0.oldVersion ?? "-")" } == ["bar 2.0-1"])
    #expect(
      diff.changed.map { "\($0.name) \($0.oldVersion ?? "-") -> \($0.newVersion ?? "-")" }.sorted()
        == ["libfoo 1.0-1 -> 1.1-1", "requests 2.31.0 -> 2.32.3"])
    #expect(diff.unchanged == 2)
    // The reverse direction swaps added and removed exactly.
    let back = SBOMDiffResult(old: new, new: old)
    #expect(back.added.map(\.name) == ["bar"])
    #expect(back.removed.map(\.name) == ["baz"])
    #expect(back.changed.count == 2)
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable))) func plantedImageEqualsItsOwnSBOMFile()
    async throws
  {
    let target = "oci:\(SharedData.path("images/built/oci-layout")):planted"
    let image = try await Scanner().sbom(target: target)
    let tmp = try TemporaryDirectory()
    for (name, data) in [
      ("planted.cdx.json", try CycloneDXWriter().write(image)),
      ("planted.spdx.json", try SPDXWriter().write(image)),
    ] {
      try data.write(to: URL(fileURLWithPath: tmp.file(name)))
      let file = try await Scanner().sbom(target: "sbom:\(tmp.file(name))")
      let diff = SBOMDiffResult(old: image, new: file)
      #expect(diff.added.isEmpty, "\(name): \(diff.added)")
      #expect(diff.removed.isEmpty, "\(name): \(diff.removed)")
      #expect(diff.changed.isEmpty, "\(name): \(diff.changed)")
      #expect(diff.unchanged == image.packages.count, "\(name)")
    }
  }

  @Test func installPlaceDropsOnlyVersionNamedComponents() {
    #expect(
      SBOMDiffResult.installPlace(
        "/usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA", version: "1.16.0")
        == "/usr/local/lib/python3.11/site-packages")
    #expect(SBOMDiffResult.installPlace("/app/lib/foo-1.jar", version: "1") == "/app/lib")
    #expect(
      SBOMDiffResult.installPlace("/app/node_modules/foo/package.json", version: "1.0.0")
        == "/app/node_modules/foo/package.json")
  }
}
