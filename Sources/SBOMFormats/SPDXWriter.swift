import Foundation
import TailguardModel

/// Writes SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/). The document DESCRIBES the
/// image package (`primaryPackagePurpose: CONTAINER`), which CONTAINS every package; packages
/// carry their purl as a `PACKAGE-MANAGER` external reference and layer attribution in
/// `annotations`-free form: `sourceInfo` names the evidence path and layer.
public struct SPDXWriter: Sendable {
  public var options: SBOMWriteOptions
  public init(options: SBOMWriteOptions = SBOMWriteOptions()) { self.options = options }

  static let imageSPDXID = "SPDXRef-Image"
  static func spdxID(for pkg: Package) -> String {
    "SPDXRef-Package-\(pkg.ecosystem.rawValue)-\(pkg.id)"
  }

  public func document(for sbom: SoftwareBOM) -> SPDXDocument {
    typealias Relationship = SPDXDocument.Relationship
    var bom = sbom
    bom.normalize()
    let name = bom.image.reference ?? bom.image.target
    let uuid =
      options.serial
      ?? ContentUUID.make(
        from: [bom.image.target, bom.image.manifestDigest?.description ?? ""]
          + bom.packages.map(\.id))
    var packages: [SPDXDocument.Package] = []
    var relationships: [Relationship] = [
      Relationship(
        spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES",
        relatedSpdxElement: Self.imageSPDXID)
    ]
    var extracted: [String: String] = [:]

    var image = SPDXDocument.Package(
      spdxID: Self.imageSPDXID, name: name,
      versionInfo: bom.image.manifestDigest?.description ?? "NOASSERTION",
      supplier: "Organization: \(Self.clean(bom.image.supplierName))",
      primaryPackagePurpose: bom.image.sourceKind == "directory" ? "FILE" : "CONTAINER")
    if let digest = bom.image.manifestDigest, digest.algorithm == "sha256" {
      image.checksums = [.init(algorithm: "SHA256", checksumValue: digest.hex)]
      if let ref = bom.image.reference.flatMap({ try? ImageReference(parsing: $0) }) {
        let purl = PackageURL(
          type: "oci",
          name: ref.repository.split(separator: "/").last.map(String.init) ?? ref.repository,
          version: digest.description,
          qualifiers: ["repository_url": ref.name, "tag": ref.tag ?? ""])
        image.externalRefs = [.purl(purl.description)]
      }
    }
    packages.append(image)

    if let distro = bom.distro {
      let id = "SPDXRef-OperatingSystem"
      packages.append(
        SPDXDocument.Package(
          spdxID: id, name: distro.id, versionInfo: distro.versionID ?? "NOASSERTION",
          supplier: "Organization: \(Self.clean(distro.prettyName ?? distro.id))",
          primaryPackagePurpose: "OPERATING-SYSTEM", description: distro.prettyName ?? distro.id))
      relationships.append(
        Relationship(
          spdxElementId: Self.imageSPDXID, relationshipType: "CONTAINS", relatedSpdxElement: id))
    }

    var seen = Set<String>()
    for pkg in bom.packages where seen.insert(pkg.id).inserted {
      let id = Self.spdxID(for: pkg)
      var p = SPDXDocument.Package(
        spdxID: id, name: pkg.name, versionInfo: pkg.version,
        supplier: pkg.supplierName.map { "Organization: \(Self.clean($0))" } ?? "NOASSERTION",
        primaryPackagePurpose: "LIBRARY", externalRefs: [.purl(pkg.purl.description)])
      if !pkg.licenses.isEmpty {
        let ids = pkg.licenses.map { declared -> String in
          if let id = SPDXLicenses.id(for: declared) { return id }
          let ref = SPDXLicenses.licenseRef(for: declared)
          extracted[ref] = declared
          return ref
        }
        let unique = ids.uniqued()
        p.licenseDeclared =
          unique.count == 1 ? unique[0] : "(" + unique.joined(separator: " AND ") + ")"
      }
      var info = ["found by \(pkg.foundBy)"]
      if let loc = pkg.locations.min() {
        info.append("at /\(loc.path)" + (loc.layer.map { " in layer \($0.description)" } ?? ""))
      }
      if let source = pkg.source { info.append("source package \(source.name) \(source.version)") }
      p.sourceInfo = info.joined(separator: "; ")
      packages.append(p)
      relationships.append(
        Relationship(
          spdxElementId: Self.imageSPDXID, relationshipType: "CONTAINS", relatedSpdxElement: id))
    }
    let byID = Dictionary(bom.packages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for rel in bom.relationships where rel.kind != .ownsFile {
      guard let to = byID[rel.to], let from = byID[rel.from] else { continue }
      relationships.append(
        Relationship(
          spdxElementId: Self.spdxID(for: from),
          relationshipType: rel.kind == .contains ? "CONTAINS" : "DEPENDS_ON",
          relatedSpdxElement: Self.spdxID(for: to)))
    }

    return SPDXDocument(
      name: name,
      documentNamespace:
        "https://tailguard.invalid/spdx/\(Self.namespaceSafe(name))-\(uuid.uuidString.lowercased())",
      creationInfo: SPDXDocument.CreationInfo(
        created: options.timestamp,
        creators: ["Tool: \(options.toolName)-\(options.toolVersion)", "Organization: tailguard"]),
      documentDescribes: [Self.imageSPDXID], packages: packages, relationships: relationships,
      hasExtractedLicensingInfos: extracted.isEmpty
        ? nil
        : extracted.keys.sorted().map { ref in
          SPDXDocument.ExtractedLicensingInfo(
            licenseId: ref, extractedText: extracted[ref] ?? "", name: extracted[ref] ?? "")
        })
  }

  public func write(_ sbom: SoftwareBOM) throws -> Data {
    try SBOMJSON.data(document(for: sbom))
  }

  static func clean(_ s: String) -> String {
    s.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
  }

  static func namespaceSafe(_ s: String) -> String {
    String(
      s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "-" }
        .prefix(80))
  }
}
