/// The lookup key of a package name within an OSV ecosystem. Both the importer and the matcher
/// go through here, so names spelled differently by a package and an advisory still meet.
public enum PackageNameKey {
  /// PyPI names are compared after PEP 503 normalisation (lowercase, runs of `-`, `_`, `.`
  /// become one `-`); other ecosystems compare names exactly as OSV requires.
  public static func normalize(ecosystem: String, name: String) -> String {
    guard baseEcosystem(ecosystem) == "PyPI" else { return name }
    return pep503(name)
  }

  /// PEP 503: `re.sub(r"[-_.]+", "-", name).lower()`.
  public static func pep503(_ name: String) -> String {
    var out = ""
    out.reserveCapacity(name.utf8.count)
    var lastWasSeparator = false
    for ch in name.lowercased() {
      if ch == "-" || ch == "_" || ch == "." {
        if !lastWasSeparator { out.append("-") }
        lastWasSeparator = true
      } else {
        out.append(ch)
        lastWasSeparator = false
      }
    }
    return out
  }

  /// `Debian:12` → `Debian`, `Ubuntu:22.04:LTS` → `Ubuntu`, `PyPI` → `PyPI`.
  public static func baseEcosystem(_ ecosystem: String) -> String {
    if let colon = ecosystem.firstIndex(of: ":") { return String(ecosystem[..<colon]) }
    return ecosystem
  }
}
