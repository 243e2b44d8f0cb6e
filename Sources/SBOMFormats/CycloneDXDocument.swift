/// The parts of a CycloneDX 1.6 JSON BOM (https://cyclonedx.org/docs/1.6/json/) that tailguard
/// writes. Optional fields are left out of the document when nil; key order and layout are
/// decided when the document is written (`SBOMJSON`), not by the declaration order here.
public struct CycloneDXDocument: Encodable, Sendable, Hashable {
  public var schema = "http://cyclonedx.org/schema/bom-1.6.schema.json"
  public var bomFormat = "CycloneDX"
  public var specVersion = "1.6"
  public var serialNumber: String
  public var version = 1
  public var metadata: Metadata
  public var components: [Component]
  public var dependencies: [Dependency]
  public var vulnerabilities: [CycloneDXVulnerability]?

  enum CodingKeys: String, CodingKey {
    case schema = "$schema"
    case bomFormat, specVersion, serialNumber, version, metadata, components, dependencies
    case vulnerabilities
  }

  public struct Metadata: Encodable, Sendable, Hashable {
    public var timestamp: String
    public var tools: Tools
    public var component: Component
  }

  public struct Tools: Encodable, Sendable, Hashable {
    public var components: [Tool]
  }

  public struct Tool: Encodable, Sendable, Hashable {
    public var type: String
    public var name: String
    public var version: String
  }

  /// The image (`container` or `file`), its OS (`operating-system`) or a package (`library`).
  public struct Component: Encodable, Sendable, Hashable {
    public var bomRef: String
    public var type: String
    public var name: String
    public var group: String?
    public var version: String?
    public var description: String?
    public var supplier: OrganizationalEntity?
    public var licenses: [LicenseChoice]?
    public var purl: String?
    public var properties: [Property]?

    enum CodingKeys: String, CodingKey {
      case bomRef = "bom-ref"
      case type, name, group, version, description, supplier, licenses, purl, properties
    }
  }

  public struct OrganizationalEntity: Encodable, Sendable, Hashable {
    public var name: String
  }

  /// `{"license": {"id": …}}` for an SPDX identifier, `{"license": {"name": …}}` otherwise.
  public struct LicenseChoice: Encodable, Sendable, Hashable {
    public var license: License
  }

  public struct License: Encodable, Sendable, Hashable {
    public var id: String?
    public var name: String?
  }

  public struct Property: Encodable, Sendable, Hashable {
    public var name: String
    public var value: String
  }

  public struct Dependency: Encodable, Sendable, Hashable {
    public var ref: String
    public var dependsOn: [String]
  }
}

/// One entry of a CycloneDX BOM's `vulnerabilities` array.
public struct CycloneDXVulnerability: Encodable, Sendable, Hashable {
  public var bomRef: String
  public var id: String
  public var source: Source
  public var ratings: [Rating]
  public var affects: [Affect]
  public var properties: [CycloneDXDocument.Property]
  public var references: [Reference]?
  public var description: String?
  public var recommendation: String?

  enum CodingKeys: String, CodingKey {
    case bomRef = "bom-ref"
    case id, source, ratings, affects, properties, references, description, recommendation
  }

  public struct Source: Encodable, Sendable, Hashable {
    public var name: String
  }

  public struct Rating: Encodable, Sendable, Hashable {
    public var severity: String
    public var score: Double?
    public var vector: String?
    public var method: String
    public var source: Source
  }

  public struct Affect: Encodable, Sendable, Hashable {
    public var ref: String
  }

  public struct Reference: Encodable, Sendable, Hashable {
    public var id: String
    public var source: Source
  }
}
