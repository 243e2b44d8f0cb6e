import ByteFormats

/// An OSV record (schema 1.x, `https://ossf.github.io/osv-schema/`) as decoded, before
/// `OSVParser` checks it. Fields the parser reports on are `JSONField`s, which keep absent,
/// `null` and wrong type apart: real exports carry all three, and each becomes a diagnostic
/// naming the JSON path instead of a dropped record. Fields that only add detail are `@Lenient`
/// (wrong type reads as absent). Fields tailguard does not use are not decoded (unknown fields
/// are ignored, as the schema allows).
struct OSVDocument: Decodable, Sendable {
  var id: JSONField<String>?
  var aliases: JSONField<[JSONField<String>]>?
  var related: JSONField<[JSONField<String>]>?
  var summary: JSONField<String>?
  var details: JSONField<String>?
  var published: JSONField<String>?
  var modified: JSONField<String>?
  var withdrawn: JSONField<String>?
  var severity: JSONField<[JSONField<Severity>]>?
  @Lenient var databaseSpecific: DatabaseSpecific?
  @Lenient var references: [JSONField<Reference>]?
  var affected: JSONField<[JSONField<Affected>]>?
  /// vunnel's normalised snapshots wrap one record: `{"identifier", "item", "schema"}`.
  @Lenient var identifier: String?
  @Lenient var item: JSONValue?

  enum CodingKeys: String, CodingKey {
    case id, aliases, related, summary, details, published, modified, withdrawn, severity
    case databaseSpecific = "database_specific"
    case references, affected, identifier, item
  }

  /// `database_specific.severity` (GHSA's and the distros' own rating).
  var vendorSeverity: String? { databaseSpecific?.severity }
  /// `references[].url`, entries without a string URL skipped.
  var referenceURLs: [String]? { references?.compactMap { $0.value?.url } }
  /// The wrapped record of a vunnel snapshot (no `id` of its own, an `identifier` and an object).
  var wrappedItem: JSONValue? {
    guard id == nil, identifier != nil, case .object = item else { return nil }
    return item
  }

  /// `severity[]`: a scoring system and its vector or score.
  struct Severity: Decodable, Sendable {
    @Lenient var type: String?
    @Lenient var score: String?
  }

  /// The top-level `database_specific`; its other keys are free-form.
  struct DatabaseSpecific: Decodable, Sendable {
    @Lenient var severity: String?
  }

  struct Reference: Decodable, Sendable {
    @Lenient var url: String?
  }

  /// `affected[]`: one package, its ranges and versions.
  struct Affected: Decodable, Sendable {
    @Lenient var package: Package?
    var ranges: JSONField<[JSONField<Range>]>?
    var versions: JSONField<[JSONField<String>]>?
    /// Free-form; kept only when an object or array, as JSON text.
    @Lenient var ecosystemSpecific: JSONValue?
    @Lenient var databaseSpecific: JSONValue?
    var severity: JSONField<[JSONField<Severity>]>?

    enum CodingKeys: String, CodingKey {
      case package, ranges, versions, severity
      case ecosystemSpecific = "ecosystem_specific"
      case databaseSpecific = "database_specific"
    }
  }

  struct Package: Decodable, Sendable {
    @Lenient var ecosystem: String?
    @Lenient var name: String?
    @Lenient var purl: String?
  }

  /// `ranges[]`: a kind and its events, each event an object with exactly one key.
  struct Range: Decodable, Sendable {
    @Lenient var type: String?
    @Lenient var repo: String?
    @Lenient var events: [JSONField<[String: JSONField<String>]>]?
    @Lenient var databaseSpecific: JSONValue?

    enum CodingKeys: String, CodingKey {
      case type, repo, events
      case databaseSpecific = "database_specific"
    }
  }
}
