import Foundation
import TailguardModel

/// OpenVEX 0.2.0 (https://github.com/openvex/spec): one `affected` statement per open finding
/// (with the upgrade as action), `not_affected`/`fixed` statements for suppressed ones.
public struct OpenVEXReport: Sendable {
  public var author: String
  public var timestamp: String
  public init(author: String = "tailguard", timestamp: String) {
    self.author = author
    self.timestamp = timestamp
  }

  public func document(_ report: ScanReport) -> [String: Any] {
    var statements: [[String: Any]] = []
    for s in report.findings {
      let f = s.finding
      var st: [String: Any] = [
        "vulnerability": [
          "name": f.primaryID, "aliases": f.advisoryIDs.filter { $0 != f.primaryID },
        ],
        "products": [["@id": f.purl.description]],
        "status": "affected",
      ]
      st["action_statement"] =
        f.fixedVersion.map { "Upgrade \(f.packageName) to \($0) or later." }
        ?? "No fix is available yet; mitigate or accept the risk."
      statements.append(st)
    }
    for s in report.suppressed {
      let f = s.finding
      statements.append([
        "vulnerability": ["name": f.primaryID],
        "products": [["@id": f.purl.description]],
        "status": "not_affected",
        "justification": "inline_mitigations_already_exist",
        "impact_statement": s.suppression?.reason ?? "suppressed",
      ])
    }
    let seed = report.sbom.image.manifestDigest?.hex ?? report.sbom.image.target
    return [
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://tailguard.invalid/vex/\(seed.prefix(64))",
      "author": author,
      "timestamp": timestamp,
      "version": 1,
      "statements": statements,
    ]
  }

  public func encode(_ report: ScanReport) throws -> Data {
    try JSONSerialization.data(
      withJSONObject: document(report),
      options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
  }
}
