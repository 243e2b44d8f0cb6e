import ByteFormats
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
    guard let catalog = try? JSONDecoder().decode(Catalog.self, from: Data(bytes)) else {
      return Output(
        entries: [],
        diagnostics: [
          OSVParser.diag(
            .error, "kev.bad-format", "not a KEV catalog: no 'vulnerabilities' array", path)
        ])
    }
    var diags: [Diagnostic] = []
    var entries: [KEVEntry] = []
    for (i, item) in catalog.vulnerabilities.enumerated() {
      guard let v = item.value, let cve = v.cveID, cve.hasPrefix("CVE-"), cve.utf8.count <= 64
      else {
        diags.append(
          OSVParser.diag(
            .warning, "kev.bad-field",
            "field 'vulnerabilities[\(i)].cveID' is missing or not a CVE id; entry ignored", path))
        continue
      }
      guard let added = v.dateAdded, Self.isDate(added) else {
        diags.append(
          OSVParser.diag(
            .warning, "kev.bad-field",
            "field 'vulnerabilities[\(i)].dateAdded' of \(cve) is missing or not YYYY-MM-DD; entry ignored",
            path))
        continue
      }
      if let due = v.dueDate, !Self.isDate(due) {
        diags.append(
          OSVParser.diag(
            .warning, "kev.bad-field",
            "field 'vulnerabilities[\(i)].dueDate' of \(cve) is not YYYY-MM-DD; kept as text", path)
        )
      }
      entries.append(
        KEVEntry(
          cveID: cve, vendorProject: v.vendorProject, product: v.product,
          vulnerabilityName: v.vulnerabilityName, dateAdded: added, dueDate: v.dueDate,
          knownRansomwareCampaignUse: v.knownRansomwareCampaignUse?.lowercased() == "known",
          requiredAction: v.requiredAction))
    }
    entries.sort()
    return Output(
      entries: entries, diagnostics: diags, catalogVersion: catalog.catalogVersion,
      dateReleased: catalog.dateReleased)
  }

  /// The catalog as decoded (`known_exploited_vulnerabilities_schema.json`). The schema requires
  /// the `vulnerabilities` array, so a document without one is not a catalog; the schema also
  /// requires most entry fields, but one bad entry is reported and skipped, not fatal, and a
  /// wrong-typed optional field reads as absent.
  struct Catalog: Decodable {
    @Lenient var catalogVersion: String?
    @Lenient var dateReleased: String?
    var vulnerabilities: [JSONField<Vulnerability>]
  }

  struct Vulnerability: Decodable, Sendable {
    @Lenient var cveID: String?
    @Lenient var vendorProject: String?
    @Lenient var product: String?
    @Lenient var vulnerabilityName: String?
    @Lenient var dateAdded: String?
    @Lenient var dueDate: String?
    @Lenient var knownRansomwareCampaignUse: String?
    @Lenient var requiredAction: String?
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
