import Foundation
import TailguardModel

/// Renders an `Advisory` as OSV JSON, for sources that are not OSV themselves (Alpine secdb,
/// the starter set), so every stored record carries OSV text a server can re-match.
public enum OSVRenderer {
  public static func render(_ a: Advisory) -> String {
    var root: [String: Any] = ["schema_version": "1.6.0", "id": a.id]
    if !a.aliases.isEmpty { root["aliases"] = a.aliases }
    if !a.related.isEmpty { root["related"] = a.related }
    if let s = a.summary { root["summary"] = s }
    if let s = a.details { root["details"] = s }
    if let s = a.published { root["published"] = s }
    if let s = a.modified { root["modified"] = s }
    if let s = a.withdrawn { root["withdrawn"] = s }
    if !a.severities.isEmpty {
      root["severity"] = a.severities.map { ["type": $0.type, "score": $0.score] }
    }
    var db: [String: Any] = ["source": a.source]
    if let v = a.vendorSeverity { db["severity"] = v }
    root["database_specific"] = db
    if !a.references.isEmpty {
      root["references"] = a.references.map { ["type": "WEB", "url": $0] }
    }
    root["affected"] = a.affected.map { p -> [String: Any] in
      var pkg: [String: Any] = ["ecosystem": p.ecosystem, "name": p.name]
      if let purl = p.purl { pkg["purl"] = purl }
      var out: [String: Any] = ["package": pkg]
      if !p.ranges.isEmpty {
        out["ranges"] = p.ranges.map { r -> [String: Any] in
          var range: [String: Any] = [
            "type": r.kind.rawValue, "events": r.events.map { [$0.kind.rawValue: $0.version] },
          ]
          if let repo = r.repo { range["repo"] = repo }
          return range
        }
      }
      if !p.versions.isEmpty { out["versions"] = p.versions }
      return out
    }
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])
    else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }
}
