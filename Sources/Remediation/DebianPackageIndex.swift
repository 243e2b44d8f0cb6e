import Catalogers
import VersionSchemes

/// An apt repository's `Packages` index (a flat repository's, or one `dists/<suite>/<component>/
/// binary-<arch>/Packages` of a mirror): which versions of which packages the repository offers,
/// where each `.deb` lies and the SHA-256 it must have.
///
/// The index is the trust anchor of a patch: a `.deb` is used only when its bytes hash to the
/// index's `SHA256`. So the index is read strictly: a stanza without a name, version, file name
/// or SHA-256 is refused, and a package listed twice at the same version and architecture is
/// refused too (two different hashes for one version would make the choice arbitrary).
public struct DebianPackageIndex: Sendable {
  public struct Entry: Sendable, Hashable {
    public var name: String
    public var version: String
    public var architecture: String
    /// Path relative to the repository root (`./zlib1g_1%3a1.2.13.dfsg-1_amd64.deb`, `pool/…`).
    public var filename: String
    /// Lowercase hex.
    public var sha256: String
    public var size: Int?
    public var source: String?
    public var depends: String?
    public var preDepends: String?
  }

  public private(set) var entries: [Entry] = []

  public init(parsing bytes: [UInt8], path: String) throws(RemediationError) {
    let (stanzas, diagnostics) = DpkgControlParser().parse(bytes, path: path, source: "apt-index")
    if let bad = diagnostics.first {
      throw RemediationError(
        .index, "package index \(path): \(bad.message) (line \(bad.line ?? 0))")
    }
    var seen: [String: Int] = [:]
    for stanza in stanzas {
      guard let name = stanza["Package"], let version = stanza["Version"],
        let filename = stanza["Filename"], let sha = stanza["SHA256"]
      else {
        throw RemediationError(
          .index,
          "package index \(path): the paragraph at line \(stanza.line) lacks Package, Version, Filename or SHA256"
        )
      }
      guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
        throw RemediationError(
          .index, "package index \(path): \(name) \(version) has a malformed SHA256 '\(sha)'")
      }
      let arch = stanza["Architecture"] ?? "all"
      let key = "\(name)\u{0}\(version)\u{0}\(arch)"
      if let first = seen[key] {
        throw RemediationError(
          .index,
          "package index \(path) lists \(name) \(version) (\(arch)) twice (lines \(first) and \(stanza.line)); refusing to choose between them"
        )
      }
      seen[key] = stanza.line
      entries.append(
        Entry(
          name: name, version: version, architecture: arch, filename: filename,
          sha256: sha.lowercased(), size: stanza["Size"].flatMap { Int($0) },
          source: stanza["Source"].map { String($0.split(separator: " ").first ?? "") },
          depends: stanza["Depends"], preDepends: stanza["Pre-Depends"]))
    }
  }

  /// Every version of `name` built for `architecture` (or `all`), lowest first.
  public func versions(of name: String, architecture: String) -> [Entry] {
    entries.filter {
      $0.name == name && ($0.architecture == architecture || $0.architecture == "all")
    }
    .sorted { (try? VersionSchemeKind.deb.compare($0.version, $1.version)) ?? 0 < 0 }
  }

  /// The lowest version of `name` at or above `atLeast` (dpkg ordering), if the index has one.
  public func lowest(_ name: String, architecture: String, atLeast: String) -> Entry? {
    versions(of: name, architecture: architecture).first {
      ((try? VersionSchemeKind.deb.compare($0.version, atLeast)) ?? -1) >= 0
    }
  }
}
