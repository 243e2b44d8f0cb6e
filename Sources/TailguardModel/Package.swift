import Foundation

/// Where a package's evidence was found: a path inside the image (no leading slash) and the
/// layer that holds the version of the file that was read.
public struct Location: Hashable, Sendable, Codable, Comparable {
  public var path: String
  /// Blob digest of the layer the file came from (nil for a directory or SBOM source).
  public var layer: Digest?
  public var layerIndex: Int?

  public init(path: String, layer: Digest? = nil, layerIndex: Int? = nil) {
    self.path = path
    self.layer = layer
    self.layerIndex = layerIndex
  }
  public static func < (a: Location, b: Location) -> Bool {
    (a.path, a.layerIndex ?? -1) < (b.path, b.layerIndex ?? -1)
  }
}

/// The source package an OS binary package was built from. Debian, Ubuntu, Alpine (origin) and
/// RPM (source rpm) advisories are keyed by it.
public struct SourcePackage: Hashable, Sendable, Codable {
  public var name: String
  public var version: String
  public init(name: String, version: String) {
    self.name = name
    self.version = version
  }
}

/// One component of an image or SBOM.
public struct Package: Hashable, Sendable, Codable, Identifiable {
  /// Stable identity derived from declared fields (see `Package.makeID`), never from memory
  /// addresses or scan order: the same package in two scans has the same id.
  public var id: String
  public var name: String
  public var version: String
  public var ecosystem: Ecosystem
  public var purl: PackageURL
  public var licenses: [String]
  public var locations: [Location]
  public var source: SourcePackage?
  /// The cataloger id that found it (`dpkg`, `python`, `go-binary`, … or `sbom` for imports).
  public var foundBy: String
  /// Layer (blob digest) that introduced the package, and its index in the stack.
  public var introducedBy: Digest?
  public var introducedByIndex: Int?
  /// True when the introducing layer belongs to the base image.
  public var fromBaseImage: Bool?
  public var metadata: PackageMetadata

  public init(
    name: String, version: String, ecosystem: Ecosystem, purl: PackageURL,
    licenses: [String] = [], locations: [Location] = [], source: SourcePackage? = nil,
    foundBy: String, introducedBy: Digest? = nil, introducedByIndex: Int? = nil,
    fromBaseImage: Bool? = nil, metadata: PackageMetadata = .none, id: String? = nil
  ) {
    self.name = name
    self.version = version
    self.ecosystem = ecosystem
    self.purl = purl
    self.licenses = licenses
    self.locations = locations
    self.source = source
    self.foundBy = foundBy
    self.introducedBy = introducedBy
    self.introducedByIndex = introducedByIndex
    self.fromBaseImage = fromBaseImage
    self.metadata = metadata
    self.id = id ?? Package.makeID(purl: purl, firstLocation: locations.min()?.path)
  }

  /// `purl` plus the path of the evidence: two copies of the same jar in different directories
  /// are two packages; the same package rescanned keeps its id. 16 hex digits of FNV-1a 64.
  public static func makeID(purl: PackageURL, firstLocation: String?) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in (purl.description + "|" + (firstLocation ?? "")).utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}

extension Package: Comparable {
  /// Deterministic order for every output: ecosystem, name, version, first location.
  public static func < (a: Package, b: Package) -> Bool {
    (a.ecosystem.rawValue, a.name, a.version, a.locations.min()?.path ?? "", a.id)
      < (b.ecosystem.rawValue, b.name, b.version, b.locations.min()?.path ?? "", b.id)
  }
}
