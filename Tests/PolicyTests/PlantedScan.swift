import Foundation
import TailguardModel
import TailguardTesting

/// A `ScanReport` of the planted image in `images/built/oci-layout`, built from real data
/// without the scanner: the image config and layers from the layout's blobs, the 88 dpkg
/// packages from the `dpkg-query` oracle output, the language packages and the PYSEC findings
/// from `planted.expected-inventory.json`, fixed versions from the pypa OSV records.
enum PlantedScan {
  static let layout = SharedData.path("images/built/oci-layout")
  static let manifestDigest =
    "sha256:76fa8eafdebb39ba069657275b0c93499d580450427ff5ad9fc0e9b23f992a50"

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func json(_ path: String) throws -> [String: Any] {
    guard let d = FileManager.default.contents(atPath: path),
      let o = try JSONSerialization.jsonObject(with: d) as? [String: Any]
    else { throw Failure(description: "cannot read JSON \(path)") }
    return o
  }

  static func blob(_ digest: String) -> String {
    layout + "/blobs/sha256/" + digest.replacingOccurrences(of: "sha256:", with: "")
  }

  /// The image metadata read from the OCI layout (index → manifest → config).
  static func image(target: String, reference: String? = nil) throws -> ImageMetadata {
    let manifest = try json(blob(manifestDigest))
    guard let configRef = manifest["config"] as? [String: Any],
      let configDigest = configRef["digest"] as? String,
      let layerRefs = manifest["layers"] as? [[String: Any]]
    else { throw Failure(description: "bad manifest") }
    let cfg = try json(blob(configDigest))
    let inner = cfg["config"] as? [String: Any] ?? [:]
    let history = (cfg["history"] as? [[String: Any]] ?? []).map {
      HistoryEntry(
        created: $0["created"] as? String, createdBy: $0["created_by"] as? String,
        comment: $0["comment"] as? String, emptyLayer: $0["empty_layer"] as? Bool ?? false)
    }
    let diffIDs = try ((cfg["rootfs"] as? [String: Any])?["diff_ids"] as? [String] ?? []).map {
      try Digest(parsing: $0)
    }
    let config = ImageConfig(
      created: cfg["created"] as? String, author: cfg["author"] as? String,
      architecture: cfg["architecture"] as? String, os: cfg["os"] as? String,
      user: inner["User"] as? String, env: inner["Env"] as? [String] ?? [],
      entrypoint: inner["Entrypoint"] as? [String], cmd: inner["Cmd"] as? [String],
      labels: inner["Labels"] as? [String: String] ?? [:],
      exposedPorts: (inner["ExposedPorts"] as? [String: Any])?.keys.sorted() ?? [],
      history: history, diffIDs: diffIDs)
    var layers: [LayerInfo] = []
    for (i, l) in layerRefs.enumerated() {
      guard let d = l["digest"] as? String, let size = l["size"] as? Int else { continue }
      layers.append(
        LayerInfo(
          index: i, digest: try Digest(parsing: d), diffID: i < diffIDs.count ? diffIDs[i] : nil,
          mediaType: l["mediaType"] as? String ?? "", compression: .gzip, size: Int64(size),
          isBaseLayer: i == 0))
    }
    return ImageMetadata(
      target: target, sourceKind: "oci-layout", reference: reference,
      manifestDigest: try Digest(parsing: manifestDigest),
      configDigest: try Digest(parsing: configDigest),
      platform: Platform(os: config.os ?? "linux", architecture: config.architecture ?? "amd64"),
      layers: layers, config: config, tags: ["planted"])
  }

  /// dpkg packages from the oracle TSV: name, version, arch, source, source version, status.
  static func dpkgPackages(layer: Digest?) throws -> [Package] {
    let text = try String(
      contentsOfFile: SharedData.path("pkgdb/expected/debian-bookworm-minbase.dpkg-query.tsv"),
      encoding: .utf8)
    return text.split(separator: "\n").compactMap { line in
      let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard f.count >= 5 else { return nil }
      return Package(
        name: f[0], version: f[1], ecosystem: .deb,
        purl: PackageURL(
          type: "deb", namespace: "debian", name: f[0], version: f[1],
          qualifiers: ["arch": f[2], "distro": "debian-12"]),
        locations: [Location(path: "var/lib/dpkg/status", layer: layer, layerIndex: 0)],
        source: SourcePackage(name: f[3], version: f[4]), foundBy: "dpkg", introducedBy: layer,
        introducedByIndex: 0, fromBaseImage: true,
        metadata: .dpkg(DpkgMetadata(architecture: f[2])))
    }
  }

