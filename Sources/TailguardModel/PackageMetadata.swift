/// The typed record a package was read from. One case per source record; never `Any`.
///
/// JSON: an object with one key naming the record type and the record as its value,
/// `{"dpkg": {"architecture": "amd64", "files": […]}}` (`{"none": {}}` for no record).
public enum PackageMetadata: Hashable, Sendable, Codable {
  case none
  case dpkg(DpkgMetadata)
  case apk(ApkMetadata)
  case rpm(RpmMetadata)
  case python(PythonMetadata)
  case npm(NpmMetadata)
  case goModule(GoModuleMetadata)
  case rust(RustMetadata)
  case java(JavaMetadata)

  private enum Kind: String, CodingKey, CaseIterable {
    case none, dpkg, apk, rpm, python, npm, goModule, rust, java
  }

  private struct Empty: Codable {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Kind.self)
    guard c.allKeys.count == 1, let kind = c.allKeys.first else {
      throw DecodingError.dataCorrupted(
        DecodingError.Context(
          codingPath: decoder.codingPath,
          debugDescription:
            "package metadata must have exactly one of the keys "
            + Kind.allCases.map(\.rawValue).joined(separator: ", ")))
    }
    switch kind {
    case .none:
      _ = try c.decode(Empty.self, forKey: kind)
      self = .none
    case .dpkg: self = .dpkg(try c.decode(DpkgMetadata.self, forKey: kind))
    case .apk: self = .apk(try c.decode(ApkMetadata.self, forKey: kind))
    case .rpm: self = .rpm(try c.decode(RpmMetadata.self, forKey: kind))
    case .python: self = .python(try c.decode(PythonMetadata.self, forKey: kind))
    case .npm: self = .npm(try c.decode(NpmMetadata.self, forKey: kind))
    case .goModule: self = .goModule(try c.decode(GoModuleMetadata.self, forKey: kind))
    case .rust: self = .rust(try c.decode(RustMetadata.self, forKey: kind))
    case .java: self = .java(try c.decode(JavaMetadata.self, forKey: kind))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Kind.self)
    switch self {
    case .none: try c.encode(Empty(), forKey: .none)
    case .dpkg(let m): try c.encode(m, forKey: .dpkg)
    case .apk(let m): try c.encode(m, forKey: .apk)
    case .rpm(let m): try c.encode(m, forKey: .rpm)
    case .python(let m): try c.encode(m, forKey: .python)
    case .npm(let m): try c.encode(m, forKey: .npm)
    case .goModule(let m): try c.encode(m, forKey: .goModule)
    case .rust(let m): try c.encode(m, forKey: .rust)
    case .java(let m): try c.encode(m, forKey: .java)
    }
  }
}

public struct DpkgMetadata: Hashable, Sendable, Codable {
  public var architecture: String?
  public var maintainer: String?
  public var installedSize: Int?
  public var status: String?
  /// Files owned by the package (from `info/<pkg>.list` or `<pkg>:<arch>.list`), image paths without a leading slash.
  public var files: [String]
  public init(
    architecture: String? = nil, maintainer: String? = nil, installedSize: Int? = nil,
    status: String? = nil, files: [String] = []
  ) {
    self.architecture = architecture
    self.maintainer = maintainer
    self.installedSize = installedSize
    self.status = status
    self.files = files
  }
}

public struct ApkMetadata: Hashable, Sendable, Codable {
  public var architecture: String?
  public var origin: String?
  public var maintainer: String?
  public var url: String?
  public var commit: String?
  public var files: [String]
  public init(
    architecture: String? = nil, origin: String? = nil, maintainer: String? = nil,
    url: String? = nil, commit: String? = nil, files: [String] = []
  ) {
    self.architecture = architecture
    self.origin = origin
    self.maintainer = maintainer
    self.url = url
    self.commit = commit
    self.files = files
  }
}

public struct RpmMetadata: Hashable, Sendable, Codable {
  public var epoch: Int?
  public var version: String
  public var release: String
  public var architecture: String?
  public var sourceRpm: String?
  public var vendor: String?
  public var modularityLabel: String?
  public var files: [String]
  public init(
    epoch: Int? = nil, version: String, release: String, architecture: String? = nil,
    sourceRpm: String? = nil, vendor: String? = nil, modularityLabel: String? = nil,
    files: [String] = []
  ) {
    self.epoch = epoch
    self.version = version
    self.release = release
    self.architecture = architecture
    self.sourceRpm = sourceRpm
    self.vendor = vendor
    self.modularityLabel = modularityLabel
    self.files = files
  }
}

