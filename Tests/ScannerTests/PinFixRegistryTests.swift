import Fleet
import Foundation
import ImageSources
import TailguardTesting
import Testing

@testable import Scanner
@testable import TailguardModel

/// `pin fix` against a real registry on loopback: copies of the whole fleet corpus whose
/// literal references are pointed at the local registry, an image pushed there for every
/// repository and tag they name, then fix → lint is clean at every fixed line, the bytes changed
/// are exactly the reference tokens, and each pin is the digest the registry serves.
@Suite(.serialized) struct PinFixRegistryTests {
  static let available = LoopbackRegistry.available && SharedData.isAvailable

  @Test(.enabled(if: Oracles.gate(available), "docker-registry not installed (install-oracles.sh)"))
  func corpusCopiesPointedAtTheLocalRegistryRoundTrip() async throws {
    let loopback = try LoopbackRegistry()
    defer { Task { await loopback.stop() } }
    let registry = loopback.host

    let tmp = try TemporaryDirectory(prefix: "pin-registry")
    let corpus = tmp.path + "/corpus"
    try FileManager.default.copyItem(atPath: SharedData.path("fleet/corpus"), toPath: corpus)
    // 1. Point every literal unpinned reference of the copies at the local registry.
    let original = FleetScanner().scan([corpus])
    let literal = original.references.filter {
      [.tag, .latest, .untagged].contains($0.class) && $0.resolved == nil && $0.span != nil
    }
    #expect(literal.count > 500)
    var pointed: [PinEdit] = []
    for r in literal {
      guard let span = r.span, let ref = try? ImageReference(parsing: r.reference) else {
        continue
      }
      let local = "\(registry)/\(ref.repository)" + (ref.tag.map { ":" + $0 } ?? "")
      pointed.append(PinEdit(file: r.file, line: r.line, span: span, old: r.reference, new: local))
    }
    for (file, edits) in Dictionary(grouping: pointed, by: \.file) {
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
      try Data(PinFixer.apply(edits, to: bytes)).write(to: URL(fileURLWithPath: file))
    }
    // 2. Push an image for every repository:tag the copies now name.
    let before = FleetScanner().scan([corpus])
    let local = before.references.filter {
      $0.reference.hasPrefix(registry + "/") && $0.span != nil
    }
    #expect(local.count == pointed.count)
    var served: [String: String] = [:]
    for r in local {
      let ref = try ImageReference(parsing: r.reference)
      let key = "\(ref.repository):\(ref.tag ?? "latest")"
      if served[key] == nil {
        served[key] = try await loopback.pushImage(
          repository: ref.repository, tag: ref.tag ?? "latest", content: key
        ).digest
      }
    }
    // 3. Fix through the registry.
    let plan = await PinFixer(resolver: RegistryDigestResolver(client: loopback.client)).plan(
      before.references.filter { $0.reference.hasPrefix(registry + "/") })
    #expect(plan.skipped.isEmpty, "\(plan.skipped.prefix(3))")
    #expect(plan.edits.count == local.count)
    for e in plan.edits {
      let ref = try ImageReference(parsing: e.old)
      let digest = try #require(served["\(ref.repository):\(ref.tag ?? "latest")"])
      #expect(e.new == "\(registry)/\(ref.repository):\(ref.tag ?? "latest")@\(digest)")
    }
    var editedFiles = Set<String>()
    for (file, edits) in Dictionary(grouping: plan.edits, by: \.file) {
      let old = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
      let new = PinFixer.apply(edits, to: old)
      // Only the reference tokens changed: rebuild the file independently from the spans.
      var expected: [UInt8] = []
      var pos = 0
      for e in edits.sorted(by: { $0.span.start < $1.span.start }) {
        #expect(Array(old[e.span.start..<e.span.end]) == Array(e.old.utf8))
        expected += old[pos..<e.span.start] + Array(e.new.utf8)
        pos = e.span.end
      }
      expected += old[pos...]
      #expect(new == expected, "\(file)")
      try Data(new).write(to: URL(fileURLWithPath: file))
      editedFiles.insert(file)
    }
    // 4. Lint again: nothing left at the fixed lines, and every fixed reference is a digest pin.
    let after = FleetScanner().scan([corpus])
    #expect(after.references.count == before.references.count)
    let fixedLines = Set(plan.edits.map { "\($0.file):\($0.line)" })
    let left = PinLinter().lint(after.references, fileLines: PinLinter.readLines).filter {
      fixedLines.contains("\($0.file):\($0.line)")
    }
    #expect(left.isEmpty, "\(left.prefix(5).map(\.message))")
    for r in after.references where fixedLines.contains("\(r.file):\(r.line)") {
      #expect(r.class == .digest, "\(r.file):\(r.line) \(r.reference)")
    }
    // Files with nothing to fix are byte-identical to the corpus.
    for f in after.files.map(\.path) where !editedFiles.contains(f) {
      let rel = String(f.dropFirst(corpus.count))
      #expect(
        FileManager.default.contents(atPath: f)
          == FileManager.default.contents(atPath: SharedData.path("fleet/corpus") + rel), "\(rel)")
    }
  }

  @Test(.enabled(if: Oracles.gate(available), "docker-registry not installed (install-oracles.sh)"))
  func helmImageMapGetsItsDigestFilled() async throws {
    let loopback = try LoopbackRegistry()
    defer { Task { await loopback.stop() } }
    let registry = loopback.host
    let digest = try await loopback.pushImage(repository: "bitnami/redis", tag: "7.2.4").digest
    let values = """
      # Bitnami-style values
      image:
        registry: \(registry)
        repository: bitnami/redis
        tag: 7.2.4   # keep this comment
        digest: ""
        pullPolicy: IfNotPresent
      sidecar:
        image:
          registry: \(registry)
          repository: bitnami/redis
          tag: 7.2.4
      """
    let tmp = try TemporaryDirectory()
    let file = tmp.file("values.yaml")
    try values.write(toFile: file, atomically: false, encoding: .utf8)
    let inventory = FleetScanner().scan([file])
    let plan = await PinFixer(resolver: RegistryDigestResolver(client: loopback.client)).plan(
      inventory.references)
    #expect(plan.edits.count == 1)
    // The map without a digest key is reported, not rewritten.
    #expect(plan.skipped.map(\.reference.line) == [11])
    let fixed = String(
      decoding: PinFixer.apply(plan.edits, to: Array(values.utf8)), as: UTF8.self)
    #expect(fixed == values.replacingOccurrences(of: "digest: \"\"", with: "digest: \"\(digest)\""))
    try fixed.write(toFile: file, atomically: false, encoding: .utf8)
    let again = FleetScanner().scan([file]).references
    #expect(again.map(\.class) == [.digest, .tag])
  }
}
