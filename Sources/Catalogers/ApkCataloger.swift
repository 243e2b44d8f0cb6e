import ByteFormats
import FileTrees
import TailguardModel

/// Alpine, Wolfi and Chainguard packages from apk's installed database.
/// The origin (`o:`) is the source package that Alpine's secdb keys advisories by.
public struct ApkCataloger: Cataloger {
  public static let databasePath = "lib/apk/db/installed"
  /// Where a usr-merged apk-tools 3 layout keeps the same database (`lib/apk/db` may then be a
  /// symlink to it, and the walk captures files by their real path).
  public static let mergedDatabasePath = "usr/lib/apk/db/installed"

  public let id = "apk"
  public var limits: ApkInstalledParser.Limits

  public init(limits: ApkInstalledParser.Limits = ApkInstalledParser.Limits()) {
    self.limits = limits
  }

  public var selectors: [FileSelector] {
    [Self.databasePath, Self.mergedDatabasePath].map { FileSelector(.path($0), maxSize: 256 << 20) }
  }

  public func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult {
    var result = CatalogResult()
    var seenDatabases = Set<String>()
    for path in [Self.databasePath, Self.mergedDatabasePath] {
      guard resolver.contents(at: path) != nil else { continue }
      // With lib/apk/db → ../../usr/lib/apk/db both names are one file.
      let real = resolver.resolve(path) ?? path
      guard seenDatabases.insert(real).inserted else { continue }
      // Read and locate by the real path: that is where the layers wrote the file.
      let found = catalog(path: real, resolver, context: context)
      result.packages += found.packages
      result.diagnostics += found.diagnostics
    }
    result.packages.sort()
    return result
  }

  func catalog(path: String, _ resolver: any FileResolver, context: CatalogContext) -> CatalogResult
  {
    guard let source = resolver.contents(at: path) else { return CatalogResult() }
    let bytes: [UInt8]
    do {
      bytes = try source.readAll(limit: 256 << 20)
    } catch {
      return CatalogResult(diagnostics: [
        Diagnostic(.error, code: "apk.unreadable", "cannot read: \(error)", source: id, path: path)
      ])
    }
    let parser = ApkInstalledParser(limits: limits)
    let (records, problems) = parser.parse(bytes, path: path, source: id)
    var diagnostics = problems
    let introduced = DistroLayerAttribution.introductions(
      history: resolver.history(of: path), latest: Set(records.map { "\($0.name)\t\($0.version)" })
    ) {
      (source: any ByteSource) -> Set<String>? in
      guard let bytes = try? source.readAll(limit: 256 << 20) else { return nil }
      return Set(
        parser.parse(bytes, path: path, source: id).records.map { "\($0.name)\t\($0.version)" })
    }

    var seen = Set<String>()
    var packages: [Package] = []
    let location = resolver.location(of: path)
    for record in records {
      let key = "\(record.name)\t\(record.version)"
      guard seen.insert(key).inserted else {
        diagnostics.append(
          Diagnostic(
            .info, code: "apk.duplicate",
            "package \(record.name) \(record.version) is listed more than once; kept the first",
            source: id, path: path, line: record.line))
        continue
      }
      let origin = record.origin.flatMap { $0.isEmpty ? nil : $0 }
      var package = Package(
        name: record.name, version: record.version, ecosystem: .apk,
        purl: purl(for: record, distro: context.distro),
        licenses: record.license.map { [$0] } ?? [], locations: [location],
        source: SourcePackage(name: origin ?? record.name, version: record.version), foundBy: id,
        metadata: .apk(
          ApkMetadata(
            architecture: record.architecture, origin: origin, maintainer: record.maintainer,
            url: record.url,
            commit: record.commit, files: record.files.sorted())))
      DistroLayerAttribution.attribute(&package, layerIndex: introduced[key], resolver: resolver)
      packages.append(package)
    }
    packages.sort()
    return CatalogResult(packages: packages, diagnostics: diagnostics)
  }

  /// `pkg:apk/alpine/NAME@VERSION?arch=ARCH&distro=alpine-3.19.1[&upstream=ORIGIN]`.
  func purl(for record: ApkRecord, distro: Distro?) -> PackageURL {
    var qualifiers: [String: String] = [:]
    if let arch = record.architecture { qualifiers["arch"] = arch }
    if let distro { qualifiers["distro"] = distro.purlQualifier }
    if let origin = record.origin, !origin.isEmpty, origin != record.name {
      qualifiers["upstream"] = origin
    }
    let namespace = distro.map(\.id).flatMap { $0.isEmpty ? nil : $0 } ?? "alpine"
    return PackageURL(
      type: "apk", namespace: namespace, name: record.name, version: record.version,
      qualifiers: qualifiers)
  }
}
