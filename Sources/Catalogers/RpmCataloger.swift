import ByteFormats
import FileTrees
import TailguardModel

/// Red Hat family and SUSE packages from rpm's database, in any of its three forms (sqlite,
/// Berkeley DB hash, ndb) and in each directory rpm has used for it.
///
/// Versions follow `rpm -qa`: `version-release`, with `epoch:` in front only when the header
/// sets an epoch. The source rpm (`SOURCERPM`, `name-version-release.src.rpm`) gives the source
/// package, which Red Hat's and SUSE's advisories are keyed by.
public struct RpmCataloger: Cataloger {
  /// Where rpm keeps its database: classic, rpm ≥ 4.16 (`/usr/lib/sysimage`), and some
  /// minimal images (`/usr/share/rpm`).
  public static let directories = ["var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"]
  /// Largest database file captured (big RHEL images have Berkeley DB `Packages` files of a few hundred MiB).
  public static let maxDatabaseSize: Int64 = 2 << 30

  public let id = "rpm"
  public var headerLimits: RpmHeader.Limits

  public init(headerLimits: RpmHeader.Limits = RpmHeader.Limits()) {
    self.headerLimits = headerLimits
  }

  public var selectors: [FileSelector] {
    Self.directories.flatMap { dir in
      RpmDatabaseFormat.allCases.map {
        FileSelector(.path(dir + $0.fileName), maxSize: Self.maxDatabaseSize)
      }
        + [FileSelector(.path(dir + "rpmdb.sqlite-wal"), maxSize: Self.maxDatabaseSize)]
    }
  }

  public func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult {
    var diagnostics: [Diagnostic] = []
    var packages: [Package] = []
    var seenDatabases = Set<String>()
    var seenPackages: [String: Int] = [:]  // key → index in packages

    for dir in Self.directories {
      // rpm reads one backend per directory; prefer the newest form when several are present.
      let present = RpmDatabaseFormat.allCases.filter {
        resolver.contents(at: dir + $0.fileName) != nil
      }
      guard let format = present.first else { continue }
      let path = dir + format.fileName
      // A symlinked directory (var/lib/rpm → ../../usr/lib/sysimage/rpm) is the same database.
      let real = resolver.resolve(path) ?? path
      guard seenDatabases.insert(real).inserted else { continue }
      for ignored in present.dropFirst() {
        diagnostics.append(
          Diagnostic(
            .info, code: "rpm.ignored-database",
            "\(ignored.fileName) ignored: \(format.fileName) in the same directory is read instead",
            source: id, path: dir + ignored.fileName))
      }
      guard let source = resolver.contents(at: path) else { continue }
      let walPath = dir + "rpmdb.sqlite-wal"
      let wal = format == .sqlite ? resolver.contents(at: walPath) : nil

      let (infos, problems) = read(format: format, source: source, wal: wal, path: path)
      diagnostics += problems
      if infos.isEmpty && problems.isEmpty {
        diagnostics.append(
          Diagnostic(
            .info, code: "rpm.empty", "rpm database lists no packages", source: id, path: path))
      }
      let introduced = DistroLayerAttribution.introductions(
        history: resolver.history(of: real), latest: Set(infos.map(Self.key))
      ) { contents in
        Self.identityKeys(format: format, source: contents)
      }
      // The real path: that is where a layer wrote the file (var/lib/rpm is often a symlink).
      let location = resolver.location(of: real)
      for info in infos {
        let key = Self.key(info)
        if let existing = seenPackages[key] {
          if !packages[existing].locations.contains(location) {
            packages[existing].locations.append(location)
          }
          continue
        }
        var package = makePackage(info, location: location, distro: context.distro)
        DistroLayerAttribution.attribute(&package, layerIndex: introduced[key], resolver: resolver)
        seenPackages[key] = packages.count
        packages.append(package)
      }
    }
    packages.sort()
    return CatalogResult(packages: packages, diagnostics: diagnostics)
  }

