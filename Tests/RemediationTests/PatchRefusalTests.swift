import ByteFormats
import Foundation
import Remediation
import Scanner
import TailguardTesting
import Testing

/// Hostile inputs: each refused with a message naming the problem, and nothing written.
@Suite(.enabled(if: Oracles.gate(SharedData.isAvailable && XzDecoder.isAvailable)))
struct PatchRefusalTests {
  /// A copy of the shared package directory that a test may damage.
  static func repository(in dir: TemporaryDirectory) throws -> String {
    let repo = dir.file("repo")
    try FileManager.default.copyItem(atPath: DebFixtures.debs, toPath: repo)
    return repo
  }

  static func packagesText(_ repo: String) throws -> String {
    try String(contentsOfFile: repo + "/Packages", encoding: .utf8)
  }

  /// Runs a patch expected to fail; returns the error and checks the output does not exist.
  static func refused(_ s: PatchLoopTests.Setup, repo: String) async throws -> RemediationError {
    let out = s.dir.file("out")
    let request = PatchRequest(
      scan: s.request(s.image), packages: repo, output: "oci:\(out):patched")
    let error = await #expect(throws: RemediationError.self) { try await Scanner().patch(request) }
    #expect(!FileManager.default.fileExists(atPath: out), "nothing written")
    return try #require(error)
  }

  @Test func debWhoseHashDoesNotMatchTheIndexIsRefused() async throws {
    let s = try PatchLoopTests.setup(.distroless)
    let repo = try Self.repository(in: s.dir)
    // Swap the newest zlib1g for the older one under the newer name: same size class, other hash.
    let newer = repo + "/zlib1g_1%3a1.2.13.dfsg-1+deb12u1_amd64.deb"
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: newer)))
    bytes[bytes.count - 1] ^= 0xFF
    try Data(bytes).write(to: URL(fileURLWithPath: newer))
    let e = try await Self.refused(s, repo: repo)
    #expect(e.code == .package)
    #expect(e.message.contains("does not match the index"))
  }

  @Test func indexListingAPackageTwiceIsRefused() async throws {
    let s = try PatchLoopTests.setup(.distroless)
    let repo = try Self.repository(in: s.dir)
    let text = try Self.packagesText(repo)
    let first = try #require(text.components(separatedBy: "\n\n").first)
    try (text + "\n" + first + "\n").write(
      toFile: repo + "/Packages", atomically: true, encoding: .utf8)
    let e = try await Self.refused(s, repo: repo)
    #expect(e.code == .index)
    #expect(e.message.contains("twice"))
  }

  @Test func truncatedArchiveIsRefused() async throws {
    let s = try PatchLoopTests.setup(.distroless)
    let repo = try Self.repository(in: s.dir)
    let name = "libexpat1_2.5.0-1+deb12u5_amd64.deb"
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: repo + "/" + name)))
    let cut = Array(bytes.prefix(bytes.count / 2))
    try Data(cut).write(to: URL(fileURLWithPath: repo + "/" + name))
    // The index agrees with the cut file, so only the archive check can catch it.
    var text = try Self.packagesText(repo)
    text = text.replacingOccurrences(
      of: "Size: 107940", with: "Size: \(cut.count)")
    text = text.replacingOccurrences(
      of: "cae5ded666d8573dd33060bc66fbac21eea8b101a6b56e2af8bd590fcfa65d79",
      with: BlobHasher.sha256Hex(cut))
    try text.write(toFile: repo + "/Packages", atomically: true, encoding: .utf8)
    let e = try await Self.refused(s, repo: repo)
    #expect(e.code == .package)
    #expect(e.message.contains(name))
  }

  /// A package built here (ar + gzip tar) with a path that climbs out of the root.
  @Test func pathEscapingTheRootIsRefused() throws {
    var data = TarBuilder()
    data.directory("./usr")
    data.file("./usr/../../etc/evil", "x")
    data.end()
    let error = #expect(throws: RemediationError.self) {
      try DebPackage(parsing: try Self.deb(data: data.finished()), what: "evil.deb")
    }
    #expect(error?.code == .unsafePath)
    #expect(error?.message.contains("escapes the image root") == true)
  }

  @Test func maintainerScriptsAreNamed() throws {
    var data = TarBuilder()
    data.file("./usr/share/doc/x/copyright", "x")
    data.end()
    let pkg = try DebPackage(
      parsing: try Self.deb(data: data.finished(), postinst: true), what: "scripted.deb")
    #expect(pkg.maintainerScripts == ["postinst"])
  }

  static func deb(data: [UInt8], postinst: Bool = false) throws -> [UInt8] {
    var control = TarBuilder()
    control.file("./control", "Package: x\nVersion: 1.0\nArchitecture: amd64\nDescription: test\n")
    if postinst { control.file("./postinst", "#!/bin/sh\nexit 0\n", mode: 0o755) }
    control.end()
    var ar = Array("!<arch>\n".utf8)
    for (name, body) in [
      ("debian-binary", Array("2.0\n".utf8)),
      ("control.tar.gz", try ImageBuilder.compress(control.finished(), .gzip)),
      ("data.tar.gz", try ImageBuilder.compress(data, .gzip)),
    ] {
      func pad(_ s: String, _ n: Int) -> [UInt8] {
        Array((s + String(repeating: " ", count: n - s.count)).utf8)
      }
      ar +=
        pad(name, 16) + pad("0", 12) + pad("0", 6) + pad("0", 6) + pad("100644", 8)
        + pad(String(body.count), 10) + Array("`\n".utf8)
      ar += body
      if body.count % 2 == 1 { ar.append(0x0A) }
    }
    return ar
  }
}
