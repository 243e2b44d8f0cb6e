import Foundation
import TailguardModel

/// Writes CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/). The image is the root
/// component (`metadata.component`, type `container`), the OS release an `operating-system`
/// component, every package a `library`; layer attribution travels as `tailguard:*` properties.
public struct CycloneDXWriter: Sendable {
  public var options: SBOMWriteOptions
  public init(options: SBOMWriteOptions = SBOMWriteOptions()) { self.options = options }

  public func document(
    for sbom: SoftwareBOM, vulnerabilities: [[String: Any]]? = nil, policy: PolicyOutcome? = nil
  ) -> [String: Any] {
    var bom = sbom
    bom.normalize()
    let rootRef = Relationship.imageRootID
    var root: [String: Any] = [
      "bom-ref": rootRef,
      "type": bom.image.sourceKind == "directory" ? "file" : "container",
      "name": bom.image.reference ?? bom.image.target,
    ]
    if let digest = bom.image.manifestDigest { root["version"] = digest.description }
    root["supplier"] = ["name": bom.image.supplierName]
    var rootProps: [[String: String]] = [
      ["name": "tailguard:image:source", "value": bom.image.sourceKind]
    ]
    if let p = bom.image.platform {
      rootProps.append(["name": "tailguard:image:platform", "value": p.description])
    }
    if let c = bom.image.configDigest {
      rootProps.append(["name": "tailguard:image:config", "value": c.description])
    }
    for layer in bom.image.layers {
      rootProps.append([
        "name": "tailguard:image:layer:\(layer.index):digest", "value": layer.digest.description,
      ])
      if let by = layer.createdBy {
        rootProps.append(["name": "tailguard:image:layer:\(layer.index):createdBy", "value": by])
      }
    }
    if let policy {
      rootProps.append(["name": "tailguard:policy:outcome", "value": policy.outcome])
      for v in policy.violations + policy.warnings {
        rootProps.append([
          "name": "tailguard:policy:\(v.level)", "value": "\(v.pack ?? v.package): \(v.message)",
        ])
      }
    }
    root["properties"] = rootProps

    var components: [[String: Any]] = []
    var rootDeps: [String] = []
    if let distro = bom.distro {
      let ref = "os:\(distro.id)"
      var os: [String: Any] = ["bom-ref": ref, "type": "operating-system", "name": distro.id]
      if let v = distro.versionID { os["version"] = v }
      if let pretty = distro.prettyName { os["description"] = pretty }
      components.append(os)
      rootDeps.append(ref)
    }
    var seen = Set<String>()
    for pkg in bom.packages where seen.insert(pkg.id).inserted {
      var c: [String: Any] = [
        "bom-ref": pkg.id, "type": "library", "name": pkg.name, "version": pkg.version,
        "purl": pkg.purl.description,
      ]
      if let group = Self.group(of: pkg) { c["group"] = group }
      if let supplier = pkg.supplierName { c["supplier"] = ["name": supplier] }
      let licenses = pkg.licenses.map { declared -> [String: Any] in
        if let id = SPDXLicenses.id(for: declared) { return ["license": ["id": id]] }
        return ["license": ["name": declared]]
      }
      if !licenses.isEmpty { c["licenses"] = licenses }
      c["properties"] = pkg.evidenceProperties.map { ["name": $0.0, "value": $0.1] }
      components.append(c)
      rootDeps.append(pkg.id)
    }
    var dependsOn: [String: Set<String>] = [rootRef: Set(rootDeps)]
    for rel in bom.relationships where rel.kind != .ownsFile && seen.contains(rel.to) {
      let from = rel.from == Relationship.imageRootID || seen.contains(rel.from) ? rel.from : nil
      if let from { dependsOn[from, default: []].insert(rel.to) }
    }
    let dependencies: [[String: Any]] = ([rootRef] + bom.packages.map(\.id)).uniqued().map { ref in
      ["ref": ref, "dependsOn": (dependsOn[ref] ?? []).sorted()]
    }

    var doc: [String: Any] = [
      "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
      "bomFormat": "CycloneDX",
      "specVersion": "1.6",
      "serialNumber": "urn:uuid:\(serial(for: bom).uuidString.lowercased())",
      "version": 1,
      "metadata": [
        "timestamp": options.timestamp,
        "tools": [
          "components": [
            ["type": "application", "name": options.toolName, "version": options.toolVersion]
          ]
        ],
        "component": root,
      ] as [String: Any],
      "components": components,
      "dependencies": dependencies,
    ]
    if let vulnerabilities { doc["vulnerabilities"] = vulnerabilities }
    return doc
  }

  public func write(
    _ sbom: SoftwareBOM, vulnerabilities: [[String: Any]]? = nil, policy: PolicyOutcome? = nil
  ) throws -> Data {
    try JSONSerialization.data(
      withJSONObject: document(for: sbom, vulnerabilities: vulnerabilities, policy: policy),
      options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
  }

  func serial(for bom: SoftwareBOM) -> UUID {
    if let s = options.serial { return s }
    return ContentUUID.make(
      from: [bom.image.target, bom.image.manifestDigest?.description ?? ""] + bom.packages.map(\.id)
    )
  }

  static func group(of pkg: Package) -> String? {
    switch pkg.ecosystem {
    case .maven, .npm: return pkg.purl.namespace
    default: return nil
    }
  }
}

extension Array where Element: Hashable {
  func uniqued() -> [Element] {
    var seen = Set<Element>()
    return filter { seen.insert($0).inserted }
  }
}
