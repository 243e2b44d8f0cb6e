/// Turns tar member names into image paths: no leading `/` or `./`, no `.` or empty components,
/// `..` clamped at the root (reported, since a layer has no business climbing out of it).
public enum PathNormalizer {
  public struct Result: Sendable, Hashable {
    public var path: String
    /// The name climbed above the root with `..` (clamped).
    public var escaped: Bool
    /// The name was absolute.
    public var absolute: Bool
  }

  public static func normalize(_ raw: String) -> Result {
    // Fast path: already clean (relative, no empty, `.` or `..` components).
    var clean = true
    var compLen = 0
    var compDots = 0
    for b in raw.utf8 {
      if b == UInt8(ascii: "/") {
        if compLen == 0 || (compDots == compLen && compLen <= 2) {
          clean = false
          break
        }
        compLen = 0
        compDots = 0
      } else {
        compLen += 1
        if b == UInt8(ascii: ".") { compDots += 1 }
      }
    }
    if compLen == 0 || (compDots == compLen && compLen <= 2) { clean = false }
    if clean { return Result(path: raw, escaped: false, absolute: false) }
    // Also fast: an absolute path that is clean after its one leading `/` (package databases
    // list files so).
    if raw.utf8.first == UInt8(ascii: "/"), raw.utf8.dropFirst().first != UInt8(ascii: "/") {
      let rest = String(raw.utf8.dropFirst())!
      if !rest.isEmpty, case let r = normalize(rest), r.path == rest {
        return Result(path: rest, escaped: false, absolute: true)
      }
    }
    var parts: [Substring] = []
    var escaped = false
    for c in raw.split(separator: "/", omittingEmptySubsequences: true) {
      if c == "." { continue }
      if c == ".." {
        if parts.popLast() == nil { escaped = true }
        continue
      }
      parts.append(c)
    }
    return Result(
      path: parts.joined(separator: "/"), escaped: escaped, absolute: raw.hasPrefix("/"))
  }

  public static func clean(_ raw: String) -> String { normalize(raw).path }
}

/// Resolves symlinks inside an image root: absolute targets restart at the root, `..` never
/// climbs above it, at most 40 links are followed (as Linux does), loops and dangling links
/// resolve to nil.
public enum SymlinkResolver {
  public enum Lookup { case symlink(String), other }

  public static let maxHops = 40

  public static func resolve(_ path: String, lookup: (String) -> Lookup?) -> String? {
    var pending: [Substring] = PathNormalizer.clean(path).split(separator: "/").reversed()
    var resolved: [Substring] = []
    var hops = 0
    var current = ""
    while let c = pending.popLast() {
      if c == "." || c.isEmpty { continue }
      if c == ".." {
        _ = resolved.popLast()
        current = resolved.joined(separator: "/")
        continue
      }
      let candidate = current.isEmpty ? String(c) : current + "/" + c
      guard let kind = lookup(candidate) else { return nil }
      switch kind {
      case .symlink(let target):
        hops += 1
        if hops > maxHops { return nil }
        if target.hasPrefix("/") {
          resolved = []
          current = ""
        }
        pending.append(contentsOf: target.split(separator: "/").reversed())
      case .other:
        resolved.append(c)
        current = candidate
      }
    }
    return current
  }
}
