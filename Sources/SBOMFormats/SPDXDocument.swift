/// The parts of an SPDX 2.3 JSON document (https://spdx.github.io/spdx-spec/v2.3/) that
/// tailguard writes. Optional fields are left out when nil; key order and layout are decided
/// when the document is written (`SBOMJSON`).
public struct SPDXDocument: Encodable, Sendable, Hashable {
  public var spdxVersion = "SPDX-2.3"
  public var dataLicense = "CC0-1.0"
  public var spdxID = "SPDXRef-DOCUMENT"
  public var name: String
  public var documentNamespace: String
  public var creationInfo: CreationInfo
  public var documentDescribes: [String]
  public var packages: [Package]
  public var relationships: [Relationship]
  public var hasExtractedLicensingInfos: [ExtractedLicensingInfo]?

  enum CodingKeys: String, CodingKey {
    case spdxID = "SPDXID"
    case spdxVersion, dataLicense, name, documentNamespace, creationInfo, documentDescribes
    case packages, relationships, hasExtractedLicensingInfos
  }

  public struct CreationInfo: Encodable, Sendable, Hashable {
    public var created: String
    public var creators: [String]
  }

  public struct Package: Encodable, Sendable, Hashable {
    public var spdxID: String
    public var name: String
    public var versionInfo: String
    public var supplier: String
    public var downloadLocation = "NOASSERTION"
    public var filesAnalyzed = false
    public var licenseConcluded = "NOASSERTION"
    public var licenseDeclared = "NOASSERTION"
    public var copyrightText = "NOASSERTION"
    public var primaryPackagePurpose: String
    public var description: String?
    public var checksums: [Checksum]?
    public var externalRefs: [ExternalRef]?
    public var sourceInfo: String?

    enum CodingKeys: String, CodingKey {
      case spdxID = "SPDXID"
      case name, versionInfo, supplier, downloadLocation, filesAnalyzed, licenseConcluded
      case licenseDeclared, copyrightText, primaryPackagePurpose, description, checksums
      case externalRefs, sourceInfo
    }
  }

  public struct Checksum: Encodable, Sendable, Hashable {
    public var algorithm: String
    public var checksumValue: String
  }

  public struct ExternalRef: Encodable, Sendable, Hashable {
    public var referenceCategory: String
    public var referenceType: String
    public var referenceLocator: String

    /// A purl as a `PACKAGE-MANAGER` reference.
    static func purl(_ locator: String) -> ExternalRef {
      ExternalRef(
        referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: locator)
    }
  }

  public struct Relationship: Encodable, Sendable, Hashable {
    public var spdxElementId: String
    public var relationshipType: String
    public var relatedSpdxElement: String
  }

  public struct ExtractedLicensingInfo: Encodable, Sendable, Hashable {
    public var licenseId: String
    public var extractedText: String
    public var name: String
  }
}
