import Foundation
import TailguardModel

/// Parses CISA's Known Exploited Vulnerabilities catalog JSON
/// (`known_exploited_vulnerabilities.json`, schema in `known_exploited_vulnerabilities_schema.json`).
public struct KEVParser: Sendable {
  public var maxBytes = 256 << 20
  public init() {}

  public struct Output: Sendable {
    public var entries: [KEVEntry]
    public var diagnostics: [Diagnostic]
    /// `catalogVersion` (e.g. `2025.08.25`), the data date shown by `db status`.
    public var catalogVersion: String?
    public var dateReleased: String?
  }

  public func parse(_ bytes: [UInt8], path: String) -> Output {
    guard bytes.count <= maxBytes else {
      return Output(
        entries: [],
        diagnostics: [
          OSVParser.diag(
            .error, "kev.too-large", "file of \(bytes.count) bytes exceeds \(maxBytes)", path)
        ])
    }
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
      let root = object as? [String: Any],
      let list = root["vulnerabilities"] as? [Any]
    else {
      return Output(
        entries: [],
        diagnostics: [
          OSVParser.diag(
            .error, "kev.bad-format", "not a KEV catalog: no 'vulnerabilities' array", path)
        ])
    }
    var diags: [Diagnostic] = []
    var entries: [KEVEntry] = []
    for (i, item) in list.enumerated() {
      guard let v = item as? [String: Any], let cve = v["cveID"] as? String, cve.hasPrefix("CVE-"),
        cve.utf8.count <= 64
      else {
        diags.append(
          OSVParser.diag(
            .warning, "kev.bad-field",
            "field 'vulnerabilities[\(i)].cveID' is missing or not a CVE id; entry ignored", path))
        continue
      }
      guard let added = v["dateAdded"] as? String, Self.isDate(added) else {
        diags.append(
          OSVParser.diag(
            .warning, "kev.bad-field",
            "field 'vulnerabilities[\(i)].dateAdded' of \(cve) is missing or not YYYY-MM-DD; entry ignored",
            path))
        continue
      }
      let due = v["dueDate"] as? String
      if let due, !Self.isDate(due) {
        diags.append(
          OSVParser.diag(
            .warning, "kev.bad-field",
            "field 'vulnerabilities[\(i)].dueDate' of \(cve) is not YYYY-MM-DD; kept as text", path)
        )
      }
      let ransomware = (v["knownRansomwareCampaignUse"] as? String)?.lowercased() == "known"
      entries.append(
        KEVEntry(
          cveID: cve, vendorProject: v["vendorProject"] as? String,
          product: v["product"] as? String,
          vulnerabilityName: v["vulnerabilityName"] as? String, dateAdded: added, dueDate: due,
          knownRansomwareCampaignUse: ransomware, requiredAction: v["requiredAction"] as? String))
    }
    entries.sort()
    return Output(
      entries: entries, diagnostics: diags, catalogVersion: root["catalogVersion"] as? String,
      dateReleased: root["dateReleased"] as? String)
  }

  /// `YYYY-MM-DD` with plausible month and day.
  static func isDate(_ s: String) -> Bool {
    let parts = s.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
    else { return false }
    return y >= 1970 && (1...12).contains(m) && (1...31).contains(d)
  }
}
