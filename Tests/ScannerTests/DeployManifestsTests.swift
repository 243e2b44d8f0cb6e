import Foundation
import Scanner
import TailguardTesting
import Testing

/// deploy/kubernetes: the manifests pass the Kubernetes schemas (kubernetes-validate --strict,
/// through scripts/validate-deploy.sh, the oracle), the check rejects a broken manifest, and
/// tailguard's own pin lint finds every workload image pinned by digest.
@Suite struct DeployManifestsTests {
  static let root = SharedData.packageRoot
  static let manifests = root + "/deploy/kubernetes"
  static let script = root + "/scripts/validate-deploy.sh"
  static let validatorAvailable =
    ProcessRunner.which("kubernetes-validate") != nil && ProcessRunner.which("bash") != nil

  /// `scripts/validate-deploy.sh ARGS…` from the package root.
  static func validate(_ args: [String], versions: String? = nil) async throws
    -> ProcessRunner.Result
  {
    try await ProcessRunner.runDetached(
      "bash", [script] + args,
      environment: versions.map { ["KUBERNETES_VERSIONS": $0] }, directory: root,
      timeout: 300)
  }

  /// A copy of deploy/kubernetes in a temporary directory, with `old` replaced by `new` in `file`.
  static func brokenCopy(_ file: String, replacing old: String, with new: String) throws
    -> TemporaryDirectory
  {
    let dir = try TemporaryDirectory(prefix: "deploy-manifests")
    let copy = dir.file("kubernetes")
    try FileManager.default.copyItem(atPath: manifests, toPath: copy)
    let path = copy + "/" + file
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains(old), "\(file) no longer holds \(old)")
    try text.replacingOccurrences(of: old, with: new)
      .write(toFile: path, atomically: true, encoding: .utf8)
    return dir
  }

  @Test(
    .enabled(
      if: Oracles.gate(validatorAvailable), "kubernetes-validate (PyPI) is not installed"),
    .timeLimit(.minutes(5)))
  func theManifestsPassStrictSchemaValidation() async throws {
    let run = try await Self.validate([])
    #expect(run.status == 0, "\(run.output)")
    #expect(run.stdout.contains("valid against Kubernetes 1.29.0 (strict)"), "\(run.output)")
    #expect(run.stdout.contains("validate-deploy: OK"), "\(run.output)")
  }

  @Test(
    .enabled(
      if: Oracles.gate(validatorAvailable), "kubernetes-validate (PyPI) is not installed"),
    .timeLimit(.minutes(5)))
  func aBrokenManifestIsRejected() async throws {
    let dir = try Self.brokenCopy(
      "base/worker-deployment.yaml", replacing: "replicas: 3", with: "replicas: \"three\"")
    let run = try await Self.validate([dir.file("kubernetes")], versions: "1.29.0")
    #expect(run.status == 1, "\(run.output)")
    #expect(run.stderr.contains("worker-deployment.yaml"), "\(run.output)")
    #expect(run.stderr.contains("spec.replicas"), "\(run.output)")
    #expect(!run.stdout.contains("validate-deploy: OK"), "\(run.output)")

    // A kind with no schema is a warning with exit 0 in kubernetes-validate; a failure here.
    let typo = try Self.brokenCopy(
      "postgres/statefulset.yaml", replacing: "kind: StatefulSet", with: "kind: StatefulSett")
    let unknown = try await Self.validate([typo.file("kubernetes")], versions: "1.29.0")
    #expect(unknown.status == 1, "\(unknown.output)")
    #expect(unknown.stderr.contains("StatefulSett"), "\(unknown.output)")
  }

  @Test func everyWorkloadImageIsPinnedByDigest() throws {
    let files = FleetOperations.Files(paths: [Self.manifests])
    let lint = try FleetOperations.lint(FleetOperations.LintRequest(files: files))
    #expect(lint.exitStatus == .done)
    let table = try lint.render(.table)
    #expect(!lint.hasFindings, "\(table)")

    let inventory = FleetOperations.inventory(files)
    #expect(inventory.exitStatus == .done)
    let json = try inventory.render(.json)
    let rows = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    let workloads = rows.compactMap { ($0["workload"] as? [String: Any])?["name"] as? String }
    #expect(workloads.sorted() == ["tailguard-postgres", "tailguard-server", "tailguard-worker"])
    #expect(rows.allSatisfy { $0["class"] as? String == "digest" }, "\(json)")
    let worker = rows.first {
      ($0["workload"] as? [String: Any])?["name"] as? String == "tailguard-worker"
    }
    #expect(worker?["replicas"] as? Int == 3)

    // The same lint finds a tag, so the check above can fail: the kustomization's `images:`
    // entry decides what runs, and here it sets `latest` instead of the digest.
    let tagged = try Self.brokenCopy(
      "base/kustomization.yaml",
      replacing: "    digest: sha256:" + String(repeating: "0", count: 64),
      with: "    newTag: latest")
    let unpinned = try FleetOperations.lint(
      FleetOperations.LintRequest(files: FleetOperations.Files(paths: [tagged.file("kubernetes")])))
    #expect(unpinned.hasFindings)
  }

  @Test func theWebhooksCallTheAdmissionPathsWithTheAgreedSettings() throws {
    for (file, path) in [
      ("validatingwebhookconfiguration.yaml", "/admission/validate"),
      ("mutatingwebhookconfiguration.yaml", "/admission/mutate"),
    ] {
      let text = try String(contentsOfFile: Self.manifests + "/base/" + file, encoding: .utf8)
      for needle in [
        "path: \(path)", "name: tailguard-webhook", "port: 443", "timeoutSeconds: 10",
        "sideEffects: None", "admissionReviewVersions: [\"v1\"]", "failurePolicy: ",
        "values: [kube-system, tailguard]", "pods/ephemeralcontainers", "replicationcontrollers",
        "deployments, statefulsets, daemonsets, replicasets", "jobs, cronjobs",
      ] {
        #expect(text.contains(needle), "\(file) lacks \(needle)")
      }
    }
  }
}
