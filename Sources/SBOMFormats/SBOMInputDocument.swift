import ByteFormats

/// What `SBOMReader` reads from a JSON SBOM, as typed models. Other tools' documents put
/// `null` or a value of another type where the schemas say otherwise, so every field is
/// `@Lenient` (nil when absent or mistyped) and the reader keeps the rest of the record; an
/// array with an element of the wrong kind reads as nil, as a whole.
enum SBOMInputDocument: Decodable, Sendable {
  case cyclonedx(CycloneDXInput)
  /// The `spdxVersion` the document declares, and the document.
  case spdx(String, SPDXInput)
  /// Neither `bomFormat: CycloneDX` nor `spdxVersion`.
  case unknown

  private enum FormatKeys: String, CodingKey { case bomFormat, spdxVersion }

  /// One parse serves both steps: the format fields decide which model reads the same decoder.
  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: FormatKeys.self)
    if (try? c.decode(String.self, forKey: .bomFormat)) == "CycloneDX" {
      self = .cyclonedx(try CycloneDXInput(from: decoder))
    } else if let version = try? c.decode(String.self, forKey: .spdxVersion) {
      self = .spdx(version, try SPDXInput(from: decoder))
    } else {
      self = .unknown
    }
  }
}

/// A CycloneDX 1.2–1.6 JSON BOM, the fields the reader uses.
struct CycloneDXInput: Decodable, Sendable {
  @Lenient var metadata: Metadata?
  @Lenient var components: [Component]?
  @Lenient var dependencies: [Dependency]?

  struct Metadata: Decodable, Sendable {
    @Lenient var component: Component?
  }

  struct Component: Decodable, Sendable {
    @Lenient var bomRef: String?
    @Lenient var type: String?
    @Lenient var name: String?
    @Lenient var version: String?
    @Lenient var description: String?
    @Lenient var purl: String?
    @Lenient var licenses: [LicenseEntry]?
    @Lenient var properties: [Property]?
    /// Components may nest; the reader walks them iteratively, with a bound.
    @Lenient var components: [Component]?

    enum CodingKeys: String, CodingKey {
      case bomRef = "bom-ref"
      case type, name, version, description, purl, licenses, properties, components
    }

    /// `(name, value)` of every property that has both as strings.
    var namedProperties: [(String, String)] {
      (properties ?? []).compactMap { p in
        guard let n = p.name, let v = p.value else { return nil }
        return (n, v)
      }
    }
  }

  /// `{"expression": …}` or `{"license": {"id": …} | {"name": …}}`.
  struct LicenseEntry: Decodable, Sendable {
    @Lenient var expression: String?
    @Lenient var license: License?
  }

  struct License: Decodable, Sendable {
    @Lenient var id: String?
    @Lenient var name: String?
  }

  struct Property: Decodable, Sendable {
    @Lenient var name: String?
    @Lenient var value: String?
  }

  struct Dependency: Decodable, Sendable {
    @Lenient var ref: String?
    @Lenient var dependsOn: [String]?
  }
}

/// An SPDX 2.2/2.3 JSON document, the fields the reader uses.
struct SPDXInput: Decodable, Sendable {
  @Lenient var name: String?
  @Lenient var documentDescribes: [String]?
  @Lenient var relationships: [Relationship]?
  @Lenient var packages: [Package]?

  struct Relationship: Decodable, Sendable {
    @Lenient var spdxElementId: String?
    @Lenient var relationshipType: String?
    @Lenient var relatedSpdxElement: String?
  }

  struct Package: Decodable, Sendable {
    @Lenient var spdxID: String?
    @Lenient var name: String?
    @Lenient var versionInfo: String?
    @Lenient var primaryPackagePurpose: String?
    @Lenient var description: String?
    @Lenient var licenseDeclared: String?
    @Lenient var sourceInfo: String?
    @Lenient var externalRefs: [ExternalRef]?
    @Lenient var checksums: [Checksum]?

    enum CodingKeys: String, CodingKey {
      case spdxID = "SPDXID"
      case name, versionInfo, primaryPackagePurpose, description, licenseDeclared, sourceInfo
      case externalRefs, checksums
    }
  }

  struct ExternalRef: Decodable, Sendable {
    @Lenient var referenceType: String?
    @Lenient var referenceLocator: String?
  }

  struct Checksum: Decodable, Sendable {
    @Lenient var algorithm: String?
    @Lenient var checksumValue: String?
  }
}
