import Foundation
import Remediation
import Scanner
import TailguardTesting
import Testing

/// The patched image read by the real tools: skopeo reads the layout, and dpkg-query lists the
/// new versions from the unpacked root filesystem.
@Suite struct PatchOracleTests {
  static let tools =
    SharedData.isAvailable && ProcessRunner.which("skopeo") != nil
    && ProcessRunner.which("dpkg-query") != nil && ProcessRunner.which("tar") != nil

  @Test(.enabled(if: Oracles.gate(tools), "skopeo, dpkg-query or the shared data is missing"))
  func skopeoAndDpkgQueryReadThePatchedImage() async throws {
    let s = try PatchLoopTests.setup(.full)
    let out = s.dir.file("out")
    let outcome = try await Scanner().patch(
      PatchRequest(
        scan: s.request(s.image), packages: DebFixtures.debs, output: "oci:\(out):patched"))

    let inspect = try await ProcessRunner.runDetached("skopeo", ["inspect", "oci:\(out):patched"])
    #expect(inspect.status == 0, "\(inspect.stderr)")
    let doc = try JSONSerialization.jsonObject(with: Data(inspect.stdoutBytes)) as? [String: Any]
    #expect(doc?["Digest"] as? String == outcome.manifestDigest)
    #expect((doc?["Layers"] as? [String])?.count == 2)

    // Unpack every layer in order (GNU tar reads gzip and plain tar alike).
    let root = s.dir.file("rootfs")
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    for layer in doc?["Layers"] as? [String] ?? [] {
      let hex = layer.replacingOccurrences(of: "sha256:", with: "")
      let r = try await ProcessRunner.runDetached(
        "tar", ["-xf", "\(out)/blobs/sha256/\(hex)", "-C", root, "--no-same-owner"])
      #expect(r.status == 0, "\(r.stderr)")
    }
    let query = try await ProcessRunner.runDetached(
      "dpkg-query",
      ["--admindir=\(root)/var/lib/dpkg", "-W", "-f=${Package} ${Version} ${db:Status-Abbrev}\\n"]
        + outcome.replaced.map(\.name))
    #expect(query.status == 0, "\(query.stderr)")
    let listed = Set(
      query.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    for r in outcome.replaced {
      #expect(listed.contains("\(r.name) \(r.to) ii"), "\(r.name) \(r.to) in \(listed.sorted())")
    }
    // dpkg-query -L reads the new file lists.
    let files = try await ProcessRunner.runDetached(
      "dpkg-query", ["--admindir=\(root)/var/lib/dpkg", "-L", "zlib1g"])
    let info =
      (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/var/lib/dpkg/info")) ?? []
    #expect(
      files.stdout.contains("/lib/x86_64-linux-gnu/libz.so.1"),
      "\(files.output) info: \(info.sorted())")
  }
}
