import Foundation
import TailguardServer
import TailguardTesting
import Testing

/// `tailguard admission manifests`: the Kubernetes schemas accept what it prints
/// (kubernetes-validate --strict), and deploy/kubernetes holds the same webhooks.
struct AdmissionManifestsTests {
  static let validatorAvailable = ProcessRunner.which("kubernetes-validate") != nil
  static let deploy = SharedData.packageRoot + "/deploy/kubernetes/base/"

  /// The deploy/ settings: its config excludes kube-system and tailguard.
  static func deployed() -> AdmissionManifests {
    var m = AdmissionManifests()
    m.excludeNamespaces = ["kube-system", "tailguard"]
    return m
  }

  /// Lines that carry YAML (comments and blank lines dropped, trailing spaces trimmed).
  static func content(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map {
      String($0).replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression)
    }.filter { !$0.isEmpty && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
  }

  @Test func deployHoldsWhatTheCommandPrints() throws {
    let printed = Self.deployed().yaml().components(separatedBy: "---\n")
    #expect(printed.count == 2)
    for (i, file) in ["validatingwebhookconfiguration.yaml", "mutatingwebhookconfiguration.yaml"]
      .enumerated()
    {
      let text = try String(contentsOfFile: Self.deploy + file, encoding: .utf8)
      #expect(Self.content(text) == Self.content(printed[i]), "\(file) differs from the command")
    }
  }

  @Test func theServiceNamespaceIsAlwaysExcludedAndTheCABundleEmbedded() throws {
    var m = AdmissionManifests()
    m.namespace = "security"
    m.caBundle = Data("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8)
    m.timeoutSeconds = 5
    let yaml = m.yaml()
    #expect(yaml.contains("values: [kube-system, security]"))
    #expect(yaml.contains("caBundle: \(m.caBundle!.base64EncodedString())"))
    #expect(yaml.contains("timeoutSeconds: 5"))
    #expect(yaml.components(separatedBy: "sideEffects: NoneOnDryRun").count == 3)
  }

  @Test(
    .enabled(if: Oracles.gate(validatorAvailable), "kubernetes-validate (PyPI) is not installed"),
    .timeLimit(.minutes(5)))
  func kubernetesValidateStrictAcceptsThem() async throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-admission-manifests")
    var m = Self.deployed()
    m.caBundle = Data("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8)
    let file = dir.file("webhooks.yaml")
    try m.yaml().write(toFile: file, atomically: true, encoding: .utf8)
    let run = try await ProcessRunner.runDetached(
      "kubernetes-validate", ["--strict", "-k", "1.29.0", file], timeout: 300)
    #expect(run.status == 0, "\(run.output)")
    #expect(run.output.contains("valid"), "\(run.output)")
    // The oracle bites: a timeout that is not an integer.
    let broken = dir.file("broken.yaml")
    try m.yaml().replacingOccurrences(of: "timeoutSeconds: 10", with: "timeoutSeconds: ten")
      .write(toFile: broken, atomically: true, encoding: .utf8)
    let bad = try await ProcessRunner.runDetached(
      "kubernetes-validate", ["--strict", "-k", "1.29.0", broken], timeout: 300)
    #expect(bad.status != 0, "\(bad.output)")
  }
}
