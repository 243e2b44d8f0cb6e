import ByteFormats
import FileTrees
import TailguardModel

/// Debian and Ubuntu packages from dpkg's database: `var/lib/dpkg/status`, and the distroless
/// form `var/lib/dpkg/status.d/<package>` (one file per package, no dpkg binary in the image).
///
/// Only installed packages are reported (`Status: … installed`, which `dpkg-query -W` shows as
/// `ii`, or `hi` when held): a package removed with its config files kept (`rc`) has no code on
/// disk to be vulnerable. Skipped paragraphs become info diagnostics. The source package
/// (`Source: name (version)`) is kept because Debian and Ubuntu advisories are keyed by it.
public struct DpkgCataloger: Cataloger {
  public static let statusPath = "var/lib/dpkg/status"
  public static let statusDirectory = "var/lib/dpkg/status.d/"
  public static let infoDirectory = "var/lib/dpkg/info/"

  /// Control files that distroless images keep next to the package paragraphs in `status.d`.
  static let statusDSidecarSuffixes = [
    ".md5sums", ".conffiles", ".preinst", ".postinst", ".prerm", ".postrm", ".list", ".triggers",
    ".shlibs", ".symbols", ".templates", ".config",
  ]
  /// Most paths read from one `info/*.list` file.
  static let maxFilesPerPackage = 500_000

  /// Resolvers look selectors up by value, so the one declared and the one queried must be the same.
  static let statusDSelector = FileSelector(.directory(statusDirectory), maxSize: 16 << 20)

  public let id = "dpkg"
  public var limits: DpkgControlParser.Limits

  public init(limits: DpkgControlParser.Limits = DpkgControlParser.Limits()) {
    self.limits = limits
  }

  public var selectors: [FileSelector] {
    [
      FileSelector(.path(Self.statusPath), maxSize: 256 << 20),
      Self.statusDSelector,
      FileSelector(.suffix(".list"), maxSize: 64 << 20),
    ]
  }

  /// One installed package read from a paragraph, before it becomes a `Package`.
  struct Record: Hashable {
    var name: String
    var version: String
    var architecture: String?
    var sourceName: String
    var sourceVersion: String
    var maintainer: String?
    var installedSize: Int?
    var status: String?
    var path: String
    var line: Int

    var key: String { "\(name)\t\(version)\t\(architecture ?? "")" }
  }

  public func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult {
    var diagnostics: [Diagnostic] = []
    var records: [Record] = []
    var introduced: [String: [String: Int]] = [:]  // path → record key → layer index

    var databases: [(path: String, distroless: Bool)] = []
    if resolver.contents(at: Self.statusPath) != nil { databases.append((Self.statusPath, false)) }
    for path in resolver.paths(
      matching: Self.statusDSelector)
    {
      let base = path.split(separator: "/").last.map(String.init) ?? path
      if Self.statusDSidecarSuffixes.contains(where: { base.hasSuffix($0) }) || base.hasPrefix(".")
      {
        continue
      }
      databases.append((path, true))
    }

    for (path, distroless) in databases {
      guard let source = resolver.contents(at: path) else { continue }
      let bytes: [UInt8]
      do {
        bytes = try source.readAll(limit: 256 << 20)
      } catch {
        diagnostics.append(
          Diagnostic(
            .error, code: "dpkg.unreadable", "cannot read: \(error)", source: id, path: path))
        continue
      }
      let (found, problems) = parseRecords(in: bytes, path: path, distroless: distroless)
      records += found
      diagnostics += problems
      introduced[path] = DistroLayerAttribution.introductions(
        history: resolver.history(of: path), latest: Set(found.map(\.key))
      ) {
        (source: any ByteSource) -> Set<String>? in
        guard let bytes = try? source.readAll(limit: 256 << 20) else { return nil }
        return Set(
          self.parseRecords(in: bytes, path: path, distroless: distroless).records.map(\.key))
      }
    }

    var seen = Set<String>()
    var packages: [Package] = []
    for record in records {
      guard seen.insert(record.key).inserted else {
        diagnostics.append(
          Diagnostic(
            .info, code: "dpkg.duplicate",
            "package \(record.name) \(record.version) is listed more than once; kept the first",
            source: id, path: record.path, line: record.line))
        continue
      }
      var (files, listPath, fileProblems) = ownedFiles(of: record, resolver: resolver)
      diagnostics += fileProblems
      files.sort()
      var locations = [resolver.location(of: record.path)]
      if let listPath { locations.append(resolver.location(of: listPath)) }
      var package = Package(
        name: record.name, version: record.version, ecosystem: .deb,
        purl: purl(for: record, distro: context.distro), locations: locations,
        source: SourcePackage(name: record.sourceName, version: record.sourceVersion), foundBy: id,
        metadata: .dpkg(
          DpkgMetadata(
            architecture: record.architecture, maintainer: record.maintainer,
            installedSize: record.installedSize, status: record.status, files: files)))
      DistroLayerAttribution.attribute(
        &package, layerIndex: introduced[record.path]?[record.key], resolver: resolver)
      packages.append(package)
    }
    packages.sort()
    return CatalogResult(packages: packages, diagnostics: diagnostics)
  }

