import ByteFormats
import Foundation
import TailguardModel

/// Parses OSV JSON (https://ossf.github.io/osv-schema/) into `Advisory` values.
///
/// Pure and synchronous over bytes. The record is decoded into `OSVDocument`, whose fields keep
/// "absent", "null" and "wrong type" apart, and then checked field by field here, so a malformed
/// field becomes a diagnostic naming the file and the JSON path (`affected[0].ranges[1].events[2]`)
/// and the rest of the record, or of the import, survives.
public struct OSVParser: Sendable {
  /// Limits applied to every record; OSV records are small, so these are generous.
  public struct Limits: Sendable {
    public var maxRecordBytes = 16 << 20
    public var maxAffected = 20_000
    public var maxEventsPerRange = 10_000
    public var maxVersions = 200_000
    public var maxStringBytes = 1 << 20
    public init() {}
  }

  public var limits: Limits
  /// Overrides the advisory's `source` (the updater names records after the feed they came from).
  public var sourceOverride: String?

  public init(limits: Limits = Limits(), sourceOverride: String? = nil) {
    self.limits = limits
    self.sourceOverride = sourceOverride
  }

  /// Result of parsing one file: the record (nil when unusable) and what was noticed.
  public struct Output: Sendable {
    public var record: AdvisoryRecord?
    public var diagnostics: [Diagnostic]
  }

  /// Parses one OSV JSON document. `path` is only used to name the file in diagnostics.
  public func parse(_ bytes: [UInt8], path: String) -> Output {
    guard bytes.count <= limits.maxRecordBytes else {
      return Output(
        record: nil,
        diagnostics: [
          Self.diag(
            .error, "osv.too-large",
            "record of \(bytes.count) bytes exceeds \(limits.maxRecordBytes)", path)
        ])
    }
    var document: OSVDocument
    do {
      document = try JSONDecoder().decode(OSVDocument.self, from: Data(bytes))
    } catch {
      return Output(record: nil, diagnostics: [Self.badJSON(error, path)])
    }
    var raw = String(decoding: bytes, as: UTF8.self)
    if let item = document.wrappedItem {
      // vunnel's normalised snapshots wrap one OSV record: {"identifier", "item", "schema"}.
      // Its Ubuntu records carry fix states OSV has no field for (`database_specific.anchore`).
      // The stored text is the item alone, keys sorted.
      raw = item.text(escapingSlashes: true)
      do {
        document = try JSONDecoder().decode(OSVDocument.self, from: Data(raw.utf8))
      } catch {
        return Output(record: nil, diagnostics: [Self.badJSON(error, path)])
      }
    }
    var diags: [Diagnostic] = []
    guard let advisory = advisory(from: document, path: path, diagnostics: &diags) else {
      return Output(record: nil, diagnostics: diags)
    }
    return Output(record: AdvisoryRecord(advisory: advisory, rawJSON: raw), diagnostics: diags)
  }

  /// `osv.bad-json`: the bytes are not JSON, or the top level is not an object.
  static func badJSON(_ error: any Error, _ path: String) -> Diagnostic {
    if case DecodingError.typeMismatch(_, let context) = error, context.codingPath.isEmpty {
      return diag(.error, "osv.bad-json", "top level is not a JSON object", path)
    }
    return diag(.error, "osv.bad-json", "not valid JSON: \(describe(error))", path)
  }

  /// The parser's own words for a decoding failure (Foundation's carry them underneath).
  static func describe(_ error: any Error) -> String {
    guard case DecodingError.dataCorrupted(let context) = error else {
      return String(describing: error)
    }
    return context.underlyingError.map { String(describing: $0) } ?? context.debugDescription
  }

