import Foundation
import Rego
import TailguardModel

/// The stable JSON shape (`input`) a scan is projected to for `scan --policy` and the
/// built-in packs (`PolicyPack`), documented field by field in `docs/policy-input.md`.
/// Policies are written against this schema, never against the internal model, so model
/// refactors do not break users' Rego.
///
/// Missing optional facts are `null` (not absent) so policies can test them explicitly.
public enum PolicyInput {
  /// Bumped only on incompatible changes; additions keep the version.
  public static let schemaVersion = 1

  /// Projects a scan report. `files` is filled by the Scanner from the image's file tree
  /// (see `PolicyFileFacts`); `signatures` by signature verification when it ran (the report's
  /// own `signatures` check, from `scan --require-signature`, is always included).
  public static func make(
    report: ScanReport, files: PolicyFileFacts? = nil, signatures: [PolicySignature] = []
  ) -> Value {
    let sbom = report.sbom
    var counts: [Value: Value] = [:]
    for s in Severity.allCases { counts[.string(s.rawValue)] = .int(0) }
    for (s, n) in report.severityCounts { counts[.string(s.rawValue)] = .int(n) }
    counts["total"] = .int(report.findings.count)
    counts["fixable"] = .int(report.findings.filter { $0.finding.fixedVersion != nil }.count)
    counts["kev"] = .int(report.findings.filter { $0.finding.exploitation?.kev != nil }.count)
    counts["suppressed"] = .int(report.suppressed.count)
    return .object([
      "schemaVersion": .int(schemaVersion),
      "tool": .object([
        "name": .string(report.tool), "version": .string(report.toolVersion),
      ]),
      "scannedAt": .string(report.scannedAt),
      "image": image(sbom.image),
      "distro": sbom.distro.map(distro) ?? .null,
      "packages": .array(sbom.packages.sorted().map(package)),
      "findings": .array(report.findings.map(finding)),
      "suppressed": .array(report.suppressed.map(finding)),
      "summary": .object(counts),
      "signatures": .array((signatures + PolicySignature.from(report.signatures)).map(signature)),
      "files": files.map(fileFacts) ?? .null,
      "diagnostics": .array(
        (sbom.diagnostics + report.diagnostics).map { d in
          .object([
            "level": .string(d.level.rawValue), "code": .string(d.code),
            "message": .string(d.message), "path": str(d.path),
          ])
        }),
    ])
  }

  /// The projection as JSON text (sorted keys), e.g. for debugging output.
  public static func json(
    report: ScanReport, files: PolicyFileFacts? = nil, signatures: [PolicySignature] = []
  ) -> String {
    JSONCodec.encodePretty(make(report: report, files: files, signatures: signatures))
  }

  // MARK: - parts

  static func str(_ s: String?) -> Value { s.map { .string($0) } ?? .null }
  static func strs(_ a: [String]?) -> Value { a.map { .array($0.map { .string($0) }) } ?? .null }
  static func int(_ i: Int?) -> Value { i.map { .int($0) } ?? .null }
  static func bool(_ b: Bool?) -> Value { b.map { .bool($0) } ?? .null }
  static func dbl(_ d: Double?) -> Value { d.map { .double($0) } ?? .null }

