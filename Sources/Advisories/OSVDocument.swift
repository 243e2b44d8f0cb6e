import ByteFormats

/// An OSV record (schema 1.x, `https://ossf.github.io/osv-schema/`) as decoded, before
/// `OSVParser` checks it. Every field is a `JSONField`, so a field that is absent, `null` or of
/// the wrong type stays distinguishable: real exports carry all three, and the parser turns each
/// into a diagnostic naming the JSON path instead of dropping the record. Fields tailguard does
/// not use are not decoded (unknown fields are ignored, as the schema allows).
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
  /// `database_specific.severity` (GHSA's and the distros' own rating); other keys are free-form.
  var vendorSeverity: String?
  /// `references[].url`, entries without a string URL skipped.
  var referenceURLs: [String]?
  var affected: JSONField<[JSONField<Affected>]>?
  /// vunnel's normalised snapshots wrap one record: `{"identifier", "item", "schema"}`.
  var wrapperIdentifier: String?
  var wrapperItem: JSONValue?

  enum Key: String, CodingKey {
    case id, aliases, related, summary, details, published, modified, withdrawn, severity
    case databaseSpecific = "database_specific"
    case references, affected, identifier, item
  }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Key.self)
    id = c.field(.id)
    aliases = c.field(.aliases)
    related = c.field(.related)
    summary = c.field(.summary)
    details = c.field(.details)
    published = c.field(.published)
    modified = c.field(.modified)
    withdrawn = c.field(.withdrawn)
    severity = c.field(.severity)
    vendorSeverity = c.lenient(.databaseSpecific, as: DatabaseSpecific.self)?.severity
    referenceURLs = c.lenient(.references, as: [JSONField<Reference>].self)?.compactMap {
      $0.value?.url
    }
    affected = c.field(.affected)
    wrapperIdentifier = c.lenient(.identifier)
    if wrapperIdentifier != nil, let item: JSONValue = c.lenient(.item), case .object = item {
      wrapperItem = item
    }
  }

  /// `severity[]`: a scoring system and its vector or score.
  struct Severity: Decodable, Sendable {
    var type: String?
    var score: String?
    enum Key: String, CodingKey { case type, score }
    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      type = c.lenient(.type)
      score = c.lenient(.score)
    }
  }

  struct DatabaseSpecific: Decodable, Sendable {
    var severity: String?
    enum Key: String, CodingKey { case severity }
    init(from decoder: any Decoder) throws {
      severity = try decoder.container(keyedBy: Key.self).lenient(.severity)
    }
  }

  struct Reference: Decodable, Sendable {
    var url: String?
    enum Key: String, CodingKey { case url }
    init(from decoder: any Decoder) throws {
      url = try decoder.container(keyedBy: Key.self).lenient(.url)
    }
  }

  /// `affected[]`: one package, its ranges and versions.
  struct Affected: Decodable, Sendable {
    var package: Package?
    var ranges: JSONField<[JSONField<Range>]>?
    var versions: JSONField<[JSONField<String>]>?
    /// Free-form; kept only when an object or array, as JSON text.
    var ecosystemSpecific: JSONValue?
    var databaseSpecific: JSONValue?
    var severity: JSONField<[JSONField<Severity>]>?

    enum Key: String, CodingKey {
      case package, ranges, versions, severity
      case ecosystemSpecific = "ecosystem_specific"
      case databaseSpecific = "database_specific"
    }
    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      package = c.lenient(.package)
      ranges = c.field(.ranges)
      versions = c.field(.versions)
      ecosystemSpecific = c.lenient(.ecosystemSpecific)
      databaseSpecific = c.lenient(.databaseSpecific)
      severity = c.field(.severity)
    }
  }

  struct Package: Decodable, Sendable {
    var ecosystem: String?
    var name: String?
    var purl: String?
    enum Key: String, CodingKey { case ecosystem, name, purl }
    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      ecosystem = c.lenient(.ecosystem)
      name = c.lenient(.name)
      purl = c.lenient(.purl)
    }
  }

  /// `ranges[]`: a kind and its events, each event an object with exactly one key.
  struct Range: Decodable, Sendable {
    var type: String?
    var repo: String?
    var events: [JSONField<[String: JSONField<String>]>]?
    var databaseSpecific: JSONValue?
    enum Key: String, CodingKey {
      case type, repo, events
      case databaseSpecific = "database_specific"
    }
    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      type = c.lenient(.type)
      repo = c.lenient(.repo)
      events = c.lenient(.events)
      databaseSpecific = c.lenient(.databaseSpecific)
    }
  }
}
