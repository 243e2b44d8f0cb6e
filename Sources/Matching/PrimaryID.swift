/// Chooses the id a merged finding is shown under. CVE ids win because every other source
/// (GHSA, PYSEC, GO, RUSTSEC, distro trackers) cross-references them and users search by them;
/// among several CVEs, or without one, the order below keeps the choice deterministic.
public enum PrimaryID {
  /// Lower rank is preferred: CVE, GHSA, then ecosystem databases, then anything else.
  static func rank(_ id: String) -> Int {
    if id.hasPrefix("CVE-") { return 0 }
    if id.hasPrefix("GHSA-") { return 1 }
    if id.hasPrefix("PYSEC-") || id.hasPrefix("GO-") || id.hasPrefix("RUSTSEC-") { return 2 }
    return 3
  }

  public static func choose(_ ids: [String]) -> String? {
    ids.min { (rank($0), $0) < (rank($1), $1) }
  }
}
