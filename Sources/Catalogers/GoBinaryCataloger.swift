import ByteFormats
import FileTrees
import TailguardModel

/// Go binaries (ELF, Mach-O, PE) with embedded build info: the toolchain as the `stdlib`
/// package (version without the `go` prefix, as Go vulnerability data spells it), the main
/// module, and every dependency, with `replace` targets applied (the replacement is what was
/// compiled in). Build settings travel in the metadata of the main module and `stdlib`.
public typealias GoBinaryCataloger = FileCataloger<GoBinaryFiles>

extension FileCataloger where Files == GoBinaryFiles {
  public init(limits: GoBuildInfo.Limits) { self.init(GoBinaryFiles(limits: limits)) }
}

public struct GoBinaryFiles: PackageFiles {
  public let id = "go-binary"
  public var limits: GoBuildInfo.Limits

  public init() { limits = GoBuildInfo.Limits() }
  public init(limits: GoBuildInfo.Limits) { self.limits = limits }

  public var parsers: [FileParser] {
    [FileParser(BinaryCatalogerSupport.executableSelector) { [self] in read($0) }]
  }

  func read(_ file: SelectedFile) -> CatalogResult {
    var result = CatalogResult()
    let info: GoBuildInfo
    do {
      guard let found = try GoBuildInfo.read(from: file.source, limits: limits) else {
        return result
      }
      info = found
    } catch {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .warning, "go-binary.unreadable", "cannot read Go build info: \(error)", source: id,
          path: file.path, resolver: file.resolver))
      return result
    }
    catalog(info, path: file.path, source: file.source, resolver: file.resolver, into: &result)
    return result
  }

  func catalog(
    _ info: GoBuildInfo, path: String, source: any ByteSource, resolver: any FileResolver,
    into result: inout CatalogResult
  ) {
    let layer = BinaryCatalogerSupport.layer(of: path, in: resolver)
    let location = resolver.location(of: path)
    // Pre-1.18 binaries record no GOARCH setting: take it from the executable's header.
    var architecture = info.setting("GOARCH")
    if architecture == nil, let head = try? source.read(at: 0, length: 4) {
      if head == ELFFile.magic {
        architecture = (try? ELFFile(source: source))?.goArchitecture
      } else if MachOFile.isMachO(head) {
        architecture = (try? MachOFile(source: source))?.goArchitecture
      } else if head.starts(with: FileSelector.peMagic) {
        architecture = (try? PEFile(source: source))?.goArchitecture
      }
    }
    let settings = info.settings.map { KeyValue($0.key, $0.value) }
    let mainPath = info.main?.path ?? info.path
    for problem in info.problems {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .info, "go-binary.unknown-line", "module info line not understood: \(problem)",
          source: id, path: path,
          resolver: resolver))
    }

    func package(
      name: String, version: String, purl: PackageURL, sum: String?, replacedBy: String?,
      withSettings: Bool
    )
      -> Package
    {
      Package(
        name: name, version: version, ecosystem: .golang, purl: purl, locations: [location],
        foundBy: id,
        introducedBy: layer.digest, introducedByIndex: layer.index,
        metadata: .goModule(
          GoModuleMetadata(
            goVersion: info.goVersion, mainModule: mainPath, sum: sum, replacedBy: replacedBy,
            buildSettings: withSettings ? settings : [], architecture: architecture)))
    }

    var packages: [Package] = []
    var mainPackage: Package? = nil
    if let main = info.main {
      let p = package(
        name: main.path, version: main.version,
        purl: BinaryCatalogerSupport.golangPURL(path: main.path, version: main.version),
        sum: main.sum, replacedBy: main.replacement.map { "\($0.path)@\($0.version)" },
        withSettings: true)
      mainPackage = p
      packages.append(p)
    }
    if !info.stdlibVersion.isEmpty {
      packages.append(
        package(
          name: "stdlib", version: info.stdlibVersion,
          purl: PackageURL(type: "golang", name: "stdlib", version: info.stdlibVersion), sum: nil,
          replacedBy: nil,
          withSettings: mainPackage == nil))
    }
    for dep in info.dependencies {
      var name = dep.path
      var version = dep.version
      var sum = dep.sum
      var replacedBy: String? = nil
      if let r = dep.replacement {
        replacedBy = r.version.isEmpty ? r.path : "\(r.path)@\(r.version)"
        // A module replaced by another module is that module; a local directory keeps the name.
        if !r.version.isEmpty {
          name = r.path
          version = r.version
          sum = r.sum
        }
      }
      if version.isEmpty {
        result.diagnostics.append(
          BinaryCatalogerSupport.diagnostic(
            .info, "go-binary.no-version", "dependency \(name) has no version", source: id,
            path: path,
            resolver: resolver))
      }
      packages.append(
        package(
          name: name, version: version,
          purl: BinaryCatalogerSupport.golangPURL(path: name, version: version), sum: sum,
          replacedBy: replacedBy, withSettings: false))
    }
    let container = mainPackage?.id ?? path
    for p in packages where p.id != mainPackage?.id {
      result.relationships.append(Relationship(from: container, to: p.id, kind: .contains))
    }
    result.packages += packages
  }
}
