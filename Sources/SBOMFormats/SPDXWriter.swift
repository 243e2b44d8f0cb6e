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

  public func document(for sbom: SoftwareBOM) -> [String: Any] {
    var bom = sbom
    bom.normalize()
    let name = bom.image.reference ?? bom.image.target
    let uuid =
      options.serial
      ?? ContentUUID.make(
        from: [bom.image.target, bom.image.manifestDigest?.description ?? ""]
          + bom.packages.map(\.id))
    var packages: [[String: Any]] = []
    var relationships: [[String: String]] = [
      [
        "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
        "relatedSpdxElement": Self.imageSPDXID,
      ]
    ]
    var extracted: [String: String] = [:]

    var image: [String: Any] = [
      "SPDXID": Self.imageSPDXID, "name": name,
      "versionInfo": bom.image.manifestDigest?.description ?? "NOASSERTION",
      "supplier": "Organization: \(Self.clean(bom.image.supplierName))",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false, "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
      "copyrightText": "NOASSERTION",
      "primaryPackagePurpose": bom.image.sourceKind == "directory" ? "FILE" : "CONTAINER",
    ]
    if let digest = bom.image.manifestDigest, digest.algorithm == "sha256" {
      image["checksums"] = [["algorithm": "SHA256", "checksumValue": digest.hex]]
      if let ref = bom.image.reference.flatMap({ try? ImageReference(parsing: $0) }) {
        let purl = PackageURL(
          type: "oci",
          name: ref.repository.split(separator: "/").last.map(String.init) ?? ref.repository,
          version: digest.description,
          qualifiers: ["repository_url": ref.name, "tag": ref.tag ?? ""])
        image["externalRefs"] = [
          [
            "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
            "referenceLocator": purl.description,
          ]
        ]
      }
    }
    packages.append(image)

    if let distro = bom.distro {
      let id = "SPDXRef-OperatingSystem"
      packages.append([
        "SPDXID": id, "name": distro.id, "versionInfo": distro.versionID ?? "NOASSERTION",
        "supplier": "Organization: \(Self.clean(distro.prettyName ?? distro.id))",
        "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "OPERATING-SYSTEM", "description": distro.prettyName ?? distro.id,
      ])
      relationships.append([
        "spdxElementId": Self.imageSPDXID, "relationshipType": "CONTAINS", "relatedSpdxElement": id,
      ])
    }

    var seen = Set<String>()
    for pkg in bom.packages where seen.insert(pkg.id).inserted {
      let id = Self.spdxID(for: pkg)
      var p: [String: Any] = [
        "SPDXID": id, "name": pkg.name, "versionInfo": pkg.version,
        "supplier": pkg.supplierName.map { "Organization: \(Self.clean($0))" } ?? "NOASSERTION",
        "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "copyrightText": "NOASSERTION", "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [
          [
            "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
            "referenceLocator": pkg.purl.description,
          ]
        ],
      ]
      if pkg.licenses.isEmpty {
        p["licenseDeclared"] = "NOASSERTION"
      } else {
        let ids = pkg.licenses.map { declared -> String in
          if let id = SPDXLicenses.id(for: declared) { return id }
          let ref = SPDXLicenses.licenseRef(for: declared)
          extracted[ref] = declared
          return ref
        }
        let unique = ids.uniqued()
        p["licenseDeclared"] =
          unique.count == 1 ? unique[0] : "(" + unique.joined(separator: " AND ") + ")"
      }
      var info = ["found by \(pkg.foundBy)"]
      if let loc = pkg.locations.min() {
        info.append("at /\(loc.path)" + (loc.layer.map { " in layer \($0.description)" } ?? ""))
      }
      if let source = pkg.source { info.append("source package \(source.name) \(source.version)") }
      p["sourceInfo"] = info.joined(separator: "; ")
      packages.append(p)
      relationships.append([
        "spdxElementId": Self.imageSPDXID, "relationshipType": "CONTAINS", "relatedSpdxElement": id,
      ])
    }
    let byID = Dictionary(bom.packages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for rel in bom.relationships where rel.kind != .ownsFile {
      guard let to = byID[rel.to], let from = byID[rel.from] else { continue }
      relationships.append([
        "spdxElementId": Self.spdxID(for: from),
        "relationshipType": rel.kind == .contains ? "CONTAINS" : "DEPENDS_ON",
        "relatedSpdxElement": Self.spdxID(for: to),
      ])
    }

    var doc: [String: Any] = [
      "spdxVersion": "SPDX-2.3",
      "dataLicense": "CC0-1.0",
      "SPDXID": "SPDXRef-DOCUMENT",
      "name": name,
      "documentNamespace":
        "https://tailguard.invalid/spdx/\(Self.namespaceSafe(name))-\(uuid.uuidString.lowercased())",
      "creationInfo": [
        "created": options.timestamp,
        "creators": [
          "Tool: \(options.toolName)-\(options.toolVersion)", "Organization: tailguard",
        ],
      ] as [String: Any],
      "documentDescribes": [Self.imageSPDXID],
      "packages": packages,
      "relationships": relationships,
    ]
    if !extracted.isEmpty {
      doc["hasExtractedLicensingInfos"] = extracted.keys.sorted().map { ref in
        ["licenseId": ref, "extractedText": extracted[ref] ?? "", "name": extracted[ref] ?? ""]
      }
    }
    return doc
  }

  public func write(_ sbom: SoftwareBOM) throws -> Data {
    try JSONSerialization.data(
      withJSONObject: document(for: sbom),
      options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
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
