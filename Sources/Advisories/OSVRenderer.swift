import Foundation
import TailguardModel

/// Renders an `Advisory` as OSV JSON, for sources that are not OSV themselves (Alpine secdb,
/// the starter set), so every stored record carries OSV text a server can re-match.
public enum OSVRenderer {
  public static func render(_ a: Advisory) -> String {
    let document = Document(
      schemaVersion: "1.6.0", id: a.id, aliases: nonEmpty(a.aliases), related: nonEmpty(a.related),
      summary: a.summary, details: a.details, published: a.published, modified: a.modified,
      withdrawn: a.withdrawn,
      severity: nonEmpty(a.severities.map { Severity(type: $0.type, score: $0.score) }),
      databaseSpecific: DatabaseSpecific(source: a.source, severity: a.vendorSeverity),
      references: nonEmpty(a.references.map { Reference(type: "WEB", url: $0) }),
      affected: a.affected.map { p in
        Affected(
          package: Package(ecosystem: p.ecosystem, name: p.name, purl: p.purl),
          ranges: nonEmpty(
            p.ranges.map { r in
              Range(
                type: r.kind.rawValue, repo: r.repo,
                events: r.events.map { [$0.kind.rawValue: $0.version] })
            }),
          versions: nonEmpty(p.versions))
      })
    let encoder = JSONEncoder()
    // Sorted keys: the same advisory always renders to the same bytes.
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(document) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }

  private static func nonEmpty<T>(_ list: [T]) -> [T]? { list.isEmpty ? nil : list }

  /// The OSV schema 1.6 fields tailguard's `Advisory` carries; nil fields are left out.
  struct Document: Encodable {
    var schemaVersion: String
    var id: String
    var aliases: [String]?
    var related: [String]?
    var summary: String?
    var details: String?
    var published: String?
    var modified: String?
    var withdrawn: String?
    var severity: [Severity]?
    var databaseSpecific: DatabaseSpecific
    var references: [Reference]?
    var affected: [Affected]
    enum CodingKeys: String, CodingKey {
      case schemaVersion = "schema_version"
      case id, aliases, related, summary, details, published, modified, withdrawn, severity
      case databaseSpecific = "database_specific"
      case references, affected
    }
  }

  struct Severity: Encodable {
    var type: String
    var score: String
  }

  /// Where the record came from, and the vendor's own severity rating.
  struct DatabaseSpecific: Encodable {
    var source: String
    var severity: String?
  }

  struct Reference: Encodable {
    var type: String
    var url: String
  }

  struct Affected: Encodable {
    var package: Package
    var ranges: [Range]?
    var versions: [String]?
  }

  struct Package: Encodable {
    var ecosystem: String
    var name: String
    var purl: String?
  }

  /// Each event is an object with exactly one key (`introduced`, `fixed`, …).
  struct Range: Encodable {
    var type: String
    var repo: String?
    var events: [[String: String]]
  }
}
