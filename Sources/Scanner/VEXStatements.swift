import Foundation
import TailguardModel

/// OpenVEX input (`--vex FILE`): `not_affected` and `fixed` statements suppress the findings
/// they name (by vulnerability id or alias, and by product purl — a purl without a version
/// covers every version). `affected` and `under_investigation` statements change nothing.
public struct VEXStatements: Sendable {
  public struct Statement: Sendable, Hashable {
    public var vulnerability: String
    public var aliases: [String]
    public var products: [PackageURL]
    public var status: String
    public var justification: String?
  }

  public var statements: [Statement]
  public var file: String
  public var diagnostics: [Diagnostic]

  public static func load(path: String) throws(ScannerError) -> VEXStatements {
    guard let data = FileManager.default.contents(atPath: path), data.count <= 64 << 20 else {
      throw ScannerError(
        .vexFile, "cannot read VEX file \(path) (missing, unreadable or over 64 MiB)")
    }
    guard let doc = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw ScannerError(.vexFile, "\(path) is not an OpenVEX JSON document")
    }
    guard let raw = doc["statements"] as? [[String: Any]] else {
      throw ScannerError(.vexFile, "\(path): no 'statements' array (is this OpenVEX?)")
    }
    var out = VEXStatements(statements: [], file: path, diagnostics: [])
    for (i, s) in raw.enumerated() {
      let vuln = s["vulnerability"] as? [String: Any]
      let name =
        (vuln?["name"] as? String) ?? (vuln?["@id"] as? String) ?? (s["vulnerability"] as? String)
      guard let name, let status = s["status"] as? String else {
        out.diagnostics.append(
          Diagnostic(
            .warning, code: "vex.bad-statement",
            "statement \(i) has no vulnerability name or status; skipped", source: "vex", path: path
          ))
        continue
      }
      var products: [PackageURL] = []
      for p in s["products"] as? [[String: Any]] ?? [] {
        var ids: [String] = []
        if let id = p["@id"] as? String { ids.append(id) }
        if let id = (p["identifiers"] as? [String: Any])?["purl"] as? String { ids.append(id) }
        for id in ids {
          if let purl = try? PackageURL(parsing: id) { products.append(purl) }
        }
      }
      out.statements.append(
        Statement(
          vulnerability: name, aliases: vuln?["aliases"] as? [String] ?? [],
          products: products, status: status, justification: s["justification"] as? String))
    }
    return out
  }

  public func match(_ finding: Finding) -> Statement? {
    statements.first { st in
      guard st.status == "not_affected" || st.status == "fixed" else { return false }
      let ids = Set([st.vulnerability] + st.aliases)
      guard !ids.isDisjoint(with: finding.advisoryIDs + [finding.primaryID]) else { return false }
      return st.products.contains { p in
        p.type == finding.purl.type && p.namespace == finding.purl.namespace
          && p.name == finding.purl.name
          && (p.version == nil || p.version == finding.purl.version)
      }
    }
  }
}
