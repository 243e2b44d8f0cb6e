import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Scoring

struct CVSSVectorTests {
  @Test func invalidVectorsSayWhy() {
    let cases: [(String, CVSSError.Code)] = [
      ("", .empty),
      ("CVSS:3.1/", .empty),
      ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", .trailingSlash),
      ("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", .emptyField),
      ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A", .malformedField),
      ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y", .unknownMetric),
      ("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", .invalidValue),
      ("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", .duplicateMetric),
      ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", .missingMetric),
      ("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", .unknownVersion),
      ("CVSS:5.0/AV:N", .unknownVersion),
      ("hello", .unknownVersion),
      ("AV:N/AC:L/Au:N/C:P/I:P", .missingMetric),
      ("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X", .invalidValue),
      ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", .invalidValue),
      ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", .missingMetric),
      ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:clear", .invalidValue),
      ("CVSS:3.1/" + String(repeating: "AV:N/", count: 200) + "A:H", .tooLong),
    ]
    for (vector, code) in cases {
      do {
        _ = try CVSSVector(parsing: vector)
        Issue.record("accepted \(vector)")
      } catch {
        #expect(error.code == code, "\(vector): \(error)")
        #expect(!error.message.isEmpty)
      }
    }
  }

  @Test func fieldIsNamedInTheError() {
    do {
      _ = try CVSSVector(parsing: "CVSS:3.1/AV:N/AC:L/PR:N/UI:Z/S:U/C:H/I:H/A:H")
      Issue.record("accepted")
    } catch {
      #expect(error.field == "UI:Z")
      #expect(error.description.contains("UI"))
    }
  }

  @Test func severityBuckets() {
    let v3: [(Double, CVSSSeverity)] = [
      (0.0, .none), (0.1, .low), (3.9, .low), (4.0, .medium), (6.9, .medium), (7.0, .high),
      (8.9, .high), (9.0, .critical), (10.0, .critical),
    ]
    for (score, bucket) in v3 { #expect(CVSSSeverity(v3Score: score) == bucket, "\(score)") }
    let v2: [(Double, CVSSSeverity)] = [
      (0.0, .low), (3.9, .low), (4.0, .medium), (6.9, .medium), (7.0, .high), (10.0, .high),
    ]
    for (score, bucket) in v2 { #expect(CVSSSeverity(v2Score: score) == bucket, "\(score)") }
    #expect(CVSSSeverity.none.severity == .negligible)
    #expect(CVSSSeverity.critical.severity == .critical)
  }

  @Test func versionsAndWellKnownScores() throws {
    // Log4Shell (CVE-2021-44228), NVD: 10.0 critical; Heartbleed v2: 5.0 medium.
    let log4shell = try CVSSVector(parsing: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
    #expect(
      log4shell.version == "3.1" && log4shell.baseScore == 10.0 && log4shell.severity == .critical)
    let heartbleed = try CVSSVector(parsing: "AV:N/AC:L/Au:N/C:P/I:N/A:N")
    #expect(
      heartbleed.version == "2.0" && heartbleed.baseScore == 5.0 && heartbleed.severity == .medium)
    let v4 = try CVSSVector(
      parsing: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    #expect(v4.version == "4.0" && v4.baseScore == 9.3)
    guard case .v4(let parsed) = v4 else { return }
    #expect(parsed.macroVector == "000200")
    #expect(parsed.nomenclature == "CVSS-B")
  }

  /// NVD's own `baseScore` next to each vector in the NVD API 2.0 page (an independent oracle).
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
  func nvdBaseScores() throws {
    var checked = 0
    for name in ["full-page.json", "single-entry.json"] {
      let data = try Data(
        contentsOf: URL(fileURLWithPath: SharedData.path("vunnel/nvd/test-fixtures/\(name)")))
      let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
      for vuln in json?["vulnerabilities"] as? [[String: Any]] ?? [] {
        let metrics = (vuln["cve"] as? [String: Any])?["metrics"] as? [String: Any] ?? [:]
        for (_, list) in metrics {
          for metric in list as? [[String: Any]] ?? [] {
            guard let cvss = metric["cvssData"] as? [String: Any],
              let vector = cvss["vectorString"] as? String,
              let expected = cvss["baseScore"] as? Double
            else { continue }
            let parsed = try CVSSVector(parsing: vector)
            #expect(parsed.baseScore == expected, "\(vector)")
            checked += 1
          }
        }
      }
    }
    #expect(checked >= 50)
  }
}
