import ByteFormats
import Fleet
import Foundation
import ImageSources
import Remediation
import Scanner
import TailguardModel
import TailguardTesting
import Testing

/// The base-image bump against a real registry: a Debian 12 base pushed at two tags (the older
/// with the old package revisions, the newer with the fixed ones) and an app image on the older;
/// the plan proposes the newer tag pinned by its digest, and rebuilding the app on it closes
/// exactly the findings the plan predicted.
@Suite(
  .enabled(
    if: Oracles.gate(
      LoopbackRegistry.available && SharedData.isAvailable && XzDecoder.isAvailable
        && TailguardCLI.binary != nil),
    "docker-registry, the shared data, liblzma or the built CLI missing"))
struct BaseBumpTests {
  /// Pushes `builder`'s image under `repository:tag`; returns the manifest digest.
  static func push(
    _ builder: ImageBuilder, to loopback: LoopbackRegistry, _ repository: String, _ tag: String,
    scratch: String
  ) async throws -> String {
    let dir = scratch + "/" + UUID().uuidString
    let written = try builder.writeBlobs(into: dir)
    for digest in written.layerDigests + [written.configDigest] {
      let bytes = try Data(
        contentsOf: URL(fileURLWithPath: "\(dir)/blobs/sha256/\(digest.dropFirst(7))"))
      _ = try await loopback.client.pushBlob(
        registry: loopback.host, repository: repository, bytes: [UInt8](bytes))
    }
    try await loopback.client.pushManifest(
      registry: loopback.host, repository: repository, reference: tag,
      bytes: written.manifestBytes, mediaType: RegistryMediaType.ociManifest)
    return written.manifestDigest
  }

  static func image(_ layers: [[UInt8]], labels: [String: String] = [:]) -> ImageBuilder {
    var b = ImageBuilder(layers: layers.map { .init($0, compression: .gzip) })
    b.labels = labels
    return b
  }

  static func open(_ r: ScanReport) -> Set<String> {
    Set(r.findings.map { "\($0.finding.packageName)@\($0.finding.primaryID)" })
  }

  @Test func planProposesTheNewerBaseByDigestAndTheRebuildClosesWhatItPredicted() async throws {
    let loopback = try LoopbackRegistry()
    defer { Task { await loopback.stop() } }
    let host = loopback.host
    let dir = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: dir.file("osv"), withIntermediateDirectories: true)
    _ = try DebFixtures.writeAdvisories(to: dir.file("adv.db"), scratch: dir.file("osv"))

    let oldRoot = try DebFixtures.rootTar(style: .distroless)
    let newRoot = try DebFixtures.rootTar(style: .distroless, version: DebFixtures.newest)
    var appTar = TarBuilder()
    appTar.directory("srv")
    appTar.file("srv/app.txt", "the application\n")
    appTar.end()
    let app = appTar.finished()

    _ = try await Self.push(Self.image([oldRoot]), to: loopback, "base", "12.1", scratch: dir.path)
    let newDigest = try await Self.push(
      Self.image([newRoot]), to: loopback, "base", "12.2", scratch: dir.path)
    // Out of the line: another suffix, fewer version parts, an older release.
    _ = try await Self.push(
      Self.image([newRoot]), to: loopback, "base", "12.3-slim", scratch: dir.path)
    _ = try await Self.push(Self.image([newRoot]), to: loopback, "base", "13", scratch: dir.path)
    _ = try await Self.push(Self.image([oldRoot]), to: loopback, "base", "11.9", scratch: dir.path)
    _ = try await Self.push(
      Self.image([oldRoot, app], labels: [BaseBumpRequest.baseNameLabel: "\(host)/base:12.1"]),
      to: loopback, "app", "1", scratch: dir.path)