  static func image(_ m: ImageMetadata) -> Value {
    // Prefer the registry reference; a bare target such as `alpine:3.19` also parses.
    var ref: ImageReference?
    for candidate in [m.reference, m.target] {
      if let c = candidate, let r = try? ImageReference(parsing: c) {
        ref = r
        break
      }
    }
    let c = m.config
    var env: [Value: Value] = [:]
    for e in c.env {
      if let eq = e.firstIndex(of: "=") {
        env[.string(String(e[..<eq]))] = .string(String(e[e.index(after: eq)...]))
      } else {
        env[.string(e)] = .string("")
      }
    }
    var labels: [Value: Value] = [:]
    for (k, v) in c.labels { labels[.string(k)] = .string(v) }
    let config: Value = .object([
      "created": str(c.created),
      "author": str(c.author),
      "user": str(c.user),
      "env": strs(c.env),
      "envMap": .object(env),
      "entrypoint": strs(c.entrypoint),
      "cmd": strs(c.cmd),
      "workingDir": str(c.workingDir),
      "labels": .object(labels),
      "exposedPorts": strs(c.exposedPorts.sorted()),
      "stopSignal": str(c.stopSignal),
      "history": .array(
        c.history.map { h in
          .object([
            "created": str(h.created), "createdBy": str(h.createdBy),
            "comment": str(h.comment), "emptyLayer": .bool(h.emptyLayer),
          ])
        }),
    ])
    var platform: Value = .null
    if let p = m.platform {
      platform = .object([
        "os": .string(p.os), "architecture": .string(p.architecture), "variant": str(p.variant),
      ])
    } else if c.os != nil || c.architecture != nil {
      platform = .object([
        "os": str(c.os), "architecture": str(c.architecture), "variant": str(c.variant),
      ])
    }
    return .object([
      "target": .string(m.target),
      "sourceKind": .string(m.sourceKind),
      "reference": str(ref?.description ?? m.reference),
      "registry": str(ref?.registry),
      "repository": str(ref?.repository),
      "tag": str(ref?.tag),
      "digest": str(ref?.digest?.description),
      "tags": strs(m.tags.sorted()),
      "manifestDigest": str(m.manifestDigest?.description),
      "configDigest": str(m.configDigest?.description),
      "indexDigest": str(m.indexDigest?.description),
      "platform": platform,
      "created": str(c.created),
      "config": config,
      "layers": .array(
        m.layers.map { l in
          .object([
            "index": .int(l.index), "digest": .string(l.digest.description),
            "diffID": str(l.diffID?.description), "mediaType": .string(l.mediaType),
            "size": .int(Int(l.size)), "createdBy": str(l.createdBy), "created": str(l.created),
            "isBaseLayer": bool(l.isBaseLayer),
          ])
        }),
    ])
  }

  static func distro(_ d: Distro) -> Value {
    .object([
      "id": .string(d.id), "versionID": str(d.versionID),
      "versionCodename": str(d.versionCodename), "prettyName": str(d.prettyName),
      "idLike": strs(d.idLike), "distroless": .bool(d.distroless),
    ])
  }

  static func package(_ p: Package) -> Value {
    var go: Value = .null
    let metadataType: String
    switch p.metadata {
    case .none: metadataType = "none"
    case .dpkg: metadataType = "dpkg"
    case .apk: metadataType = "apk"
    case .rpm: metadataType = "rpm"
    case .python: metadataType = "python"
    case .npm: metadataType = "npm"
    case .rust: metadataType = "rust"
    case .java: metadataType = "java"
    case .goModule(let g):
      metadataType = "go-module"
      go = goInfo(g)
    }
    let source: Value =
      p.source.map { .object(["name": .string($0.name), "version": .string($0.version)]) } ?? .null
    return .object([
      "id": .string(p.id),
      "name": .string(p.name),
      "version": .string(p.version),
      "type": .string(p.ecosystem.rawValue),
      "ecosystem": .string(p.ecosystem.osvName ?? p.ecosystem.rawValue),
      "purl": .string(p.purl.description),
      "licenses": strs(p.licenses),
      "locations": .array(
        p.locations.sorted().map { l in
          .object([
            "path": .string(l.path), "layer": str(l.layer?.description),
            "layerIndex": int(l.layerIndex),
          ])
        }),
      "source": source,
      "foundBy": .string(p.foundBy),
      "layerIndex": int(p.introducedByIndex),
      "layerDigest": str(p.introducedBy?.description),
      "fromBaseImage": bool(p.fromBaseImage),
      "metadataType": .string(metadataType),
      "go": go,
    ])
  }