  /// Package keys of an older version of a database, reading only the identity tags of each
  /// header (no file lists): attribution reads every version a layer wrote.
  static func identityKeys(format: RpmDatabaseFormat, source: any ByteSource) -> Set<String>? {
    guard let (blobs, _) = try? RpmDatabaseReader.headerBlobs(format: format, source: source) else {
      return nil
    }
    var keys = Set<String>()
    for (_, blob) in blobs {
      guard let header = try? RpmHeader(parsing: blob), let name = header.string(RpmTag.name),
        let version = header.string(RpmTag.version), let release = header.string(RpmTag.release)
      else { continue }
      let info = RpmPackageInfo(
        name: name, epoch: header.integer(RpmTag.epoch).flatMap { Int(exactly: $0) },
        version: version, release: release,
        architecture: header.string(RpmTag.arch))
      keys.insert(key(info))
    }
    return keys.isEmpty ? nil : keys
  }

  static func key(_ info: RpmPackageInfo) -> String {
    "\(info.name)\t\(info.evr)\t\(info.architecture ?? "")"
  }

  /// Every readable package of one database; each unreadable record is a diagnostic.
  func read(
    format: RpmDatabaseFormat, source: any ByteSource, wal: (any ByteSource)?, path: String
  ) -> ([RpmPackageInfo], [Diagnostic]) {
    let blobs: [(instance: UInt32, blob: [UInt8])]
    let problems: [ByteFormatError]
    do {
      (blobs, problems) = try RpmDatabaseReader.headerBlobs(
        format: format, source: source, wal: wal)
    } catch {
      return (
        [],
        [
          Diagnostic(
            .error, code: "rpm.unreadable-database",
            "cannot read \(format.rawValue) rpm database: \(error)", source: id, path: path)
        ]
      )
    }
    var diagnostics = problems.prefix(100).map {
      Diagnostic(.warning, code: "rpm.bad-record", "\($0)", source: id, path: path)
    }
    var infos: [RpmPackageInfo] = []
    infos.reserveCapacity(blobs.count)
    for (instance, blob) in blobs {
      do {
        let info = try RpmPackageInfo(parsing: blob, limits: headerLimits)
        if let problem = info.fileTableProblem, diagnostics.count < 200 {
          diagnostics.append(
            Diagnostic(
              .warning, code: "rpm.bad-file-table", "header instance \(instance): \(problem)",
              source: id, path: path))
        }
        infos.append(info)
      } catch {
        if diagnostics.count < 200 {
          diagnostics.append(
            Diagnostic(
              .warning, code: "rpm.bad-header", "header instance \(instance): \(error)", source: id,
              path: path))
        }
      }
    }
    return (infos, diagnostics)
  }

  func makePackage(_ info: RpmPackageInfo, location: Location, distro: Distro?) -> Package {
    var qualifiers: [String: String] = [:]
    if let arch = info.architecture { qualifiers["arch"] = arch }
    if let epoch = info.epoch { qualifiers["epoch"] = String(epoch) }
    if let distro { qualifiers["distro"] = distro.purlQualifier }
    let namespace = distro?.rpmNamespace ?? DistroVendorNamespace.rpmNamespace(vendor: info.vendor)
    let purl = PackageURL(
      type: "rpm", namespace: namespace, name: info.name,
      version: info.version + "-" + info.release,
      qualifiers: qualifiers)
    let source = info.sourcePackage.map {
      SourcePackage(
        name: $0.name, version: (info.epoch.map { "\($0):" } ?? "") + $0.version + "-" + $0.release)
    }
    return Package(
      name: info.name, version: info.evr, ecosystem: .rpm, purl: purl,
      licenses: info.license.flatMap { $0.isEmpty ? nil : [$0] } ?? [], locations: [location],
      source: source,
      foundBy: id,
      metadata: .rpm(
        RpmMetadata(
          epoch: info.epoch, version: info.version, release: info.release,
          architecture: info.architecture,
          sourceRpm: info.sourceRpm, vendor: info.vendor, modularityLabel: info.modularityLabel,
          files: info.files.sorted())))
  }
}
