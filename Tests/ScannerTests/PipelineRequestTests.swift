import Foundation
import Scanner
import TailguardModel
import TailguardTesting
import Testing

/// The pipeline API the command line (and later the server) calls: a request in, an outcome
/// out, thresholds as values; and the command line's one mapping of outcomes to exit codes.
@Suite struct PipelineRequestTests {
  static let target = "oci:\(SharedData.path("images/built/oci-layout")):planted"
  static let available = SharedData.isAvailable

  func request(failOn: Severity?) throws -> ScanRequest {
    var r = ScanRequest(
      target: Self.target,
      // A database path that does not exist and was not named: the starter set is used.
      advisories: AdvisoryChoice(path: "/nonexistent/tailguard.db", named: false),
      options: try ScanOptions(registry: RegistrySettings()))
    r.failOn = failOn
    return r
  }

  @Test(.enabled(if: Oracles.gate(available), "needs ../shared/data"))
  func thresholdsAreOutcomeValues() async throws {
    let critical = try await Scanner().scan(try request(failOn: .critical))
    #expect(critical.report?.findings.count == 9)
    #expect(critical.crossed.map(\.kind) == [.severity])
    #expect(critical.exitStatus == .thresholdCrossed)
    #expect(critical.crossed.first?.lines.last?.contains("--fail-on") == true)
    // No finding is negligible-only: with no threshold nothing is crossed.
    let none = try await Scanner().scan(try request(failOn: nil))
    #expect(none.crossed.isEmpty)
    #expect(none.exitStatus == .done)
  }

  @Test(.enabled(if: Oracles.gate(available), "needs ../shared/data"))
  func aNamedMissingDatabaseIsAnErrorNotTheStarterSet() async throws {
    var r = try request(failOn: nil)
    r.advisories = AdvisoryChoice(path: "/nonexistent/tailguard.db", named: true)
    let error = await #expect(throws: ScannerError.self) { try await Scanner().scan(r) }
    #expect(error?.code == .database)
    #expect(error?.exitStatus == .couldNotRun)
  }

  @Test(.enabled(if: Oracles.gate(available && TailguardCLI.binary != nil), "needs the built CLI"))
  func commandLineMapsOutcomesToExitCodes() throws {
    let crossed = try TailguardCLI.run(["scan", "--fail-on", "high", Self.target])
    #expect(crossed.status == 1)
    #expect(crossed.stderr.contains("findings at or above high: failing (--fail-on)"))
    let quietFail = try TailguardCLI.run([
      "scan", "-q", "-o", "json", "--fail-on", "critical", Self.target,
    ])
    #expect(quietFail.status == 1)
    #expect(quietFail.stderr.isEmpty)
    let wrongFormat = try TailguardCLI.run(["scan", "-o", "yaml", Self.target])
    #expect(wrongFormat.status == 64)
    #expect(wrongFormat.stderr.contains("'table', 'json', 'sarif', 'cyclonedx-json' or 'openvex'"))
    let wrongSeverity = try TailguardCLI.run(["scan", "--fail-on", "urgent", Self.target])
    #expect(wrongSeverity.status == 64)
    let missing = try TailguardCLI.run(["scan", "-q", "oci:/nonexistent/layout"])
    #expect(missing.status == 2)
    #expect(missing.stderr.hasPrefix("tailguard: error:"))
  }
}
