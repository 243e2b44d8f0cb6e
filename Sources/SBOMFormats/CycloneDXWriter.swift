import Foundation
import TailguardModel

/// Writes CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/). The image is the root
/// component (`metadata.component`, type `container`), the OS release an `operating-system`
/// component, every package a `library`; layer attribution travels as `tailguard:*` properties.
public struct CycloneDXWriter: Sendable {
  public var options: SBOMWriteOptions
  public init(options: SBOMWriteOptions = SBOMWriteOptions()) { self.options = options }

  public func document(
    for sbom: SoftwareBOM, vulnerabilities: [CycloneDXVulnerability]? = nil,
    policy: PolicyOutcome? = nil
  ) -> CycloneDXDocument {
    typealias Property = CycloneDXDocument.Property
    var bom = sbom
    bom.normalize()
    let rootRef = Relationship.imageRootID
    var rootProps: [Property] = [
      Property(name: "tailguard:image:source", value: bom.image.sourceKind)
    ]
    if let p = bom.image.platform {
      rootProps.append(Property(name: "tailguard:image:platform", value: p.description))
    }
    if let c = bom.image.configDigest {
      rootProps.append(Property(name: "tailguard:image:config", value: c.description))
    }
    for layer in bom.image.layers {
      rootProps.append(
        Property(
          name: "tailguard:image:layer:\(layer.index):digest", value: layer.digest.description))
      if let by = layer.createdBy {
        rootProps.append(
          Property(name: "tailguard:image:layer:\(layer.index):createdBy", value: by))
      }
    }
    if let policy {
      rootProps.append(Property(name: "tailguard:policy:outcome", value: policy.outcome))
      for v in policy.violations + policy.warnings {
        rootProps.append(
          Property(
            name: "tailguard:policy:\(v.level)", value: "\(v.pack ?? v.package): \(v.message)"))
      }
    }
    let root = CycloneDXDocument.Component(
      bomRef: rootRef, type: bom.image.sourceKind == "directory" ? "file" : "container",
      name: bom.image.reference ?? bom.image.target,
      version: bom.image.manifestDigest?.description,
      supplier: .init(name: bom.image.supplierName), properties: rootProps)

    var components: [CycloneDXDocument.Component] = []
    var rootDeps: [String] = []
    if let distro = bom.distro {
      let ref = "os:\(distro.id)"
      components.append(
        CycloneDXDocument.Component(
          bomRef: ref, type: "operating-system", name: distro.id, version: distro.versionID,
          description: distro.prettyName))
      rootDeps.append(ref)
    }
    var seen = Set<String>()
    for pkg in bom.packages where seen.insert(pkg.id).inserted {
      let licenses = pkg.licenses.map { declared in
        if let id = SPDXLicenses.id(for: declared) {
          return CycloneDXDocument.LicenseChoice(license: .init(id: id))
        }
        return CycloneDXDocument.LicenseChoice(license: .init(name: declared))
      }
      components.append(
        CycloneDXDocument.Component(
          bomRef: pkg.id, type: "library", name: pkg.name, group: Self.group(of: pkg),
          version: pkg.version, supplier: pkg.supplierName.map { .init(name: $0) },
          licenses: licenses.isEmpty ? nil : licenses, purl: pkg.purl.description,
          properties: pkg.evidenceProperties.map { Property(name: $0.0, value: $0.1) }))
      rootDeps.append(pkg.id)
    }
    var dependsOn: [String: Set<String>] = [rootRef: Set(rootDeps)]
    for rel in bom.relationships where rel.kind != .ownsFile && seen.contains(rel.to) {
      let from = rel.from == Relationship.imageRootID || seen.contains(rel.from) ? rel.from : nil
      if let from { dependsOn[from, default: []].insert(rel.to) }
    }
    let dependencies = ([rootRef] + bom.packages.map(\.id)).uniqued().map { ref in
      CycloneDXDocument.Dependency(ref: ref, dependsOn: (dependsOn[ref] ?? []).sorted())
    }

    return CycloneDXDocument(
      serialNumber: "urn:uuid:\(serial(for: bom).uuidString.lowercased())",
      metadata: CycloneDXDocument.Metadata(
        timestamp: options.timestamp,
        tools: .init(components: [
          .init(type: "application", name: options.toolName, version: options.toolVersion)
        ]),
        component: root),
      components: components, dependencies: dependencies, vulnerabilities: vulnerabilities)
  }

  public func write(
    _ sbom: SoftwareBOM, vulnerabilities: [CycloneDXVulnerability]? = nil,
    policy: PolicyOutcome? = nil
  ) throws -> Data {
    try SBOMJSON.data(document(for: sbom, vulnerabilities: vulnerabilities, policy: policy))
  }

  func serial(for bom: SoftwareBOM) -> UUID {
    if let s = options.serial { return s }
    return ContentUUID.make(
      from: [bom.image.target, bom.image.manifestDigest?.description ?? ""] + bom.packages.map(\.id)
    )
  }

  /// The CycloneDX `group`: the purl namespace where `Ecosystem.table` says so (Maven, npm).
  static func group(of pkg: Package) -> String? {
    pkg.ecosystem.traits.namespaceIsCycloneDXGroup ? pkg.purl.namespace : nil
  }
}

extension Array where Element: Hashable {
  func uniqued() -> [Element] {
    var seen = Set<Element>()
    return filter { seen.insert($0).inserted }
  }
}
