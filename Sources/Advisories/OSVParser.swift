import Foundation
import TailguardModel

/// Parses OSV JSON (https://ossf.github.io/osv-schema/) into `Advisory` values.
///
/// Pure and synchronous over bytes. Every field is checked by hand rather than with `Codable`
/// so a malformed field becomes a diagnostic naming the file and the JSON path
/// (`affected[0].ranges[1].events[2]`) and the rest of the record, or of the import, survives.
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
    var diags: [Diagnostic] = []
    guard bytes.count <= limits.maxRecordBytes else {
      return Output(
        record: nil,
        diagnostics: [
          Self.diag(
            .error, "osv.too-large",
            "record of \(bytes.count) bytes exceeds \(limits.maxRecordBytes)", path)
        ])
    }
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
    } catch {
      return Output(
        record: nil,
        diagnostics: [
          Self.diag(.error, "osv.bad-json", "not valid JSON: \(error.localizedDescription)", path)
        ])
    }
    guard var root = object as? [String: Any] else {
      return Output(
        record: nil,
        diagnostics: [Self.diag(.error, "osv.bad-json", "top level is not a JSON object", path)])
    }
    var raw = String(decoding: bytes, as: UTF8.self)
    if root["id"] == nil, root["identifier"] is String, let item = root["item"] as? [String: Any] {
      // vunnel's normalised snapshots wrap one OSV record: {"identifier", "item", "schema"}.
      // Its Ubuntu records carry fix states OSV has no field for (`database_specific.anchore`).
      root = item
      if let data = try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys]) {
        raw = String(decoding: data, as: UTF8.self)
      }
    }
    guard let advisory = parse(object: root, path: path, diagnostics: &diags) else {
      return Output(record: nil, diagnostics: diags)
    }
    return Output(record: AdvisoryRecord(advisory: advisory, rawJSON: raw), diagnostics: diags)
  }

  /// Parses an already-decoded OSV object (used by feeds that embed OSV in a larger document).
  public func parse(object root: [String: Any], path: String, diagnostics diags: inout [Diagnostic])
    -> Advisory?
  {
    guard let id = string(root["id"]), !id.isEmpty, id.utf8.count <= 256 else {
      diags.append(
        Self.diag(
          .error, "osv.missing-field", "field 'id' is missing or not a string; record skipped", path
        ))
      return nil
    }
    let where_ = "\(path) (\(id))"
    var advisory = Advisory(id: id, source: "osv")
    advisory.aliases = stringArray(root["aliases"], field: "aliases", where_, &diags)
    advisory.related = stringArray(root["related"], field: "related", where_, &diags)
    advisory.summary = optionalString(root["summary"], field: "summary", where_, &diags)
    advisory.details = optionalString(root["details"], field: "details", where_, &diags)
    advisory.published = optionalString(root["published"], field: "published", where_, &diags)
    advisory.modified = optionalString(root["modified"], field: "modified", where_, &diags)
    advisory.withdrawn = optionalString(root["withdrawn"], field: "withdrawn", where_, &diags)
    advisory.severities = severities(root["severity"], field: "severity", where_, &diags)
    if let db = root["database_specific"] as? [String: Any], let sev = db["severity"] as? String,
      !sev.isEmpty
    {
      advisory.vendorSeverity = String(sev.prefix(64))
    }
    if let refs = root["references"] as? [Any] {
      advisory.references = refs.compactMap { ($0 as? [String: Any])?["url"] as? String }.filter {
        $0.utf8.count <= 4096
      }
    }
    var affected: [AffectedPackage] = []
    if let list = root["affected"] {
      if let list = list as? [Any] {
        if list.count > limits.maxAffected {
          diags.append(
            Self.diag(
              .warning, "osv.limit",
              "field 'affected' has \(list.count) entries; only the first \(limits.maxAffected) are kept",
              where_))
        }
        for (i, entry) in list.prefix(limits.maxAffected).enumerated() {
          if let pkg = parseAffected(entry, field: "affected[\(i)]", where_, &diags) {
            affected.append(pkg)
          }
        }
      } else {
        diags.append(
          Self.diag(.warning, "osv.bad-field", "field 'affected' is not an array; ignored", where_))
      }
    }
    advisory.affected = affected
    if let sourceOverride {
      advisory.source = sourceOverride
    } else if let first = affected.first {
      advisory.source = "osv:" + PackageNameKey.baseEcosystem(first.ecosystem)
    }
    return advisory
  }

  private func parseAffected(
    _ value: Any, field: String, _ where_: String, _ diags: inout [Diagnostic]
  ) -> AffectedPackage? {
    guard let entry = value as? [String: Any] else {
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an object; ignored", where_))
      return nil
    }
    guard let package = entry["package"] as? [String: Any],
      let ecosystem = string(package["ecosystem"]), !ecosystem.isEmpty,
      let name = string(package["name"]), !name.isEmpty
    else {
      diags.append(
        Self.diag(
          .warning, "osv.missing-field",
          "field '\(field).package' lacks 'ecosystem' or 'name'; entry ignored", where_))
      return nil
    }
    var pkg = AffectedPackage(ecosystem: ecosystem, name: name, purl: string(package["purl"]))
    if let ranges = entry["ranges"] {
      if let ranges = ranges as? [Any] {
        for (j, r) in ranges.enumerated() {
          if let range = parseRange(r, field: "\(field).ranges[\(j)]", where_, &diags) {
            pkg.ranges.append(range)
          }
        }
      } else {
        diags.append(
          Self.diag(
            .warning, "osv.bad-field", "field '\(field).ranges' is not an array; ignored", where_))
      }
    }
    if let versions = entry["versions"] {
      if let versions = versions as? [Any] {
        if versions.count > limits.maxVersions {
          diags.append(
            Self.diag(
              .warning, "osv.limit",
              "field '\(field).versions' has \(versions.count) entries; only the first \(limits.maxVersions) are kept",
              where_))
        }
        for (k, v) in versions.prefix(limits.maxVersions).enumerated() {
          if let s = v as? String, !s.isEmpty, s.utf8.count <= 1024 {
            pkg.versions.append(s)
          } else {
            diags.append(
              Self.diag(
                .warning, "osv.bad-field",
                "field '\(field).versions[\(k)]' is not a version string; ignored", where_))
          }
        }
      } else {
        diags.append(
          Self.diag(
            .warning, "osv.bad-field", "field '\(field).versions' is not an array; ignored", where_)
        )
      }
    }
    pkg.ecosystemSpecific = jsonText(entry["ecosystem_specific"])
    pkg.databaseSpecific = jsonText(entry["database_specific"])
    pkg.severities = severities(entry["severity"], field: "\(field).severity", where_, &diags)
    return pkg
  }

  private func parseRange(
    _ value: Any, field: String, _ where_: String, _ diags: inout [Diagnostic]
  ) -> AffectedRange? {
    guard let range = value as? [String: Any] else {
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an object; ignored", where_))
      return nil
    }
    guard let typeText = string(range["type"]), let kind = AffectedRange.Kind(rawValue: typeText)
    else {
      diags.append(
        Self.diag(
          .warning, "osv.bad-range-type",
          "field '\(field).type' is '\(string(range["type"])?.prefix(40) ?? "missing")', not ECOSYSTEM, SEMVER or GIT; range ignored",
          where_))
      return nil
    }
    guard let events = range["events"] as? [Any], !events.isEmpty else {
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
      guard let event = e as? [String: Any], event.count == 1, let first = event.first,
        let kindOfEvent = RangeEvent.Kind(rawValue: first.key),
        let version = first.value as? String, !version.isEmpty,
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
      kind: kind, repo: string(range["repo"]), events: parsed,
      databaseSpecific: jsonText(range["database_specific"]))
  }

  private func severities(
    _ value: Any?, field: String, _ where_: String, _ diags: inout [Diagnostic]
  ) -> [SeverityVector] {
    guard let value else { return [] }
    guard let list = value as? [Any] else {
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an array; ignored", where_))
      return []
    }
    var out: [SeverityVector] = []
    for (i, s) in list.enumerated() {
      guard let s = s as? [String: Any], let type = string(s["type"]),
        let score = string(s["score"]),
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

  private func string(_ value: Any?) -> String? {
    guard let s = value as? String, s.utf8.count <= limits.maxStringBytes else { return nil }
    return s
  }

  private func optionalString(
    _ value: Any?, field: String, _ where_: String, _ diags: inout [Diagnostic]
  ) -> String? {
    guard let value, !(value is NSNull) else { return nil }
    guard let s = string(value) else {
      diags.append(
        Self.diag(
          .warning, "osv.bad-field", "field '\(field)' is not a string (or too long); ignored",
          where_))
      return nil
    }
    return s
  }

  private func stringArray(
    _ value: Any?, field: String, _ where_: String, _ diags: inout [Diagnostic]
  ) -> [String] {
    guard let value, !(value is NSNull) else { return [] }
    guard let list = value as? [Any] else {
      diags.append(
        Self.diag(.warning, "osv.bad-field", "field '\(field)' is not an array; ignored", where_))
      return []
    }
    var out: [String] = []
    for (i, v) in list.prefix(10_000).enumerated() {
      if let s = v as? String, !s.isEmpty, s.utf8.count <= 256 {
        out.append(s)
      } else {
        diags.append(
          Self.diag(
            .warning, "osv.bad-field", "field '\(field)[\(i)]' is not an id string; ignored", where_
          ))
      }
    }
    return out
  }

  /// Re-serialises a JSON sub-object with sorted keys so stored text is deterministic.
  private func jsonText(_ value: Any?) -> String? {
    guard let value, !(value is NSNull), JSONSerialization.isValidJSONObject(value),
      let data = try? JSONSerialization.data(
        withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
    else { return nil }
    return String(decoding: data, as: UTF8.self)
  }

  static func diag(_ level: Diagnostic.Level, _ code: String, _ message: String, _ path: String)
    -> Diagnostic
  {
    Diagnostic(level, code: code, message, source: "advisories", path: path)
  }
}
