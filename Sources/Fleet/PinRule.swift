/// The pinning rules. Each unpinned reference gets one finding, for the most severe rule that
/// applies (latest > untagged > floating-tag > no-digest).
public enum PinRule: String, Sendable, Codable, Hashable, CaseIterable {
  case latest
  case untagged
  /// A tag that moves: major-only or major.minor versions, or a name without a version
  /// (`lts`, `stable`, `alpine`). Offline this is a heuristic; the registry would confirm it.
  case floatingTag = "floating-tag"
  case noDigest = "no-digest"
  /// A placeholder that no default resolves: the pinning cannot be known from the file.
  case unresolved = "unresolved-variable"
  case invalid = "invalid-reference"

  public var defaultLevel: PinLevel {
    switch self {
    case .latest, .untagged, .invalid: return .error
    case .floatingTag, .noDigest: return .warning
    case .unresolved: return .note
    }
  }

  public var summary: String {
    switch self {
    case .latest: return "image uses the moving tag 'latest'"
    case .untagged: return "image has no tag (pulls 'latest')"
    case .floatingTag: return "image uses a floating tag"
    case .noDigest: return "image is not pinned by digest"
    case .unresolved: return "image reference is templated and unresolved"
    case .invalid: return "image reference is invalid"
    }
  }

  /// Whether a tag reads as one that moves: no digit at all (`lts`, `stable`, `alpine`,
  /// `bookworm`), or a version with fewer than three numeric components (`3`, `3.11`,
  /// `3.11-slim`, `v2`).
  public static func isFloating(tag: String) -> Bool {
    let lower = tag.lowercased()
    if !lower.contains(where: \.isNumber) { return true }
    var s = Substring(lower)
    if s.first == "v" { s = s.dropFirst() }
    guard let f = s.first, f.isNumber else { return false }
    let core = s.prefix(while: { $0.isNumber || $0 == "." })
    let parts = core.split(separator: ".", omittingEmptySubsequences: false)
    if parts.contains(where: \.isEmpty) { return false }
    // Date-like or build-number tags (`20240101`, `1234`) are not floating.
    if parts.count == 1, let p = parts.first, p.count >= 4 { return false }
    return parts.count < 3
  }
}

/// Finding levels, SARIF's names.
public enum PinLevel: String, Sendable, Codable, Hashable, Comparable, CaseIterable {
  case note, warning, error, off
  public static func < (a: PinLevel, b: PinLevel) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}
