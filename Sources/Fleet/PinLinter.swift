import ByteFormats
import Foundation

/// Turns an inventory into pinning findings: one per unpinned reference, severities
/// configurable, inline suppressions honoured (`# tailguard:ignore[rule] reason` on the line or
/// the line above; `# tailguard:ignore` alone suppresses every rule).
public struct PinLinter: Sendable {
  public var levels: [PinRule: PinLevel]

  public init(levels: [PinRule: PinLevel] = [:]) {
    self.levels = levels
  }

  public func level(_ rule: PinRule) -> PinLevel { levels[rule] ?? rule.defaultLevel }

  /// The rule an inventory reference breaks, if any.
  public static func rule(for r: FleetReference) -> PinRule? {
    switch r.effectiveClass {
    case .digest, .scratch, .stage: return nil
    case .latest: return .latest
    case .untagged: return .untagged
    case .variable: return .unresolved
    case .invalid: return .invalid
    case .tag:
      guard let tag = r.image?.tag else { return .noDigest }
      return PinRule.isFloating(tag: tag) ? .floatingTag : .noDigest
    }
  }

  public func lint(_ refs: [FleetReference], fileLines: (String) -> [String]?) -> [PinFinding] {
    var cache: [String: [String]] = [:]
    var out: [PinFinding] = []
    for r in refs {
      guard let rule = Self.rule(for: r) else { continue }
      let lvl = level(rule)
      if lvl == .off { continue }
      if cache[r.file] == nil { cache[r.file] = fileLines(r.file) ?? [] }
      if Self.suppressed(rule, line: r.line, lines: cache[r.file] ?? []) { continue }
      var msg =
        rule.summary + ": "
        + (r.resolved.map { "\(r.reference) (resolves to \($0))" } ?? r.reference)
      if rule == .floatingTag {
        msg += " (offline heuristic: the registry was not asked whether this tag moves)"
      }
      out.append(
        PinFinding(
          rule: rule, level: lvl, file: r.file, line: r.line, reference: r.reference,
          resolved: r.resolved, source: r.source, message: msg, offline: rule == .floatingTag))
    }
    return out
  }

  /// Reads a file's lines for suppression checks (nil when unreadable or over the fleet's file
  /// limit: the scan that found the reference read it under the same limit).
  public static func readLines(_ path: String) -> [String]? {
    guard let d = try? BoundedFile.read(path: path, limit: FleetScanner.maxFileBytes) else {
      return nil
    }
    return TextLines(bytes: d).lines
  }

  static func suppressed(_ rule: PinRule, line: Int, lines: [String]) -> Bool {
    for l in [line, line - 1] where l >= 1 && l <= lines.count {
      if suppresses(lines[l - 1], rule) { return true }
    }
    return false
  }

  static func suppresses(_ text: String, _ rule: PinRule) -> Bool {
    guard let r = text.range(of: "tailguard:ignore") else { return false }
    let rest = text[r.upperBound...]
    guard rest.first == "[" else { return true }
    guard let close = rest.firstIndex(of: "]") else { return false }
    let names = rest[rest.index(after: rest.startIndex)..<close].split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    return names.contains(rule.rawValue) || names.contains("*")
  }
}