  /// Checks a decoded record; nil (with an error diagnostic) when it has no usable id.
  func advisory(from root: OSVDocument, path: String, diagnostics diags: inout [Diagnostic])
    -> Advisory?
  {
    guard let id = string(root.id?.value), !id.isEmpty, id.utf8.count <= 256 else {
      diags.append(
        Self.diag(
          .error, "osv.missing-field", "field 'id' is missing or not a string; record skipped", path
        ))
      return nil
    }
    let where_ = "\(path) (\(id))"
    var advisory = Advisory(id: id, source: "osv")
    advisory.aliases = idList(root.aliases, field: "aliases", where_, &diags)
    advisory.related = idList(root.related, field: "related", where_, &diags)
    advisory.summary = optionalString(root.summary, field: "summary", where_, &diags)
    advisory.details = optionalString(root.details, field: "details", where_, &diags)
    advisory.published = optionalString(root.published, field: "published", where_, &diags)
    advisory.modified = optionalString(root.modified, field: "modified", where_, &diags)
    advisory.withdrawn = optionalString(root.withdrawn, field: "withdrawn", where_, &diags)
    advisory.severities = severities(root.severity, field: "severity", where_, &diags)
    if let sev = root.vendorSeverity, !sev.isEmpty {
      advisory.vendorSeverity = String(sev.prefix(64))
    }
    if let refs = root.referenceURLs {
      advisory.references = refs.filter { $0.utf8.count <= 4096 }
    }
    var affected: [AffectedPackage] = []
    switch root.affected {
    case nil: break
    case .value(let list):
      if list.count > limits.maxAffected {
        diags.append(
          Self.diag(
            .warning, "osv.limit",
            "field 'affected' has \(list.count) entries; only the first \(limits.maxAffected) are kept",
            where_))
      }
      for (i, entry) in list.prefix(limits.maxAffected).enumerated() {
        if let pkg = affectedPackage(entry, field: "affected[\(i)]", where_, &diags) {
          affected.append(pkg)
        }
      }
    case .null, .mismatch:
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field 'affected' is not an array; ignored", where_))
    }
    advisory.affected = affected
    if let sourceOverride {
      advisory.source = sourceOverride
    } else if let first = affected.first {
      advisory.source = "osv:" + PackageNameKey.baseEcosystem(first.ecosystem)
    }
    return advisory
  }

  private func affectedPackage(
    _ value: JSONField<OSVDocument.Affected>, field: String, _ where_: String,
    _ diags: inout [Diagnostic]
  ) -> AffectedPackage? {
    guard let entry = value.value else {
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an object; ignored", where_))
      return nil
    }
    guard let package = entry.package,
      let ecosystem = string(package.ecosystem), !ecosystem.isEmpty,
      let name = string(package.name), !name.isEmpty
    else {
      diags.append(
        Self.diag(
          .warning, "osv.missing-field",
          "field '\(field).package' lacks 'ecosystem' or 'name'; entry ignored", where_))
      return nil
    }
    var pkg = AffectedPackage(ecosystem: ecosystem, name: name, purl: string(package.purl))
    switch entry.ranges {
    case nil: break
    case .value(let ranges):
      for (j, r) in ranges.enumerated() {
        if let range = affectedRange(r, field: "\(field).ranges[\(j)]", where_, &diags) {
          pkg.ranges.append(range)
        }
      }
    case .null, .mismatch:
      diags.append(
        Self.diag(
          .warning, "osv.bad-field", "field '\(field).ranges' is not an array; ignored", where_))
    }
    pkg.versions = versions(entry.versions, field: "\(field).versions", where_, &diags)
    pkg.ecosystemSpecific = jsonText(entry.ecosystemSpecific)
    pkg.databaseSpecific = jsonText(entry.databaseSpecific)
    pkg.severities = severities(entry.severity, field: "\(field).severity", where_, &diags)
    return pkg
  }

  private func versions(
    _ value: JSONField<[JSONField<String>]>?, field: String, _ where_: String,
    _ diags: inout [Diagnostic]
  ) -> [String] {
    switch value {
    case nil: return []
    case .null, .mismatch:
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an array; ignored", where_))
      return []
    case .value(let versions):
      if versions.count > limits.maxVersions {
        diags.append(
          Self.diag(
            .warning, "osv.limit",
            "field '\(field)' has \(versions.count) entries; only the first \(limits.maxVersions) are kept",
            where_))
      }
      var out: [String] = []
      for (k, v) in versions.prefix(limits.maxVersions).enumerated() {
        if let s = v.value, !s.isEmpty, s.utf8.count <= 1024 {
          out.append(s)
        } else {
          diags.append(
            Self.diag(
              .warning, "osv.bad-field",
              "field '\(field)[\(k)]' is not a version string; ignored", where_))
        }
      }
      return out
    }
  }

