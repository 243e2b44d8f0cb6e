import Foundation
import Scanner
import TailguardModel
import TailguardTesting
import Testing

/// `fleet inventory`, `pin lint` and `pin fix` behind the pipeline API.
@Suite struct FleetOperationsTests {
  static let layout = SharedData.path("images/built/oci-layout")
  static let planted = "sha256:76fa8eafdebb39ba069657275b0c93499d580450427ff5ad9fc0e9b23f992a50"

  func dockerfile(_ text: String) throws -> (TemporaryDirectory, String) {
    let dir = try TemporaryDirectory(prefix: "fleet-ops")
    let path = dir.file("Dockerfile")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return (dir, path)
  }

  @Test func inventoryRendersEveryFormat() throws {
    let (dir, path) = try dockerfile("FROM alpine:latest\nFROM example/app:planted\n")
    let inventory = FleetOperations.inventory(FleetOperations.Files(paths: [dir.path]))
    #expect(inventory.exitStatus == .done)
    let json = try inventory.render(.json)
    #expect(json.contains("alpine:latest") && json.contains("example/app:planted"))
    #expect(json.contains(path))
    #expect(try inventory.render(.csv).contains("alpine:latest"))
    #expect(try inventory.render(.table).contains("example/app:planted"))
    #expect(try !inventory.render(.summaryJSON).isEmpty)
  }

  @Test func aMissingInputMeansTheInventoryIsIncomplete() {
    let inventory = FleetOperations.inventory(
      FleetOperations.Files(paths: ["/nonexistent/fleet-ops-dir"]))
    #expect(inventory.exitStatus == .couldNotRun)
    #expect(inventory.diagnostics.contains { $0.code == "fleet.missing" })
  }

  @Test func lintFindsUnpinnedReferencesAndRefusesUnknownRules() throws {
    let (dir, _) = try dockerfile("FROM alpine:latest\n")
    let lint = try FleetOperations.lint(
      FleetOperations.LintRequest(files: FleetOperations.Files(paths: [dir.path])))
    #expect(lint.hasFindings)
    #expect(try lint.render(.table).hasSuffix("findings in 1 files\n"))
    #expect(try lint.render(.sarif).contains("\"2.1.0\""))

    let off = try FleetOperations.lint(
      FleetOperations.LintRequest(
        files: FleetOperations.Files(paths: [dir.path]),
        severity: ["latest": "off", "no-digest": "off"]))
    #expect(!off.hasFindings)

    let error = #expect(throws: ScannerError.self) {
      try FleetOperations.lint(
        FleetOperations.LintRequest(
          files: FleetOperations.Files(paths: [dir.path]), severity: ["no-such-rule": "error"]))
    }
    #expect(error?.exitStatus == .usage)
    #expect(error?.message.hasPrefix("unknown rule 'no-such-rule' (") == true)
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
  func fixPinsFromALayoutAndReportsWhatItCouldNotResolve() async throws {
    let (dir, path) = try dockerfile("FROM alpine:latest\nFROM example/app:planted\n")
    let before = try String(contentsOfFile: path, encoding: .utf8)
    var request = FleetOperations.FixRequest(
      files: FleetOperations.Files(paths: [dir.path]), registry: RegistrySettings())
    request.ociLayout = Self.layout
    request.dryRun = true
    let dry = try await FleetOperations.fix(request).get()
    #expect(dry.pinned == 1)
    #expect(dry.changes.count == 1)
    #expect(dry.changes.first?.diff?.contains("example/app:planted@\(Self.planted)") == true)
    #expect(dry.skipped.count == 1 && dry.skipped[0].contains("alpine:latest"))
    // alpine is not in the layout: the job was not done.
    #expect(dry.unresolved)
    #expect(dry.exitStatus == .couldNotRun)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == before)

    try "FROM example/app:planted\n".write(toFile: path, atomically: true, encoding: .utf8)
    request.dryRun = false
    let fixed = try await FleetOperations.fix(request).get()
    #expect(fixed.exitStatus == .done)
    #expect(
      try String(contentsOfFile: path, encoding: .utf8)
        == "FROM example/app:planted@\(Self.planted)\n")
  }

  @Test func fixWithAnUnreadableLayoutCannotStart() async {
    var request = FleetOperations.FixRequest(
      files: FleetOperations.Files(paths: ["/nonexistent"]), registry: RegistrySettings())
    request.ociLayout = "/nonexistent/layout"
    let result = await FleetOperations.fix(request)
    guard case .failure(let failure) = result else {
      Issue.record("expected a failure, got \(result)")
      return
    }
    #expect(!failure.description.isEmpty)
  }
}