public struct PythonMetadata: Hashable, Sendable, Codable {
  /// `dist-info`, `egg-info`, `egg`.
  public var format: String
  public var summary: String?
  public var author: String?
  public var homepage: String?
  public var files: [String]
  public init(
    format: String, summary: String? = nil, author: String? = nil, homepage: String? = nil,
    files: [String] = []
  ) {
    self.format = format
    self.summary = summary
    self.author = author
    self.homepage = homepage
    self.files = files
  }
}

public struct NpmMetadata: Hashable, Sendable, Codable {
  public var description: String?
  public var author: String?
  public var homepage: String?
  public var isPrivate: Bool
  public init(
    description: String? = nil, author: String? = nil, homepage: String? = nil,
    isPrivate: Bool = false
  ) {
    self.description = description
    self.author = author
    self.homepage = homepage
    self.isPrivate = isPrivate
  }
}

public struct GoModuleMetadata: Hashable, Sendable, Codable {
  /// Go toolchain version the binary was built with, e.g. `go1.22.1`.
  public var goVersion: String
  /// The binary's main module path.
  public var mainModule: String?
  public var sum: String?
  /// `replace` target as `path@version` when the module was replaced.
  public var replacedBy: String?
  /// Build settings (`-ldflags`, `CGO_ENABLED`, `GOARCH`, `vcs.revision`, `GOEXPERIMENT`, …) in file order.
  public var buildSettings: [KeyValue]
  public var architecture: String?
  public init(
    goVersion: String, mainModule: String? = nil, sum: String? = nil, replacedBy: String? = nil,
    buildSettings: [KeyValue] = [], architecture: String? = nil
  ) {
    self.goVersion = goVersion
    self.mainModule = mainModule
    self.sum = sum
    self.replacedBy = replacedBy
    self.buildSettings = buildSettings
    self.architecture = architecture
  }
}

public struct RustMetadata: Hashable, Sendable, Codable {
  public var source: String?
  public var kind: String?
  public init(source: String? = nil, kind: String? = nil) {
    self.source = source
    self.kind = kind
  }
}

public struct JavaMetadata: Hashable, Sendable, Codable {
  public var groupID: String?
  public var artifactID: String?
  /// Archive path chain for nested jars: `opt/app/x.war`, `WEB-INF/lib/y.jar`.
  public var archivePath: [String]
  /// Where the coordinates came from: `pom.properties`, `MANIFEST.MF`, `filename`.
  public var evidence: String
  public var sha1: String?
  public init(
    groupID: String? = nil, artifactID: String? = nil, archivePath: [String] = [],
    evidence: String, sha1: String? = nil
  ) {
    self.groupID = groupID
    self.artifactID = artifactID
    self.archivePath = archivePath
    self.evidence = evidence
    self.sha1 = sha1
  }
}

/// An ordered key/value pair (for records whose order matters, such as Go build settings).
public struct KeyValue: Hashable, Sendable, Codable {
  public var key: String
  public var value: String
  public init(_ key: String, _ value: String) {
    self.key = key
    self.value = value
  }
}

extension PackageMetadata {
  /// The same record without its installed-file list (dpkg, apk, rpm, Python): what matching
  /// needs, at a few percent of the size (the file lists are most of an OS image's SBOM).
  public func withoutFileList() -> PackageMetadata {
    switch self {
    case .dpkg(var m):
      m.files = []
      return .dpkg(m)
    case .apk(var m):
      m.files = []
      return .apk(m)
    case .rpm(var m):
      m.files = []
      return .rpm(m)
    case .python(var m):
      m.files = []
      return .python(m)
    case .none, .npm, .goModule, .rust, .java: return self
    }
  }
}

extension SoftwareBOM {
  /// This BOM as far as matching and reports of findings read it: every package's installed-file
  /// list left out (`PackageMetadata.withoutFileList`) and its locations cut to the first
  /// (`locations.min()`, the only one the matcher and the finding reports use).
  public func trimmedForMatching() -> SoftwareBOM {
    var bom = self
    for i in bom.packages.indices {
      bom.packages[i].metadata = bom.packages[i].metadata.withoutFileList()
      bom.packages[i].locations = bom.packages[i].locations.min().map { [$0] } ?? []
    }
    return bom
  }
}
