import TailguardModel

/// What one package is looked up as: an OSV ecosystem, a package name and the version to
/// compare. OS packages use their source package (Debian, Ubuntu, Alpine and RPM advisories are
/// keyed by it) within their distro release; language packages use their ecosystem.
public struct MatchTarget: Hashable, Sendable {
  public var ecosystems: [String]
  public var name: String
  public var version: String

  public init(ecosystems: [String], name: String, version: String) {
    self.ecosystems = ecosystems
    self.name = name
    self.version = version
  }

  /// The target for a package, or a diagnostic saying why it cannot be matched.
  public static func forPackage(_ p: Package, distro: Distro?) -> Result<MatchTarget, MatchSkip> {
    if p.ecosystem.isOperatingSystem {
      guard let distro else { return .failure(.noDistro) }
      let ecosystems = DistroEcosystems.osvEcosystems(for: distro)
      guard !ecosystems.isEmpty else {
        return .failure(.unknownDistro(distro.id, distro.versionID))
      }
      var name = p.source?.name ?? p.name
      if p.source == nil, case .apk(let meta) = p.metadata, let origin = meta.origin,
        !origin.isEmpty
      {
        name = origin
      }
      let version = p.source.map { $0.version.isEmpty ? p.version : $0.version } ?? p.version
      return .success(MatchTarget(ecosystems: ecosystems, name: name, version: version))
    }
    // Language packages: the OSV ecosystem and naming rule of their row in `Ecosystem.table`.
    let traits = p.ecosystem.traits
    guard let osv = traits.osvName else { return .failure(.noEcosystem(p.ecosystem.rawValue)) }
    let namespace = p.purl.namespace.flatMap { $0.isEmpty ? nil : $0 }
    var name = p.name
    var version = p.version
    switch traits.namespace {
    case .joinsName:
      // `@scope/name`, `github.com/x/y`: a name that does not carry its namespace gets it.
      if let namespace, !p.name.contains("/") { name = "\(namespace)/\(p.purl.name)" }
    case .group:
      // OSV names Maven packages `group:artifact`; the archive's own record wins over the purl.
      if case .java(let meta) = p.metadata, let g = meta.groupID, let a = meta.artifactID,
        !g.isEmpty, !a.isEmpty
      {
        name = "\(g):\(a)"
      } else if let namespace {
        name = "\(namespace):\(p.purl.name)"
      }
    case .separate:
      break
    }
    if p.ecosystem == .golang {
      // OSV spells Go versions its own way, and the toolchain is the `stdlib` module.
      if p.name == "stdlib" || p.name == "go" {
        name = "stdlib"
        version = goToolchainSemver(p.version)
      } else {
        version = goModuleSemver(p.version)
      }
    }
    return .success(MatchTarget(ecosystems: [osv], name: name, version: version))
  }

  /// Go module versions in OSV drop the `v` and build metadata: `v1.2.3+incompatible` → `1.2.3`.
  public static func goModuleSemver(_ version: String) -> String {
    var v = Substring(version)
    if v.hasPrefix("v") { v = v.dropFirst() }
    if let plus = v.firstIndex(of: "+") { v = v[..<plus] }
    return String(v)
  }

  /// Go toolchain versions as OSV's `stdlib` spells them: `go1.22.1` → `1.22.1`, `go1.21` →
  /// `1.21.0`, `go1.21rc2` → `1.21.0-rc.2`, `go1.19beta1` → `1.19.0-beta.1`.
  public static func goToolchainSemver(_ version: String) -> String {
    var v = Substring(version)
    if v.hasPrefix("go") { v = v.dropFirst(2) } else if v.hasPrefix("v") { v = v.dropFirst() }
    // Drop experiment / build suffixes (`go1.22.1 X:boringcrypto`).
    if let space = v.firstIndex(of: " ") { v = v[..<space] }
    var pre = ""
    for tag in ["rc", "beta", "alpha"] {
      if let r = v.range(of: tag) {
        pre = "-\(tag).\(v[r.upperBound...])"
        v = v[..<r.lowerBound]
        break
      }
    }
    var parts = v.split(separator: ".").map(String.init)
    while parts.count < 3 { parts.append("0") }
    return parts.prefix(3).joined(separator: ".") + pre
  }
}

/// Why a package was not matched.
public enum MatchSkip: Error, Hashable, Sendable {
  case noDistro
  case unknownDistro(String, String?)
  case noEcosystem(String)

  var diagnostic: (code: String, message: String) {
    switch self {
    case .noDistro:
      ("match.no-distro", "OS package without a distro release (no os-release); not matched")
    case .unknownDistro(let id, let v):
      (
        "match.unknown-distro",
        "no OSV ecosystem for distro \(id) \(v ?? ""); OS packages not matched"
      )
    case .noEcosystem(let e):
      ("match.no-ecosystem", "no advisory ecosystem for \(e) packages; not matched")
    }
  }
}
