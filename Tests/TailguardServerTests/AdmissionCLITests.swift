import Foundation
import ImageSources
import Scanner
import TailguardServer
import TailguardTesting
import Testing

/// `tailguard admission review` and `manifests` as a user runs them, and admission against a
/// real registry on loopback (tags resolved for real, a tag moved after indexing).
@Suite(.serialized)
struct AdmissionCLITests {
  static func cli(_ args: [String]) async throws -> ProcessRunner.Result {
    let binary = try #require(TailguardCLI.binary, "the tailguard executable is not built")
    return try await ProcessRunner.runDetached(binary, args, timeout: 300)
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)))
  func reviewDecidesOneFileWithTheStoredFacts() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-admission-cli")
    let digests = TagTable()
    try await harness.run { client in
      let planted = try await client.submit("oci:\(ServerHarness.layout):planted").1
      let base = try await client.submit("oci:\(ServerHarness.layout):bookworm-minbase").1
      _ = try await client.waitIndexed(planted)
      _ = try await client.waitIndexed(base)
      digests.set("planted", planted)
      digests.set("base", base)
    }
    let planted = try digests.resolve("planted")
    let base = try digests.resolve("base")
    let policy = harness.dir.file("admission.rego")
    try AdmissionServerTests.policy.write(toFile: policy, atomically: true, encoding: .utf8)
    let common = [
      "--database", harness.store.location, "--db", harness.advisoryDB, "--policy", policy,
    ]
    let denyFile = harness.dir.file("deny.json")
    try ReviewDocs.create("Deployment", images: ["registry.test/app@\(planted)"], uid: "cli-1")
      .write(to: URL(fileURLWithPath: denyFile))
    let denied = try await Self.cli(["admission", "review", denyFile] + common)
    #expect(denied.status == 1, "\(denied.output)")
    #expect(denied.stdout.contains(#""uid":"cli-1""#), "\(denied.output)")
    #expect(denied.stdout.contains(#""allowed":false"#))
    #expect(denied.stdout.contains("admission.findings.deny"))

    let allowFile = harness.dir.file("allow.json")
    try ReviewDocs.create("Pod", images: ["registry.test/base@\(base)"])
      .write(to: URL(fileURLWithPath: allowFile))
    let allowed = try await Self.cli(["admission", "review", allowFile] + common)
    #expect(allowed.status == 0, "\(allowed.output)")
    #expect(allowed.stdout.contains(#""allowed":true"#))

    // The replay records and queues nothing.
    #expect(try harness.store.admissions(limit: 10, after: nil).items.isEmpty)
    let unknownFile = harness.dir.file("unknown.json")
    try ReviewDocs.create(
      "Pod", images: ["registry.test/x@sha256:" + String(repeating: "e", count: 64)]
    )
    .write(to: URL(fileURLWithPath: unknownFile))
    let unknown = try await Self.cli(["admission", "review", unknownFile] + common)
    #expect(unknown.status == 1, "\(unknown.output)")
    #expect(unknown.stdout.contains("not yet scanned"))
    #expect(try harness.store.jobs(state: "queued", limit: 10, after: nil).items.isEmpty)

    let badFile = harness.dir.file("bad.json")
    try Data("{\"apiVersion\":".utf8).write(to: URL(fileURLWithPath: badFile))
    let bad = try await Self.cli(["admission", "review", badFile] + common)
    #expect(bad.status == 2, "\(bad.output)")
    #expect(bad.stderr.contains("not valid JSON"), "\(bad.output)")
    let missing = try await Self.cli(
      ["admission", "review", harness.dir.file("nope.json")] + common)
    #expect(missing.status == 2, "\(missing.output)")
  }

  @Test func manifestsPrintTheCABundleAndTheExcludedNamespaces() async throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-admission-cli")
    let ca = dir.file("ca.pem")
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBxTCCAWugAwIBAgIUQ\n-----END CERTIFICATE-----\n"
    try pem.write(toFile: ca, atomically: true, encoding: .utf8)
    let config = dir.file("tailguard.yaml")
    try "admission:\n  timeoutSeconds: 8\n  exclude:\n    namespaces: [kube-system, ops]\n"
      .write(toFile: config, atomically: true, encoding: .utf8)
    let run = try await Self.cli([
      "admission", "manifests", "--config", config, "--tls-ca", ca, "--namespace", "tailguard",
    ])
    #expect(run.status == 0, "\(run.output)")
    #expect(run.stdout.contains("caBundle: \(Data(pem.utf8).base64EncodedString())"))
    #expect(run.stdout.contains("values: [kube-system, ops, tailguard]"))
    #expect(run.stdout.contains("kind: ValidatingWebhookConfiguration"))
    #expect(run.stdout.contains("kind: MutatingWebhookConfiguration"))
    let noCA = try await Self.cli(["admission", "manifests", "--tls-ca", config])
    #expect(noCA.status != 0, "\(noCA.output)")
  }

  /// A real registry: a tag indexed, admitted and pinned; the tag moved; the decision follows
  /// the new digest (unknown and queued, then indexed and admitted); with the registry down, the
  /// last indexed digest of the tag is judged and pinned.
  @Test(
    .enabled(
      if: Oracles.gate(LoopbackRegistry.available && SharedData.isAvailable),
      "docker-registry not installed (install-oracles.sh)"),
    .timeLimit(.minutes(10)))
  func aTagMovedAfterIndexingIsFollowed() async throws {
    let loopback = try LoopbackRegistry()
    let host = loopback.host
    let first = try await loopback.pushImage(repository: "shop/app", tag: "v1", content: "one")
      .digest
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-admission-registry")
    var config = try AdmissionServerTests.configure(harness, tags: TagTable())
    config.admissionResolve = nil
    config.scanOptions.registry = RegistryClientConfiguration(insecureRegistries: [host])
    let image = "\(host)/shop/app:v1"
    try await harness.run(config) { client in
      let (_, digest) = try await client.submit(image)
      #expect(digest == first)
      #expect(try await client.waitIndexed(first)["status"] as? String == "indexed")

      func validate() async throws -> AdmissionServerTests.Reviewed {
        try await AdmissionServerTests.post(
          client, "/admission/validate", ReviewDocs.create("Pod", images: [image]))
      }
      func pinned() async throws -> String? {
        let answer = try await AdmissionServerTests.post(
          client, "/admission/mutate", ReviewDocs.create("Pod", images: [image]))
        guard let patch = Data(base64Encoded: answer.response["patch"] as? String ?? ""),
          let ops = try JSONSerialization.jsonObject(with: patch) as? [[String: Any]]
        else { return nil }
        return ops.first?["value"] as? String
      }
      #expect(try await validate().response["allowed"] as? Bool == true)
      #expect(try await pinned() == "\(image)@\(first)")

      let second = try await loopback.pushImage(repository: "shop/app", tag: "v1", content: "two")
        .digest
      #expect(second != first)
      let cold = try await validate()
      #expect(cold.response["allowed"] as? Bool == false, "\(cold.text)")
      #expect(cold.text.contains(second), "\(cold.text)")
      #expect(cold.text.contains("not yet scanned"), "\(cold.text)")
      #expect(try await pinned() == "\(image)@\(second)")
      #expect(try await client.waitIndexed(second)["status"] as? String == "indexed")
      #expect(try await validate().response["allowed"] as? Bool == true)

      // The registry goes away: the tag's last indexed digest is judged, with a warning.
      await loopback.stop()
      let down = try await validate()
      #expect(down.response["allowed"] as? Bool == true, "\(down.text)")
      #expect(down.text.contains("registry did not answer"), "\(down.text)")
    }
  }
}
