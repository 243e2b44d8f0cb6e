import Foundation

/// The dependency list `cargo auditable` embeds in Rust binaries: a zlib-compressed JSON
/// document `{"packages":[{name, version, source, kind, dependencies, root}]}` stored in the
/// `.dep-v0` section (ELF, PE) or `__DATA,.dep-v0` (Mach-O).
public struct CargoAuditable: Hashable, Sendable {
  public struct Package: Hashable, Sendable, Decodable {
    public var name: String
    public var version: String
    /// `crates.io`, `local`, `git`, `registry`, … (format v0 spells crates.io as such).
    public var source: String?
    /// `runtime` (default) or `build`.
    public var kind: String?
    /// Indexes into `packages`.
    public var dependencies: [Int]?
    /// True for the crate the binary was built from.
    public var root: Bool?
    public init(
      name: String, version: String, source: String? = nil, kind: String? = nil,
      dependencies: [Int]? = nil,
      root: Bool? = nil
    ) {
      self.name = name
      self.version = version
      self.source = source
      self.kind = kind
      self.dependencies = dependencies
      self.root = root
    }
  }

  public static let sectionNames: Set<String> = [".dep-v0", "__dep_v0", ".dep-v0\u{0}"]

  public var packages: [Package]

  public init(packages: [Package]) { self.packages = packages }

  /// Decodes the compressed section contents. `maxInflated` bounds the JSON size.
  public init(compressed: [UInt8], maxInflated: Int = 16 << 20, maxPackages: Int = 100_000)
    throws(ByteFormatError)
  {
    let json = try Inflater.inflate(compressed, mode: .zlib, limit: Int64(maxInflated))
    try self.init(json: json, maxPackages: maxPackages)
  }

  public init(json: [UInt8], maxPackages: Int = 100_000) throws(ByteFormatError) {
    struct Document: Decodable { var packages: [Package] }
    let document: Document
    do {
      document = try JSONDecoder().decode(Document.self, from: Data(json))
    } catch {
      throw ByteFormatError(.malformed, "cargo-auditable JSON is invalid: \(error)")
    }
    guard document.packages.count <= maxPackages else {
      throw ByteFormatError(
        .limitExceeded, "cargo-auditable data lists \(document.packages.count) packages")
    }
    let count = document.packages.count
    for (i, p) in document.packages.enumerated()
    where (p.dependencies ?? []).contains(where: { $0 < 0 || $0 >= count }) {
      throw ByteFormatError(
        .malformed, "cargo-auditable package \(i) (\(p.name)) has a dependency index out of range")
    }
    self.packages = document.packages
  }

  /// Reads the section from an ELF, Mach-O or PE executable. Nil when there is none.
  public static func read(from source: any ByteSource, maxSection: Int = 4 << 20)
    throws(ByteFormatError) -> CargoAuditable?
  {
    let head = try source.read(at: 0, length: 4)
    let sections: [ExecutableSection]
    if head == ELFFile.magic {
      sections = try ELFFile(source: source).sections
    } else if MachOFile.isMachO(head) {
      sections = try MachOFile(source: source).sections
    } else if head.prefix(2) == [0x4D, 0x5A] {
      sections = try PEFile(source: source).sections
    } else {
      throw ByteFormatError(.unsupported, "not an ELF, Mach-O or PE executable", offset: 0)
    }
    guard let section = sections.first(where: { sectionNames.contains($0.name) }),
      let offset = section.offset
    else {
      return nil
    }
    guard section.size <= maxSection else {
      throw ByteFormatError(
        .limitExceeded, "cargo-auditable section of \(section.size) bytes exceeds \(maxSection)",
        offset: offset)
    }
    return try CargoAuditable(compressed: try source.read(at: offset, length: section.size))
  }
}
