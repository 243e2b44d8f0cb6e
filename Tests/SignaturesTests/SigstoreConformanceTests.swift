import Foundation
import Signatures
import TailguardTesting
import Testing

/// Agreement with sigstore-python (offline) on every bundle of ../shared/data/sigstore: the
/// verdicts recorded in Fixtures/sigstore-python-verdicts.tsv are checked against tailguard on
/// every run, and against a live sigstore-python run when it is installed (CI installs it).
struct SigstoreConformanceTests {
  struct Case: Sendable, CustomStringConvertible {
    var index: Int
    var bundle: String
    var artifact: String?
    var root: String
    var verdict: Bool
    var identity: String
    var issuer: String
    var description: String {
      "#\(index) \(bundle.split(separator: "/").last ?? "") [\(root)] \(artifact == nil ? "dsse-only" : "")"
    }
  }

  static let fixture =
    SharedData.packageRoot + "/Tests/SignaturesTests/Fixtures/sigstore-python-verdicts.tsv"
  static let sigstoreRoot = SharedData.path("sigstore")

  static func cases() throws -> [Case] {
    let text = try String(contentsOfFile: fixture, encoding: .utf8)
    var out: [Case] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard f.count == 6 else { continue }
      out.append(
        Case(
          index: out.count, bundle: f[0], artifact: f[1] == "-" ? nil : f[1], root: f[2],
          verdict: f[3] == "pass",
          identity: f[4], issuer: f[5]))
    }
    return out
  }

  static func trustedRootPath(_ name: String) -> String {
    switch name {
    case "staging": return sigstoreRoot + "/staging_trusted_root_from_sigstore-python-4.5.1.json"
    case "prod": return sigstoreRoot + "/prod_trusted_root_from_sigstore-python-4.5.1.json"
    default: return sigstoreRoot + "/sigstore-python/test/assets/tsa/trust_config.json"
    }
  }

  /// tailguard's verdict for one case (nil failure = verified).
  static func tailguard(_ c: Case) async throws -> VerificationFailure? {
    let root = try TrustedRoot(contentsOf: trustedRootPath(c.root))
    let bundle = try SigstoreBundle(contentsOf: sigstoreRoot + "/" + c.bundle)
    // Artifacts are streamed from disk, as verify-blob does.
    let artifact = c.artifact.map { ArtifactSource.file(sigstoreRoot + "/" + $0) }
    let policy = CertificateIdentityPolicy(identity: .exact(c.identity), issuer: .exact(c.issuer))
    do {
      _ = try await SigstoreVerifier(trustedRoot: root).verify(
        bundle: bundle, source: artifact, signer: .certificate(policy))
      return nil
    } catch {
      return error
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
  func recordedVerdictsAgree() async throws {
    let cases = try Self.cases()
    #expect(cases.count == 58)
    #expect(cases.filter(\.verdict).count == 14)
    var disagreements: [String] = []
    for c in cases {
      let failure = try await Self.tailguard(c)
      if (failure == nil) != c.verdict {
        disagreements.append(
          "\(c): sigstore-python \(c.verdict ? "pass" : "fail"), tailguard \(failure.map(\.description) ?? "pass")"
        )
      }
    }
    #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
  }

  /// The reasons tailguard gives for the deliberately broken assets.
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
  func brokenAssetsFailWithTheirOwnReason() async throws {
    let byName = Dictionary(
      grouping: try Self.cases(),
      by: { "\($0.bundle)|\($0.artifact ?? "-")|\($0.root)|\($0.identity)|\($0.issuer)" })
    func reason(_ bundle: String, _ artifact: String?, _ root: String, _ id: String, _ iss: String)
      async throws -> VerificationCheck?
    {
      let key =
        "sigstore-python/test/assets/\(bundle)|\(artifact.map { "sigstore-python/test/assets/" + $0 } ?? "-")|\(root)|\(id)|\(iss)"
      let c = try #require(byName[key]?.first, "missing case \(key)")
      return try await Self.tailguard(c)?.check
    }
    let william = "william@yossarian.net"
    let gh = "https://github.com/login/oauth"
    #expect(
      try await reason(
        "bundle_cve_2022_36056.txt.sigstore", "bundle_cve_2022_36056.txt", "staging", william, gh)
        == .tlogBodyConsistency)
    #expect(
      try await reason(
        "bundle_invalid_version.txt.sigstore", "bundle_invalid_version.txt", "staging", william, gh)
        == .bundleFormat)
    #expect(
      try await reason(
        "bundle_no_checkpoint.txt.sigstore", "bundle_no_checkpoint.txt", "staging", william, gh)
        == .bundleFormat)
    #expect(
      try await reason(
        "bundle_no_log_entry.txt.sigstore", "bundle_no_log_entry.txt", "staging",
        "alex.cameron@trailofbits.com", "https://accounts.google.com") == .tlogEntryPresent)
    #expect(
      try await reason("bundle_v3.txt.sigstore", "bad.txt", "staging", william, gh)
        == .artifactDigest)
    #expect(
      try await reason(
        "bundle_v3.txt.sigstore", "bundle_v3.txt", "staging", "someone-else@example.com", gh)
        == .certificateIdentity)
    #expect(
      try await reason(
        "bundle_v3.txt.sigstore", "bundle_v3.txt", "staging", william, "https://accounts.google.com"
      ) == .certificateIssuer)
    #expect(
      try await reason("bundle_v3.txt.sigstore", "bundle_v3.txt", "prod", william, gh)
        == .certificateChain)
    let tsaID = "alexis.challande@trailofbits.com"
    let google = "https://accounts.google.com"
    #expect(
      try await reason("tsa/bundle.duplicate.sigstore", "tsa/bundle.txt", "tsa", tsaID, google)
        == .signedTimestamp)
    #expect(
      try await reason("tsa/bundle.many_timestamp.sigstore", "tsa/bundle.txt", "tsa", tsaID, google)
        == .signedTimestamp)
    #expect(
      try await reason(
        "tsa/bundle.txt.late_timestamp.sigstore", "tsa/bundle.txt", "staging", tsaID, google)
        == .certificateValidity)
  }

  static let oracleAvailable: Bool = {
    guard SharedData.isAvailable else { return false }
    return ProcessRunner.pythonHas("sigstore.verify")
  }()

  /// Live: sigstore-python decides every case again; it must match the recorded verdicts and tailguard.
  @Test(
    .enabled(if: Oracles.gate(oracleAvailable), "sigstore-python (PyPI sigstore) is not installed"))
  func liveSigstorePythonAgrees() async throws {
    let cases = try Self.cases()
    let run = try ProcessRunner.run(
      "python3",
      [
        SharedData.packageRoot + "/Tests/SignaturesTests/Fixtures/sigstore_python_oracle.py",
        Self.sigstoreRoot, Self.fixture,
      ])
    #expect(run.status == 0)
    var live: [Int: Bool] = [:]
    for line in run.stdout.split(separator: "\n") {
      let f = line.split(separator: "\t", omittingEmptySubsequences: false)
      if f.count >= 2, let i = Int(f[0]) { live[i] = f[1] == "pass" }
    }
    #expect(live.count == cases.count)
    var disagreements: [String] = []
    for c in cases {
      let ours = try await Self.tailguard(c) == nil
      if live[c.index] != c.verdict || live[c.index] != ours {
        disagreements.append(
          "\(c): recorded \(c.verdict), live \(String(describing: live[c.index])), tailguard \(ours)"
        )
      }
    }
    #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
  }
}
