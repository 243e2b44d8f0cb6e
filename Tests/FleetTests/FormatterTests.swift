import Fleet
import Foundation
import TailguardTesting
import Testing

/// Output formats: the JSON array (one object per reference, the issue's field names), CSV,
/// and the per-class / per-image summary, on the kustomize fixture (pin lint's SARIF is built by
/// Scanner's `PinLintSARIF`, tested in ScannerTests).
struct FormatterTests {
  static let dir = SharedData.packageRoot + "/Tests/FleetTests/Fixtures"

  @Test func jsonArrayHasTheIssueFields() throws {
    let inv = FleetScanner().scan([Self.dir + "/kustomize"])
    let json = try InventoryFormatter.json(inv.references)
    let arr = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
    #expect(arr?.count == 6)
    let first = try #require(arr?.first)
    for key in [
      "file", "line", "reference", "resolved", "class", "source", "workload", "replicas",
      "replicasSource",
    ] {
      #expect(first[key] != nil, "\(key)")
    }
    #expect(first["line"] as? Int == 11)
    #expect((first["workload"] as? [String: Any])?["container"] as? String == "cache")
  }

  @Test func summaryCountsWorkloadsAndReplicas() {
    let inv = FleetScanner().scan([Self.dir + "/kustomize", Self.dir + "/compose.yaml"])
    let s = FleetSummary(inv.references, files: inv.files.count)
    #expect(s.references == 11)
    #expect(s.byClass["tag"] == 4)
    #expect(s.byClass["variable"] == 3)
    let alpine = s.images.first { $0.image == "alpine:latest" }
    #expect(alpine?.workloads == 1 && alpine?.totalReplicas == 5)
    let nginx = s.images.first { $0.image == "nginx:1.25.3" }  // after the kustomize override
    #expect(nginx?.totalReplicas == 3)
  }

  @Test func csvQuotes() throws {
    let inv = FleetScanner().scan([Self.dir + "/compose.yaml"])
    let csv = InventoryFormatter.csv(inv.references)
    #expect(
      csv.hasPrefix(
        "file,line,reference,resolved,class,source,kind,name,container,replicas,replicasSource\n"))
    #expect(csv.split(separator: "\n").count == inv.references.count + 1)
  }
}