    var options = ScanOptions()
    options.registry = RegistryClientConfiguration(insecureRegistries: [host])
    options.cache = nil
    func request(_ target: String) -> ScanRequest {
      ScanRequest(
        target: target, advisories: AdvisoryChoice(path: dir.file("adv.db"), named: true),
        options: options)
    }
    let (plan, before) = try await Scanner().fixPlan(
      request("registry:\(host)/app:1"), endOfLife: .embedded, asOf: "2026-01-01",
      bump: BaseBumpRequest())
    let bump = try #require(plan.actions.first { $0.kind == .baseImageBump }, "\(plan.notes)")
    #expect(bump.to == "12.2@\(newDigest)")
    #expect(bump.from == "\(host)/base:12.1")
    #expect(bump.base?.repository == "\(host)/base")
    let scanned = bump.base?.candidates.filter { $0.skipped == nil } ?? []
    #expect(scanned.map(\.tag) == ["12.2"])
    #expect(scanned.first?.findings == 0)
    #expect(scanned.first?.digest == newDigest)
    #expect(scanned.first?.sizeDifference != nil)
    // Every finding sits in the base's packages: the bump closes them all, nothing else is left.
    #expect(!bump.closes.isEmpty)
    #expect(plan.actions.filter { $0.kind == .packageUpgrade }.isEmpty)
    #expect(bump.closes.count == before.findings.count)

    // The loop: the app rebuilt on the recommended base, rescanned.
    _ = try await Self.push(
      Self.image([newRoot, app]), to: loopback, "app", "2", scratch: dir.path)
    let after = try #require(try await Scanner().scan(request("registry:\(host)/app:2")).report)
    let closed = Self.open(before).subtracting(Self.open(after))
    #expect(closed == plan.predictedClosed(kind: .baseImageBump))
    #expect(Self.open(after).isEmpty)

    // The same base named by a Dockerfile (final stage through a stage name), then applied.
    let dockerfile = dir.file("Dockerfile")
    let text =
      "ARG BASE=\(host)/base:12.1\nFROM ${BASE} AS runtime\nCOPY app.txt /srv/\nFROM runtime\n"
    try Data(text.utf8).write(to: URL(fileURLWithPath: dockerfile))
    let (viaDockerfile, _) = try await Scanner().fixPlan(
      request("registry:\(host)/app:1"), endOfLife: .embedded, asOf: "2026-01-01",
      bump: BaseBumpRequest(dockerfile: dockerfile))
    #expect(viaDockerfile.actions.first { $0.kind == .baseImageBump }?.to == bump.to)
    // `fix apply` rewrites the ARG default the `FROM ${BASE}` line is built from.
    let edit = try FixApply.edit(
      Array(text.utf8), kind: .dockerfile, path: dockerfile, plan: viaDockerfile)
    #expect(
      String(decoding: edit.edited, as: UTF8.self)
        == text.replacingOccurrences(of: "base:12.1", with: "base:12.2@\(newDigest)"))
    #expect(edit.notes.isEmpty)
    let literal = "FROM \(host)/base:12.1\nCOPY app.txt /srv/\n"
    let applied = try FixApply.edit(
      Array(literal.utf8), kind: .dockerfile, path: dockerfile, plan: viaDockerfile)
    #expect(
      String(decoding: applied.edited, as: UTF8.self)
        == "FROM \(host)/base:12.2@\(newDigest)\nCOPY app.txt /srv/\n")

    // The CLI end to end: `fix plan -o json`, then `fix apply --plan` on a build context.
    let cli = try TailguardCLI.run(
      [
        "fix", "plan", "registry:\(host)/app:1", "--db", dir.file("adv.db"),
        "--insecure-registry", host, "--as-of", "2026-01-01", "-o", "json",
      ], seconds: 300)
    #expect(cli.status == 0, "\(cli.stderr.suffix(2000))")
    let decoded = try JSONDecoder().decode(FixPlan.self, from: Data(cli.stdout.utf8))
    #expect(decoded.actions.first { $0.kind == .baseImageBump }?.to == bump.to)
    #expect(decoded.table().contains("candidate 12.2@\(newDigest): 0 findings, size"))
    #expect(decoded.table().contains("skipped") == false)
    try Data(cli.stdout.utf8).write(to: URL(fileURLWithPath: dir.file("plan.json")))
    try FileManager.default.createDirectory(
      atPath: dir.file("ctx"), withIntermediateDirectories: true)
    try Data(literal.utf8).write(to: URL(fileURLWithPath: dir.file("ctx/Dockerfile")))
    let apply = try TailguardCLI.run([
      "fix", "apply", "--plan", dir.file("plan.json"), dir.file("ctx"),
    ])
    #expect(apply.status == 0, "\(apply.stderr)")
    #expect(
      try String(contentsOfFile: dir.file("ctx/Dockerfile"), encoding: .utf8)
        == "FROM \(host)/base:12.2@\(newDigest)\nCOPY app.txt /srv/\n")
  }
}
