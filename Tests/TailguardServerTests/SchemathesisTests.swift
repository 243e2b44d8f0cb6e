import Foundation
import TailguardTesting
import Testing

let hasSchemathesis = ProcessRunner.which("schemathesis") != nil

/// scripts/schemathesis.sh against the built `tailguard`: a server on loopback fuzzed by
/// schemathesis from the OpenAPI document it serves — no 5xx, and status codes, content types,
/// headers and bodies as documented.
struct SchemathesisTests {
  @Test(
    .enabled(
      if: Oracles.gate(hasSchemathesis && SharedData.isAvailable && TailguardCLI.binary != nil),
      "schemathesis, the shared data or the built tailguard is missing (scripts/install-test-deps.sh)"
    ),
    .timeLimit(.minutes(15)))
  func serverConformsToItsOpenAPIDocument() async throws {
    let binary = try #require(TailguardCLI.binary, "the tailguard executable is not built")
    let r = try await ProcessRunner.runDetached(
      "bash", [SharedData.packageRoot + "/scripts/schemathesis.sh", binary],
      environment: ["TAILGUARD_SHARED_DATA": SharedData.root], timeout: 840, mergeOutput: true)
    let tail = String(r.stdout.suffix(8000))
    #expect(!r.timedOut, "\(tail)")
    #expect(r.status == 0, "\(tail)")
    #expect(!r.stdout.contains("Server error"), "\(tail)")
    #expect(r.stdout.contains("no 5xx, no internal error in the server log"), "\(tail)")
  }
}