  private func affectedRange(
    _ value: JSONField<OSVDocument.Range>, field: String, _ where_: String,
    _ diags: inout [Diagnostic]
  ) -> AffectedRange? {
    guard let range = value.value else {
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an object; ignored", where_))
      return nil
    }
    guard let typeText = string(range.type), let kind = AffectedRange.Kind(rawValue: typeText)
    else {
      diags.append(
        Self.diag(
          .warning, "osv.bad-range-type",
          "field '\(field).type' is '\(string(range.type)?.prefix(40) ?? "missing")', not ECOSYSTEM, SEMVER or GIT; range ignored",
          where_))
      return nil
    }
    guard let events = range.events, !events.isEmpty else {
      diags.append(
        Self.diag(
          .warning, "osv.missing-field",
          "field '\(field).events' is missing or empty; range ignored", where_))
      return nil
    }
    guard events.count <= limits.maxEventsPerRange else {
      diags.append(
        Self.diag(
          .warning, "osv.limit",
          "field '\(field).events' has \(events.count) events (limit \(limits.maxEventsPerRange)); range ignored",
          where_))
      return nil
    }
    var parsed: [RangeEvent] = []
    for (k, e) in events.enumerated() {
      guard let event = e.value, event.count == 1, let first = event.first,
        let kindOfEvent = RangeEvent.Kind(rawValue: first.key),
        let version = first.value.value, !version.isEmpty,
        version.utf8.count <= 1024
      else {
        diags.append(
          Self.diag(
            .warning, "osv.bad-event",
            "field '\(field).events[\(k)]' is not one of introduced/fixed/last_affected/limit with a version string; event ignored",
            where_))
        continue
      }
      parsed.append(RangeEvent(kindOfEvent, version))
    }
    guard !parsed.isEmpty else { return nil }
    return AffectedRange(
      kind: kind, repo: string(range.repo), events: parsed,
      databaseSpecific: jsonText(range.databaseSpecific))
  }

  private func severities(
    _ value: JSONField<[JSONField<OSVDocument.Severity>]>?, field: String, _ where_: String,
    _ diags: inout [Diagnostic]
  ) -> [SeverityVector] {
    guard let value else { return [] }
    guard let list = value.value else {
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an array; ignored", where_))
      return []
    }
    var out: [SeverityVector] = []
    for (i, s) in list.enumerated() {
      guard let s = s.value, let type = string(s.type), let score = string(s.score),
        score.utf8.count <= 512
      else {
        diags.append(
          Self.diag(
            .warning, "osv.bad-field", "field '\(field)[\(i)]' lacks 'type' or 'score'; ignored",
            where_))
        continue
      }
      out.append(SeverityVector(type: type, score: score))
    }
    return out
  }

  /// A string within `maxStringBytes`; longer ones count as not a string.
  private func string(_ value: String?) -> String? {
    guard let s = value, s.utf8.count <= limits.maxStringBytes else { return nil }
    return s
  }

  private func optionalString(
    _ value: JSONField<String>?, field: String, _ where_: String, _ diags: inout [Diagnostic]
  ) -> String? {
    switch value {
    case nil, .null: return nil
    case .mismatch, .value:
      if let s = string(value?.value) { return s }
      diags.append(
        Self.diag(
          .warning, "osv.bad-field", "field '\(field)' is not a string (or too long); ignored",
          where_))
      return nil
    }
  }

  /// `aliases` / `related`: absent or null is empty; each element a non-empty id string.
  private func idList(
    _ value: JSONField<[JSONField<String>]>?, field: String, _ where_: String,
    _ diags: inout [Diagnostic]
  ) -> [String] {
    switch value {
    case nil, .null: return []
    case .mismatch:
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an array; ignored", where_))
      return []
    case .value(let list):
      var out: [String] = []
      for (i, v) in list.prefix(10_000).enumerated() {
        if let s = v.value, !s.isEmpty, s.utf8.count <= 256 {
          out.append(s)
        } else {
          diags.append(
            Self.diag(
              .warning, "osv.bad-field", "field '\(field)[\(i)]' is not an id string; ignored",
              where_))
        }
      }
      return out
    }
  }

  /// Free-form JSON kept as text with sorted keys, so stored text is deterministic. Only objects
  /// and arrays are kept (a bare string or number says nothing a matcher could use).
  private func jsonText(_ value: JSONValue?) -> String? {
    switch value {
    case .object, .array: value?.text()
    default: nil
    }
  }

  static func diag(_ level: Diagnostic.Level, _ code: String, _ message: String, _ path: String)
    -> Diagnostic
  {
    Diagnostic(level, code: code, message, source: "advisories", path: path)
  }
}
