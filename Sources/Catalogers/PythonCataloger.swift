import ByteFormats
import FileTrees
import Foundation
import TailguardModel

/// Installed Python distributions: `*.dist-info/METADATA` (+ `RECORD` for the file list),
/// `*.egg-info/PKG-INFO` (+ `installed-files.txt`), `*.egg-info` files, `EGG-INFO/PKG-INFO` in
/// egg directories, and zipped `.egg` files. Names are normalised per PEP 503 in the purl.
public struct PythonCataloger: Cataloger {
  public let id = "python"

  /// Bounds for zipped eggs.
  public var maxEggSize: Int64
  public var maxRecordSize: Int

  public init(maxEggSize: Int64 = 64 << 20, maxRecordSize: Int = 16 << 20) {
    self.maxEggSize = maxEggSize
    self.maxRecordSize = maxRecordSize
  }

  static let metadataSuffixes = ["dist-info/METADATA", "DIST-INFO/METADATA"]
  static let pkgInfoSuffixes = ["egg-info/PKG-INFO", "EGG-INFO/PKG-INFO"]
  static let auxiliarySuffixes = [
    "dist-info/RECORD", "DIST-INFO/RECORD", "egg-info/RECORD", "EGG-INFO/RECORD",
    "egg-info/installed-files.txt",
  ]

  public var selectors: [FileSelector] {
    (Self.metadataSuffixes + Self.pkgInfoSuffixes + Self.auxiliarySuffixes).map {
      FileSelector(.suffix($0))
    }
      + [
        FileSelector(.suffix(".egg-info")),
        FileSelector(.suffix(".egg"), magic: [FileSelector.zipMagic], maxSize: maxEggSize),
      ]
  }

  public func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult {
    var result = CatalogResult()
    var seen = Set<String>()
    let selectors = self.selectors
    // Metadata files in dist-info / egg-info directories.
    for selector in selectors.prefix(Self.metadataSuffixes.count + Self.pkgInfoSuffixes.count) {
      for path in resolver.paths(matching: selector) where seen.insert(path).inserted {
        let format =
          Self.metadataSuffixes.contains { path.hasSuffix($0) } ? "dist-info" : "egg-info"
        catalogMetadataFile(path, format: format, resolver: resolver, into: &result)
      }
    }
    // `foo.egg-info` as a single file (distutils).
    for path in resolver.paths(matching: FileSelector(.suffix(".egg-info")))
    where seen.insert(path).inserted {
      catalogMetadataFile(path, format: "egg-info", resolver: resolver, into: &result)
    }
    // Zipped eggs.
    for path in resolver.paths(
      matching: FileSelector(.suffix(".egg"), magic: [FileSelector.zipMagic], maxSize: maxEggSize))
    where seen.insert(path).inserted {
      catalogEgg(path, resolver: resolver, into: &result)
    }
    result.packages.sort()
    return result
  }