  /// Go build info, with the FIPS-relevant facts derived: `GOEXPERIMENT` containing
  /// `boringcrypto` (Go ≤ 1.23 BoringCrypto) or a `GOFIPS140` setting other than `off`
  /// (Go 1.24+ native FIPS 140-3 module).
  static func goInfo(_ g: GoModuleMetadata) -> Value {
    var settings: [Value: Value] = [:]
    var experiments: [String] = []
    var fips140: String?
    for kv in g.buildSettings {
      settings[.string(kv.key)] = .string(kv.value)
      if kv.key == "GOEXPERIMENT" {
        experiments += kv.value.split(separator: ",").map {
          $0.trimmingCharacters(in: .whitespaces)
        }
      }
      if kv.key == "GOFIPS140" { fips140 = kv.value }
      if kv.key == "-tags",
        kv.value.split(separator: ",").contains(where: { $0 == "goexperiment.boringcrypto" })
      {
        experiments.append("boringcrypto")
      }
    }
    let boring = experiments.contains("boringcrypto")
    let nativeFIPS = fips140.map { !$0.isEmpty && $0 != "off" } ?? false
    return .object([
      "goVersion": .string(g.goVersion),
      "mainModule": str(g.mainModule),
      "buildSettings": .object(settings),
      "goexperiment": strs(Array(Set(experiments)).sorted()),
      "boringCrypto": .bool(boring),
      "fips140": str(fips140),
      "fipsCapable": .bool(boring || nativeFIPS),
    ])
  }

  static func finding(_ s: ScoredFinding) -> Value {
    let f = s.finding
    let a = s.assessment
    var kev: Value = .null
    if let k = f.exploitation?.kev {
      kev = .object([
        "dateAdded": .string(k.dateAdded),
        "knownRansomwareCampaignUse": .bool(k.knownRansomwareCampaignUse),
        "dueDate": str(k.dueDate),
      ])
    }
    var epss: Value = .null
    if let e = f.exploitation?.epss {
      epss = .object(["score": .double(e.score), "percentile": .double(e.percentile)])
    }
    var cvss: Value = .null
    if a.cvssScore != nil || a.cvssVector != nil {
      cvss = .object(["score": dbl(a.cvssScore), "vector": str(a.cvssVector)])
    }
    var suppression: Value = .null
    if let x = s.suppression {
      suppression = .object([
        "kind": .string(x.kind), "reason": .string(x.reason), "source": .string(x.source),
        "expires": str(x.expires),
      ])
    }
    return .object([
      "id": .string(f.primaryID),
      "aliases": strs(f.advisoryIDs.filter { $0 != f.primaryID }),
      "recordIDs": strs(f.recordIDs),
      "summary": str(f.summary),
      "package": .object([
        "id": .string(f.packageID), "name": .string(f.packageName),
        "version": .string(f.packageVersion), "purl": .string(f.purl.description),
        "type": .string(f.ecosystem.rawValue),
      ]),
      "severity": .string(a.severity.rawValue),
      "severityRank": .int(a.severity.rank),
      "severitySource": .string(a.severitySource),
      "cvss": cvss,
      "risk": .object(["value": .double(a.risk.value), "reasons": strs(a.risk.reasons)]),
      "fixState": .string(f.fixState.rawValue),
      "fixedVersion": str(f.fixedVersion),
      "fixedVersions": strs(f.fixedVersions),
      "kev": kev,
      "epss": epss,
      "layerIndex": int(f.introducedByIndex),
      "layerDigest": str(f.introducedBy?.description),
      "suppression": suppression,
    ])
  }

  static func signature(_ s: PolicySignature) -> Value {
    .object([
      "verified": .bool(s.verified), "identity": str(s.identity), "issuer": str(s.issuer),
      "keyless": .bool(s.keyless), "reason": str(s.reason),
    ])
  }

  static func fileFacts(_ f: PolicyFileFacts) -> Value {
    let byKind = Dictionary(grouping: f.present, by: \.kind)
    func paths(_ k: PolicyFileFacts.Kind) -> Value {
      strs((byKind[k] ?? []).map(\.path).sorted())
    }
    return .object([
      "present": strs(f.present.map(\.path)),
      "shells": paths(.shell),
      "packageManagers": paths(.packageManager),
      "checked": strs(PolicyFileFacts.checkedPaths.map(\.path)),
      "openssl": .object([
        "configs": paths(.opensslConfig),
        "fipsModuleConfigs": paths(.fipsModuleConfig),
        "fipsProviders": paths(.fipsProvider),
        "includesFIPSModule": .bool(f.openssl.includesFIPSModule),
        "fipsProviderActivated": .bool(f.openssl.fipsProviderActivated),
        "defaultPropertiesFIPS": .bool(f.openssl.defaultPropertiesFIPS),
      ]),
    ])
  }
}