  /// Installed packages of one database file, with diagnostics for the paragraphs left out.
  func parseRecords(in bytes: [UInt8], path: String, distroless: Bool) -> (
    records: [Record], diagnostics: [Diagnostic]
  ) {
    let (stanzas, parseProblems) = DpkgControlParser(limits: limits).parse(
      bytes, path: path, source: id)
    var diagnostics = parseProblems
    var records: [Record] = []
    for stanza in stanzas {
      guard let name = stanza["Package"], !name.isEmpty else {
        diagnostics.append(
          Diagnostic(
            .warning, code: "dpkg.missing-field", "paragraph has no Package field; skipped",
            source: id, path: path, line: stanza.line))
        continue
      }
      let status = stanza["Status"]
      if let status {
        let words = status.split(separator: " ")
        guard words.count == 3, words[2] == "installed" else {
          diagnostics.append(
            Diagnostic(
              .info, code: "dpkg.not-installed",
              "package \(name) has status '\(status)'; not reported as installed",
              source: id, path: path, line: stanza.line))
          continue
        }
      } else if !distroless {
        // Distroless status.d files list only installed packages and often omit Status.
        diagnostics.append(
          Diagnostic(
            .warning, code: "dpkg.missing-field", "package \(name) has no Status field; skipped",
            source: id, path: path, line: stanza.line))
        continue
      }
      guard let version = stanza["Version"], !version.isEmpty else {
        diagnostics.append(
          Diagnostic(
            .warning, code: "dpkg.missing-field", "package \(name) has no Version field; skipped",
            source: id, path: path, line: stanza.line))
        continue
      }
      var sourceName = name
      var sourceVersion = version
      if let sourceField = stanza["Source"], !sourceField.isEmpty {
        // `Source: name` or `Source: name (version)` when the binary version differs (binNMU, …).
        if let open = sourceField.firstIndex(of: "(") {
          sourceName = DpkgControlParser.trim(String(sourceField[..<open]))
          let rest = sourceField[sourceField.index(after: open)...]
          let inner = rest.firstIndex(of: ")").map { rest[..<$0] } ?? rest
          let v = DpkgControlParser.trim(String(inner))
          if !v.isEmpty { sourceVersion = v }
        } else {
          sourceName = DpkgControlParser.trim(sourceField)
        }
        if sourceName.isEmpty { sourceName = name }
      }
      let installedSize = stanza["Installed-Size"].flatMap {
        Int(String($0.prefix { $0.isNumber }))
      }
      records.append(
        Record(
          name: name, version: version, architecture: stanza["Architecture"],
          sourceName: sourceName,
          sourceVersion: sourceVersion, maintainer: stanza["Maintainer"],
          installedSize: installedSize,
          status: status, path: path, line: stanza.line))
    }
    return (records, diagnostics)
  }

  /// Paths from `info/<name>:<arch>.list` (multi-arch) or `info/<name>.list`.
  func ownedFiles(of record: Record, resolver: any FileResolver) -> (
    [String], String?, [Diagnostic]
  ) {
    var candidates: [String] = []
    if let arch = record.architecture, !arch.isEmpty {
      candidates.append(Self.infoDirectory + record.name + ":" + arch + ".list")
    }
    candidates.append(Self.infoDirectory + record.name + ".list")
    for path in candidates {
      guard let source = resolver.contents(at: path) else { continue }
      let bytes: [UInt8]
      do {
        bytes = try source.readAll(limit: 64 << 20)
      } catch {
        return (
          [], path,
          [
            Diagnostic(
              .warning, code: "dpkg.unreadable", "cannot read file list: \(error)", source: id,
              path: path)
          ]
        )
      }
      var files: [String] = []
      var diagnostics: [Diagnostic] = []
      for var line in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
        if line.last == 0x0D { line = line.dropLast() }
        while line.first == 0x2F { line = line.dropFirst() }  // leading "/"
        if line.isEmpty || (line.count == 1 && line.first == 0x2E) { continue }  // "" or "."
        if files.count >= Self.maxFilesPerPackage {
          diagnostics.append(
            Diagnostic(
              .warning, code: "dpkg.limit",
              "more than \(Self.maxFilesPerPackage) files listed; the rest are ignored", source: id,
              path: path))
          break
        }
        files.append(String(decoding: line, as: UTF8.self))
      }
      return (files, path, diagnostics)
    }
    return ([], nil, [])
  }

  /// `pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-12[&upstream=SRC[@SRCVERSION]]`.
  func purl(for record: Record, distro: Distro?) -> PackageURL {
    var qualifiers: [String: String] = [:]
    if let arch = record.architecture { qualifiers["arch"] = arch }
    if let distro { qualifiers["distro"] = distro.purlQualifier }
    if record.sourceName != record.name || record.sourceVersion != record.version {
      qualifiers["upstream"] =
        record.sourceVersion == record.version
        ? record.sourceName : "\(record.sourceName)@\(record.sourceVersion)"
    }
    let namespace = distro.map(\.id).flatMap { $0.isEmpty ? nil : $0 } ?? "debian"
    return PackageURL(
      type: "deb", namespace: namespace, name: record.name, version: record.version,
      qualifiers: qualifiers)
  }
}
