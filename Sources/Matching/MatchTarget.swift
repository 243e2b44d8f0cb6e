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
    switch p.ecosystem {
    case .golang:
      if p.name == "stdlib" || p.name == "go" {
        return .success(
          MatchTarget(ecosystems: ["Go"], name: "stdlib", version: goToolchainSemver(p.version)))
      }
      return .success(
        MatchTarget(ecosystems: ["Go"], name: p.name, version: goModuleSemver(p.version)))
    case .maven:
      if case .java(let meta) = p.metadata, let g = meta.groupID, let a = meta.artifactID,
        !g.isEmpty, !a.isEmpty
      {
        return .success(MatchTarget(ecosystems: ["Maven"], name: "\(g):\(a)", version: p.version))
      }
      if let ns = p.purl.namespace, !ns.isEmpty {
        return .success(
          MatchTarget(ecosystems: ["Maven"], name: "\(ns):\(p.purl.name)", version: p.version))
      }
      return .success(MatchTarget(ecosystems: ["Maven"], name: p.name, version: p.version))
    case .npm:
      if let ns = p.purl.namespace, !ns.isEmpty, !p.name.hasPrefix("@") {
        return .success(
          MatchTarget(ecosystems: ["npm"], name: "\(ns)/\(p.purl.name)", version: p.version))
      }
      return .success(MatchTarget(ecosystems: ["npm"], name: p.name, version: p.version))
    default:
      guard let osv = p.ecosystem.osvName else {
        return .failure(.noEcosystem(p.ecosystem.rawValue))
      }
      return .success(MatchTarget(ecosystems: [osv], name: p.name, version: p.version))
    }
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
