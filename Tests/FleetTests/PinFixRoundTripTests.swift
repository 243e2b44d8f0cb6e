import Fleet
import Foundation
import TailguardModel
import TailguardTesting
import Testing

/// `pin fix` on copies of the whole corpus: every literal unpinned reference is resolved through
/// an OCI layout on disk (real manifests from ../shared/data/images/built/oci-layout, tagged with
/// the corpus's references), rewritten, and then lint finds nothing left at those lines, and the
/// byte diff shows that only the reference tokens changed.
struct PinFixRoundTripTests {
  static let sharedLayout = SharedData.path("images/built/oci-layout")
  static let available =
    CorpusParseTests.available
    && FileManager.default.fileExists(atPath: sharedLayout + "/index.json")

  /// The manifests of the shared layout: (annotation, digest).
  static func sharedManifests() throws -> [(String, String)] {
    let data = try Data(contentsOf: URL(fileURLWithPath: sharedLayout + "/index.json"))
    let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let manifests = obj?["manifests"] as? [[String: Any]] ?? []
    return manifests.compactMap { m in
      guard let d = m["digest"] as? String,
        let n = (m["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"]
      else { return nil }
      return (n, d)
    }
  }

  /// Writes an OCI layout whose index tags `names` with the shared layout's real manifests.
  static func makeLayout(at dir: String, names: [(String, String)]) throws {
    let fm = FileManager.default
    try fm.createDirectory(atPath: dir + "/blobs/sha256", withIntermediateDirectories: true)
    var digests = Set<String>()
    var manifests: [[String: Any]] = []
    for (name, digest) in names {
      digests.insert(digest)
      manifests.append([
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": 1,
        "annotations": ["org.opencontainers.image.ref.name": name],
      ])
    }
    for d in digests {
      let hex = String(d.dropFirst(7))
      let dst = dir + "/blobs/sha256/" + hex
      if !fm.fileExists(atPath: dst) {
        try fm.copyItem(atPath: sharedLayout + "/blobs/sha256/" + hex, toPath: dst)
      }
    }
    let index: [String: Any] = ["schemaVersion": 2, "manifests": manifests]
    try JSONSerialization.data(withJSONObject: index).write(
      to: URL(fileURLWithPath: dir + "/index.json"))
    try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(
      to: URL(fileURLWithPath: dir + "/oci-layout"))
  }

  @Test(
    .enabled(if: Oracles.gate(available), "needs ../shared/data/fleet and images/built/oci-layout"))
  func sharedLayoutResolvesBareTags() async throws {
    let resolver = try OCILayoutResolver(path: Self.sharedLayout)
    for (name, digest) in try Self.sharedManifests() {
      let d = try await resolver.resolve(try ImageReference(parsing: "example/app:" + name))
      #expect(d.description == digest)
    }
    await #expect(throws: FleetError.self) {
      _ = try await resolver.resolve(try ImageReference(parsing: "example/app:no-such-tag"))
    }
  }

