import ByteFormats
import Foundation
import TailguardModel
import Yams

/// Findings the user chose not to see, from an ignore file (`--ignore-file`, default
/// `.tailguardignore.yaml` in the working directory when present).
///
/// ```yaml
/// ignore:
///   - id: CVE-2023-1234          # any id or alias of the finding
///     package: openssl           # optional: package name or purl (without version = any version)
///     reason: not reachable in this image
///     expires: 2026-12-31        # optional: the rule stops applying after this date (UTC)
/// ```
/// A plain-text form is accepted too, one rule per line: `ID [package] [exp:YYYY-MM-DD] [# reason]`.
public struct IgnoreRules: Sendable {
  public struct Rule: Sendable, Hashable {
    public var id: String
    public var package: String?
    public var reason: String
    public var expires: String?
    public var line: Int
  }

  public var rules: [Rule]
  public var file: String
  public var diagnostics: [Diagnostic]

  public init(rules: [Rule] = [], file: String = "", diagnostics: [Diagnostic] = []) {
    self.rules = rules
    self.file = file
    self.diagnostics = diagnostics
  }

  /// The largest ignore file `load` reads (16 MiB: thousands of rules with comments).
  public static let maxFileBytes = 16 << 20

  public static func load(path: String) throws(ScannerError) -> IgnoreRules {
    let data: [UInt8]
    do throws(ByteFormatError) {
      data = try BoundedFile.read(path: path, limit: maxFileBytes)
    } catch {
      throw ScannerError(.ignoreFile, "cannot read ignore file: \(error.message)")
    }
    let text = String(decoding: data, as: UTF8.self)
    return try parse(text, file: path)
  }

  public static func parse(_ text: String, file: String) throws(ScannerError) -> IgnoreRules {
    var out = IgnoreRules(file: file)
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.hasPrefix("ignore:") || trimmed.contains("\nignore:") {
      let node: Node?
      do { node = try Yams.compose(yaml: text) } catch {
        throw ScannerError(.ignoreFile, "\(file): invalid YAML: \(error)")
      }
      guard let list = node?.mapping?["ignore"]?.sequence else {
        throw ScannerError(.ignoreFile, "\(file): 'ignore' must be a list of rules")
      }
      for item in list {
        let line = (item.mark?.line ?? 0) + 1
        guard let map = item.mapping, let id = map["id"]?.string, !id.isEmpty else {
          out.diagnostics.append(
            Diagnostic(
              .warning, code: "ignore.bad-rule", "rule without an 'id'; skipped",
              source: "ignore-file", path: file, line: line))
          continue
        }
        let expires = map["expires"]?.string
        if let expires, Self.date(expires) == nil {
          out.diagnostics.append(
            Diagnostic(
              .warning, code: "ignore.bad-date",
              "expires '\(expires.prefix(40))' is not YYYY-MM-DD; the rule never expires",
              source: "ignore-file", path: file,
              line: line))
        }
        out.rules.append(
          Rule(
            id: id, package: map["package"]?.string,
            reason: map["reason"]?.string ?? "ignored by rule",
            expires: expires, line: line))
      }
      return out
    }
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var line = Substring(raw)
      var reason = "ignored by rule"
      if let hash = line.firstIndex(of: "#") {
        let r = line[line.index(after: hash)...].trimmingCharacters(in: .whitespaces)
        if !r.isEmpty { reason = r }
        line = line[..<hash]
      }
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      guard let id = words.first else { continue }
      var package: String?
      var expires: String?
      for w in words.dropFirst() {
        if w.hasPrefix("exp:") { expires = String(w.dropFirst(4)) } else { package = w }
      }
      out.rules.append(
        Rule(id: id, package: package, reason: reason, expires: expires, line: n + 1))
    }
    return out
  }

  /// The rule that suppresses `finding` on `today` (YYYY-MM-DD), if any.
  public func match(_ finding: Finding, today: String) -> Rule? {
    rules.first { rule in
      guard finding.advisoryIDs.contains(rule.id) || finding.primaryID == rule.id else {
        return false
      }
      if let expires = rule.expires, Self.date(expires) != nil, expires < today { return false }
      guard let package = rule.package else { return true }
      if package.hasPrefix("pkg:") {
        guard let p = try? PackageURL(parsing: package) else { return false }
        return p.type == finding.purl.type && p.namespace == finding.purl.namespace
          && p.name == finding.purl.name
          && (p.version == nil || p.version == finding.purl.version)
      }
      return package == finding.packageName
    }
  }

  static func date(_ s: String) -> String? {
    let parts = s.split(separator: "-")
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      parts.allSatisfy({ $0.allSatisfy(\.isNumber) })
    else { return nil }
    return s
  }
}