  private func catalogMetadataFile(
    _ path: String, format: String, resolver: any FileResolver, into result: inout CatalogResult
  ) {
    let text: String?
    do {
      text = try BinaryCatalogerSupport.text(at: path, in: resolver)
    } catch {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .warning, "python.unreadable", "cannot read \(format) metadata: \(error)", source: id,
          path: path,
          resolver: resolver))
      return
    }
    guard let text else { return }
    let metadata = PythonMetadataParser(parsing: text)
    let directory = BinaryCatalogerSupport.parent(of: path)
    var files: [String] = []
    if !path.hasSuffix(".egg-info") {
      files = recordFiles(
        metadataDirectory: directory, format: format, resolver: resolver, result: &result)
    }
    if let package = makePackage(
      metadata, format: format, evidence: path, files: files, resolver: resolver, result: &result)
    {
      result.packages.append(package)
    }
  }

  private func catalogEgg(
    _ path: String, resolver: any FileResolver, into result: inout CatalogResult
  ) {
    guard let source = resolver.contents(at: path) else { return }
    do {
      let zip = try ZipArchive(source: source)
      guard let entry = zip.entry(named: "EGG-INFO/PKG-INFO") else {
        result.diagnostics.append(
          BinaryCatalogerSupport.diagnostic(
            .info, "python.egg-without-pkg-info", "egg has no EGG-INFO/PKG-INFO", source: id,
            path: path,
            resolver: resolver))
        return
      }
      let bytes = try zip.contents(
        of: entry, limits: .member(limit: Int64(BinaryCatalogerSupport.maxManifestSize)))
      let metadata = PythonMetadataParser(parsing: String(decoding: bytes, as: UTF8.self))
      if let package = makePackage(
        metadata, format: "egg", evidence: path, files: [], resolver: resolver, result: &result)
      {
        result.packages.append(package)
      }
    } catch {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .warning, "python.bad-egg", "cannot read egg: \(error)", source: id, path: path,
          resolver: resolver))
    }
  }

  /// Files from `RECORD` (dist-info; paths relative to the directory holding the dist-info) or
  /// `installed-files.txt` (egg-info; relative to the egg-info directory), as image paths.
  private func recordFiles(
    metadataDirectory: String, format: String, resolver: any FileResolver,
    result: inout CatalogResult
  ) -> [String] {
    let root = BinaryCatalogerSupport.parent(of: metadataDirectory)
    let candidates: [(String, String)] = [
      (metadataDirectory + "/RECORD", root),
      (metadataDirectory + "/installed-files.txt", metadataDirectory),
    ]
    for (recordPath, base) in candidates {
      guard resolver.entry(at: recordPath) != nil else { continue }
      do {
        guard
          let text = try BinaryCatalogerSupport.text(
            at: recordPath, in: resolver, limit: maxRecordSize)
        else {
          continue
        }
        var files: [String] = []
        for (lineNumber, line) in TextScanning.lines(text).enumerated() {
          let trimmed = String(TextScanning.trimWhitespaceAndNewlines(line))
          if trimmed.isEmpty { continue }
          guard let field = recordPath.hasSuffix("RECORD") ? Self.firstCSVField(trimmed) : trimmed,
            !field.isEmpty
          else {
            result.diagnostics.append(
              Diagnostic(
                .info, code: "python.bad-record-line", "RECORD line cannot be read", source: id,
                path: recordPath,
                line: lineNumber + 1))
            continue
          }
          files.append(BinaryCatalogerSupport.join(base, field))
        }
        return Array(Set(files)).sorted()
      } catch {
        result.diagnostics.append(
          BinaryCatalogerSupport.diagnostic(
            .warning, "python.unreadable", "cannot read \(recordPath): \(error)", source: id,
            path: recordPath,
            resolver: resolver))
      }
    }
    return []
  }

  /// The first field of a CSV line (RFC 4180 quoting, as Python's csv module writes RECORD).
  static func firstCSVField(_ line: String) -> String? {
    guard line.hasPrefix("\"") else {
      return line.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first.map(
        String.init)
    }
    var out = ""
    var chars = line.dropFirst()[...]
    while let c = chars.first {
      chars = chars.dropFirst()
      if c == "\"" {
        if chars.first == "\"" {
          out.append("\"")
          chars = chars.dropFirst()
        } else {
          return out
        }
      } else {
        out.append(c)
      }
    }
    return nil  // unterminated quote
  }

  private func makePackage(
    _ metadata: PythonMetadataParser, format: String, evidence: String, files: [String],
    resolver: any FileResolver,
    result: inout CatalogResult
  ) -> Package? {
    guard let name = metadata.first("Name"), !name.isEmpty else {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .warning, "python.missing-name", "\(format) metadata has no Name field; skipped",
          source: id,
          path: evidence, resolver: resolver))
      return nil
    }
    let version = metadata.first("Version") ?? ""
    if version.isEmpty {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .warning, "python.missing-version",
          "\(name) has no Version field; reported without a version",
          source: id, path: evidence, resolver: resolver))
    }
    let layer = BinaryCatalogerSupport.layer(of: evidence, in: resolver)
    var author = metadata.first("Author")
    if author?.isEmpty ?? true { author = metadata.first("Author-email") }
    var homepage = metadata.first("Home-page")
    if homepage?.isEmpty ?? true {
      homepage = metadata.all("Project-URL").first { $0.lowercased().hasPrefix("homepage") }
        .flatMap {
          $0.split(separator: ",", maxSplits: 1).last.map {
            String(TextScanning.trimWhitespace($0))
          }
        }
    }
    return Package(
      name: name, version: version, ecosystem: .pypi,
      purl: PackageURL(type: "pypi", name: PythonMetadataParser.normalize(name), version: version),
      licenses: metadata.licenses, locations: [resolver.location(of: evidence)], foundBy: id,
      introducedBy: layer.digest, introducedByIndex: layer.index,
      metadata: .python(
        PythonMetadata(
          format: format, summary: metadata.first("Summary").flatMap { $0.isEmpty ? nil : $0 },
          author: author.flatMap { $0.isEmpty ? nil : $0 },
          homepage: homepage.flatMap { $0.isEmpty ? nil : $0 },
          files: files)))
  }
}
