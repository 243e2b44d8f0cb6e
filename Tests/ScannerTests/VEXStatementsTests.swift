import Foundation
import Scanner
import TailguardModel
import Testing

/// OpenVEX input read through its typed model: both spellings of `vulnerability`, product ids
/// from `@id` and `identifiers.purl`, odd statements reported and skipped, documents without a
/// statements array refused.
@Suite struct VEXStatementsTests {
  static func load(_ text: String) throws -> VEXStatements {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tailguard-vex-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("doc.openvex.json").path
    try text.write(toFile: file, atomically: true, encoding: .utf8)
    return try VEXStatements.load(path: file)
  }

  @Test func readsStatementsOfEitherShape() throws {
    let vex = try Self.load(
      """
      {"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
        {"vulnerability": {"name": "CVE-2024-1", "aliases": ["GHSA-aaaa-bbbb-cccc"]},
         "products": [{"@id": "pkg:deb/debian/openssl@3.0.11-1"},
                      {"identifiers": {"purl": "pkg:npm/%40s/x"}}],
         "status": "not_affected", "justification": "vulnerable_code_not_present"},
        {"vulnerability": "CVE-2024-2", "products": [{"@id": "not a purl"}], "status": "fixed"},
        {"vulnerability": {"@id": "CVE-2024-3"}, "status": "affected", "products": "oops"},
        {"vulnerability": {"name": 7}, "status": "fixed"},
        {"vulnerability": {"name": "CVE-2024-4"}}
      ]}
      """)
    #expect(vex.statements.map(\.vulnerability) == ["CVE-2024-1", "CVE-2024-2", "CVE-2024-3"])
    #expect(vex.statements[0].aliases == ["GHSA-aaaa-bbbb-cccc"])
    #expect(vex.statements[0].products.map(\.description).count == 2)
    #expect(vex.statements[0].products.first?.name == "openssl")
    #expect(vex.statements[0].justification == "vulnerable_code_not_present")
    #expect(vex.statements[1].products.isEmpty)
    #expect(vex.statements[2].products.isEmpty)
    #expect(vex.diagnostics.map(\.code) == ["vex.bad-statement", "vex.bad-statement"])
  }

  @Test(arguments: ["not json", "[1, 2]", #"{"statements": "none"}"#, #"{"statements": [1]}"#])
  func refusesDocumentsWithoutStatements(text: String) {
    #expect(throws: ScannerError.self) { _ = try Self.load(text) }
  }
}