  @Test(
    .enabled(if: Oracles.gate(available), "needs ../shared/data/fleet and images/built/oci-layout"))
  func fixThenLintIsCleanAndOnlyReferencesChange() async throws {
    let tmp = try TemporaryDirectory(prefix: "fleet-fix")
    let corpus = tmp.path + "/corpus"
    try FileManager.default.copyItem(atPath: SharedData.path("fleet/corpus"), toPath: corpus)
    let before = FleetScanner().scan([corpus])
    let fixable = before.references.filter {
      [.tag, .latest, .untagged].contains($0.class) && $0.resolved == nil && $0.span != nil
    }
    #expect(fixable.count > 500)
    let real = try Self.sharedManifests().map(\.1)
    var names: [(String, String)] = []
    var seen = Set<String>()
    for (i, r) in fixable.enumerated() {
      guard let ref = try? ImageReference(parsing: r.reference) else { continue }
      let key = "\(ref.name):\(ref.tag ?? "latest")"
      if seen.insert(key).inserted { names.append((key, real[i % real.count])) }
    }
    try Self.makeLayout(at: tmp.path + "/layout", names: names)
    let resolver = try OCILayoutResolver(path: tmp.path + "/layout")

    let plan = await PinFixer(resolver: resolver).plan(before.references)
    #expect(plan.edits.count == fixable.count)
    // Templated and composed references are reported, not touched.
    #expect(plan.skipped.contains { $0.reference.class == .variable })
    #expect(plan.skipped.contains { $0.reference.source == .helm && $0.reference.span == nil })

    var originals: [String: [UInt8]] = [:]
    for (file, edits) in Dictionary(grouping: plan.edits, by: \.file) {
      let old = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
      originals[file] = old
      let new = PinFixer.apply(edits, to: old)
      // Independent reconstruction: unchanged bytes between spans, each old token replaced.
      var expected: [UInt8] = []
      var pos = 0
      for e in edits.sorted(by: { $0.span.start < $1.span.start }) {
        #expect(Array(old[e.span.start..<e.span.end]) == Array(e.old.utf8), "\(file):\(e.line)")
        expected += old[pos..<e.span.start]
        expected += Array(e.new.utf8)
        pos = e.span.end
      }
      expected += old[pos...]
      #expect(new == expected, "\(file)")
      #expect(new.filter { $0 == 10 }.count == old.filter { $0 == 10 }.count)
      try Data(new).write(to: URL(fileURLWithPath: file))
    }

    let after = FleetScanner().scan([corpus])
    #expect(after.references.count == before.references.count)
    #expect(after.diagnostics.count == before.diagnostics.count)
    let fixedLines = Set(plan.edits.map { "\($0.file):\($0.line)" })
    let findings = PinLinter().lint(after.references, fileLines: PinLinter.readLines)
    let left = findings.filter { fixedLines.contains("\($0.file):\($0.line)") }
    #expect(left.isEmpty, "\(left.prefix(5).map(\.message))")
    for r in after.references where fixedLines.contains("\(r.file):\(r.line)") {
      #expect(r.class == .digest, "\(r.file):\(r.line) \(r.reference)")
    }
    // Files not edited are byte-identical.
    let editedFiles = Set(originals.keys)
    for f in after.files.map(\.path) where !editedFiles.contains(f) {
      let rel = String(f.dropFirst(corpus.count))
      let a = FileManager.default.contents(atPath: f)
      let b = FileManager.default.contents(atPath: SharedData.path("fleet/corpus") + rel)
      #expect(a == b, "\(rel)")
    }
  }

  @Test(.enabled(if: Oracles.gate(available), "needs images/built/oci-layout"))
  func preciseTagAndDryRunDiff() async throws {
    let tmp = try TemporaryDirectory(prefix: "fleet-precise")
    let real = try Self.sharedManifests().map(\.1)
    try Self.makeLayout(
      at: tmp.path + "/layout",
      names: [
        ("docker.io/library/python:3.11", real[0]), ("docker.io/library/python:3.11.9", real[0]),
        ("docker.io/library/python:3.11.8", real[1]), ("docker.io/library/python:3.12.1", real[0]),
      ])
    let compose = "services:\n  # keep me\n  api:\n    image: 'python:3.11'   # quoted\n"
    try compose.write(toFile: tmp.file("compose.yaml"), atomically: false, encoding: .utf8)
    let inv = FleetScanner().scan([tmp.file("compose.yaml")])
    let resolver = try OCILayoutResolver(path: tmp.path + "/layout")
    let plan = await PinFixer(resolver: resolver, precise: true).plan(inv.references)
    #expect(plan.edits.map(\.new) == ["python:3.11.9@\(real[0])"])
    let old = Array(compose.utf8)
    let new = PinFixer.apply(plan.edits, to: old)
    #expect(
      String(decoding: new, as: UTF8.self)
        == "services:\n  # keep me\n  api:\n    image: 'python:3.11.9@\(real[0])'   # quoted\n")
    let diff = PinFixer.unifiedDiff(path: "compose.yaml", old: old, new: new)
    #expect(
      diff == """
        --- a/compose.yaml
        +++ b/compose.yaml
        @@ -1,4 +1,4 @@
         services:
           # keep me
           api:
        -    image: 'python:3.11'   # quoted
        +    image: 'python:3.11.9@\(real[0])'   # quoted

        """)
    let imprecise = await PinFixer(resolver: resolver).plan(inv.references)
    #expect(imprecise.edits.map(\.new) == ["python:3.11@\(real[0])"])
  }
}