  /// Language packages of layer 2 from the expected inventory.
  static func languagePackages(layer: Digest?) throws -> [Package] {
    let inv = try json(SharedData.path("images/built/planted.expected-inventory.json"))
    var out: [Package] = []
    let site = inv["layer2_python_site_packages"] as? String ?? ""
    for p in inv["python"] as? [[String: String]] ?? [] {
      guard let n = p["name"], let v = p["version"] else { continue }
      out.append(
        Package(
          name: n, version: v, ecosystem: .pypi,
          purl: PackageURL(type: "pypi", name: n.lowercased(), version: v),
          locations: [Location(path: String(site.dropFirst()), layer: layer, layerIndex: 1)],
          foundBy: "python", introducedBy: layer, introducedByIndex: 1, fromBaseImage: false,
          metadata: .python(PythonMetadata(format: "dist-info"))))
    }
    for (path, info) in inv["go_binaries"] as? [String: [String: Any]] ?? [:] {
      guard let module = info["path"] as? String, let go = info["go"] as? String else { continue }
      out.append(
        Package(
          name: module, version: "(devel)", ecosystem: .golang,
          purl: PackageURL(type: "golang", name: module, version: "(devel)"),
          locations: [Location(path: String(path.dropFirst()), layer: layer, layerIndex: 1)],
          foundBy: "go-binary", introducedBy: layer, introducedByIndex: 1, fromBaseImage: false,
          metadata: .goModule(GoModuleMetadata(goVersion: go, mainModule: module))))
    }
    for (path, coordinates) in inv["java"] as? [String: String] ?? [:] where path.hasPrefix("/") {
      let c = coordinates.split(separator: ":").map(String.init)
      guard c.count == 3 else { continue }
      out.append(
        Package(
          name: c[1], version: c[2], ecosystem: .maven,
          purl: PackageURL(type: "maven", namespace: c[0], name: c[1], version: c[2]),
          locations: [Location(path: String(path.dropFirst()), layer: layer, layerIndex: 1)],
          foundBy: "java", introducedBy: layer, introducedByIndex: 1, fromBaseImage: false,
          metadata: .java(JavaMetadata(groupID: c[0], artifactID: c[1], evidence: "pom.properties"))
        ))
    }
    return out
  }

  /// Findings: every PYSEC record whose enumerated versions hold the installed version, with
  /// its aliases, and the first `fixed` event of its ranges as the fixed version. The records
  /// carry no severity, so findings are `unknown` (what Scoring gives without vectors).
  static func findings(packages: [Package]) throws -> [ScoredFinding] {
    let inv = try json(SharedData.path("images/built/planted.expected-inventory.json"))
    let table =
      inv["pypa_advisories_whose_enumerated_versions_list_contains_the_installed_version"]
      as? [String: [[String: Any]]] ?? [:]
    let kev = try kevCatalog()
    var out: [ScoredFinding] = []
    for (key, advisories) in table {
      let nv = key.components(separatedBy: "==")
      guard nv.count == 2, let pkg = packages.first(where: { $0.name == nv[0] }) else { continue }
      for a in advisories {
        guard let id = a["id"] as? String else { continue }
        let aliases = a["aliases"] as? [String] ?? []
        let fixed = try fixedVersion(id: id, package: nv[0])
        let cve = aliases.first { $0.hasPrefix("CVE-") } ?? id
        let f = Finding(
          packageID: pkg.id, packageName: pkg.name, packageVersion: pkg.version,
          ecosystem: .pypi, purl: pkg.purl, primaryID: cve, advisoryIDs: ([id] + aliases).sorted(),
          recordIDs: [id], fixState: fixed == nil ? .unknown : .fixed, fixedVersion: fixed,
          introducedBy: pkg.introducedBy, introducedByIndex: pkg.introducedByIndex,
          exploitation: aliases.compactMap { kev[$0] }.first.map { Exploitation(kev: $0) })
        out.append(
          ScoredFinding(
            finding: f,
            assessment: Assessment(
              severity: .unknown, severitySource: "none",
              risk: RiskScore(value: 0, reasons: []))))
      }
    }
    return out.sorted { $0.finding < $1.finding }
  }

  /// CISA's KEV catalog (1,404 entries) by CVE id.
  static func kevCatalog() throws -> [String: KEVEntry] {
    let catalog = try json(SharedData.path("kev/known_exploited_vulnerabilities.json"))
    var out: [String: KEVEntry] = [:]
    for v in catalog["vulnerabilities"] as? [[String: Any]] ?? [] {
      guard let id = v["cveID"] as? String, let added = v["dateAdded"] as? String else { continue }
      out[id] = KEVEntry(
        cveID: id, dateAdded: added,
        knownRansomwareCampaignUse: (v["knownRansomwareCampaignUse"] as? String) == "Known")
    }
    return out
  }

  static func fixedVersion(id: String, package: String) throws -> String? {
    let path = SharedData.path("advisories/pypa-osv-json/\(package.lowercased())/\(id).json")
    let record = try json(path)
    for affected in record["affected"] as? [[String: Any]] ?? [] {
      for range in affected["ranges"] as? [[String: Any]] ?? [] {
        for event in range["events"] as? [[String: String]] ?? [] {
          if let fixed = event["fixed"] { return fixed }
        }
      }
    }
    return nil
  }

  static func report(target: String = "oci:\(layout):planted", reference: String? = nil) throws
    -> ScanReport
  {
    let image = try image(target: target, reference: reference)
    let base = image.layers.first?.digest
    let top = image.layers.last?.digest
    let packages = try dpkgPackages(layer: base) + languagePackages(layer: top)
    let sbom = SoftwareBOM(
      image: image,
      distro: Distro(id: "debian", versionID: "12", versionCodename: "bookworm"),
      packages: packages.sorted())
    return ScanReport(
      toolVersion: "test", scannedAt: "2026-11-29T00:00:00Z", sbom: sbom,
      findings: try findings(packages: packages))
  }
}
