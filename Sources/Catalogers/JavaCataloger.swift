import ByteFormats
import FileTrees
import Foundation
import TailguardModel

/// Java archives (jar, war, ear, par, jpi, hpi): every `pom.properties` in the archive is a
/// package (shaded jars hold several); without one, `MANIFEST.MF` (Implementation-/Bundle-
/// fields); without either, the file name (`name-1.2.3.jar`), tagged as the weakest evidence.
/// Archives inside archives are read to a bounded depth, with a budget on inflated bytes per
/// top-level file, and each nested package is contained by its parent archive's package.
public struct JavaCataloger: Cataloger {
  public struct Limits: Hashable, Sendable {
    /// Archive nesting: the file in the image is depth 0.
    public var maxDepth: Int
    /// Largest nested archive inflated into memory.
    public var maxNestedArchive: Int64
    /// Inflated bytes per top-level archive, nested archives and manifests together.
    public var maxTotalInflated: Int64
    /// Most output bytes per compressed byte for any entry.
    public var maxRatio: Int64
    /// Most `pom.properties` read per archive.
    public var maxPomProperties: Int
    public init(
      maxDepth: Int = 8, maxNestedArchive: Int64 = 256 << 20, maxTotalInflated: Int64 = 1 << 30,
      maxRatio: Int64 = 200,
      maxPomProperties: Int = 2_000
    ) {
      self.maxDepth = maxDepth
      self.maxNestedArchive = maxNestedArchive
      self.maxTotalInflated = maxTotalInflated
      self.maxRatio = maxRatio
      self.maxPomProperties = maxPomProperties
    }
  }

  public let id = "java"
  public var limits: Limits
  public init(limits: Limits = Limits()) { self.limits = limits }

  public static let archiveExtensions = [".jar", ".war", ".ear", ".par", ".jpi", ".hpi"]

  /// Whether `name` ends with one of `archiveExtensions`, ignoring ASCII case. Checked for
  /// every entry of every archive (a fat jar has tens of thousands), so it looks at the last
  /// four bytes only instead of lowercasing the name.
  static func hasArchiveExtension(_ name: String) -> Bool {
    let tail = name.utf8.suffix(4)
    guard tail.count == 4 else { return false }
    let lowered = tail.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    return archiveExtensionBytes.contains(lowered)
  }

  static let archiveExtensionBytes = Set(archiveExtensions.map { Array($0.utf8) })

  public var selectors: [FileSelector] {
    Self.archiveExtensions.map {
      FileSelector(.suffix($0), magic: [FileSelector.zipMagic], maxSize: 2 << 30)
    }
  }

  public func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult {
    var result = CatalogResult()
    var seen = Set<String>()
    for selector in selectors {
      for path in resolver.paths(matching: selector) where seen.insert(path).inserted {
        guard let source = resolver.contents(at: path) else { continue }
        var walk = Walk(
          cataloger: self, resolver: resolver, imagePath: path,
          layer: BinaryCatalogerSupport.layer(of: path, in: resolver),
          location: resolver.location(of: path), budget: limits.maxTotalInflated)
        walk.archive(source, chain: [path], parent: nil, depth: 0)
        result.packages += walk.packages
        result.relationships += walk.relationships
        result.diagnostics += walk.diagnostics
      }
    }
    result.packages.sort()
    result.relationships = Array(Set(result.relationships)).sorted()
    return result
  }

  /// The state of reading one top-level archive and everything nested in it.
  struct Walk {
    let cataloger: JavaCataloger
    let resolver: any FileResolver
    let imagePath: String
    let layer: (digest: Digest?, index: Int?)
    let location: Location
    var budget: Int64
    var packages: [Package] = []
    var relationships: [Relationship] = []
    var diagnostics: [Diagnostic] = []

    var limits: Limits { cataloger.limits }

    mutating func note(
      _ level: Diagnostic.Level, _ code: String, _ message: String, chain: [String]
    ) {
      let context = chain.count > 1 ? " (in \(chain.dropFirst().joined(separator: " → ")))" : ""
      diagnostics.append(
        Diagnostic(
          level, code: code, message + context, source: cataloger.id, path: imagePath,
          layer: layer.digest))
    }

    /// Inflates an entry, charging the per-file budget.
    mutating func read(_ zip: ZipArchive, _ entry: ZipArchive.Entry, max: Int64, chain: [String])
      -> [UInt8]?
    {
      let cap = Swift.min(max, budget)
      guard cap > 0 else {
        note(
          .warning, "java.budget-exceeded",
          "inflated-bytes budget of \(limits.maxTotalInflated) used up; \(entry.name) not read",
          chain: chain)
        return nil
      }
      do {
        let bytes = try zip.contents(
          of: entry,
          limits: DecompressionLimits(
            maxOutput: cap, maxRatio: limits.maxRatio, ratioSlack: 1 << 20))
        budget -= Int64(bytes.count)
        return bytes
      } catch {
        let code =
          error.code != .limitExceeded
          ? "java.bad-entry" : cap < max ? "java.budget-exceeded" : "java.limit-exceeded"
        note(.warning, code, "cannot read \(entry.name): \(error)", chain: chain)
        return nil
      }
    }

    mutating func archive(_ source: any ByteSource, chain: [String], parent: String?, depth: Int) {
      let zip: ZipArchive
      do {
        zip = try ZipArchive(source: source)
      } catch {
        note(.warning, "java.bad-archive", "cannot read archive: \(error)", chain: chain)
        return
      }
      let fileName = BinaryCatalogerSupport.basename(of: chain.last ?? imagePath)
      let fromName = JavaArchiveText.nameAndVersion(fromFileName: fileName)
      var found: [Package] = []
      var coordinates = Set<String>()

      // pom.properties anywhere in the archive (Maven writes META-INF/maven/<g>/<a>/; shading
      // tools and some builds put them elsewhere).
      let poms = zip.entries.filter {
        !$0.isDirectory && ($0.name == "pom.properties" || $0.name.hasSuffix("/pom.properties"))
      }
      if poms.count > limits.maxPomProperties {
        note(
          .warning, "java.limit-exceeded",
          "\(poms.count) pom.properties; only the first \(limits.maxPomProperties) read",
          chain: chain)
      }
      for entry in poms.prefix(limits.maxPomProperties) {
        guard let bytes = read(zip, entry, max: 1 << 20, chain: chain) else { continue }
        let props = JavaArchiveText.properties(String(decoding: bytes, as: UTF8.self))
        guard let group = props["groupId"], let artifact = props["artifactId"],
          let version = props["version"],
          !group.isEmpty, !artifact.isEmpty, !version.isEmpty
        else {
          note(
            .info, "java.incomplete-pom-properties",
            "\(entry.name) lacks groupId, artifactId or version", chain: chain)
          continue
        }
        guard coordinates.insert("\(group):\(artifact):\(version)").inserted else { continue }
        var package = makePackage(
          group: group, artifact: artifact, version: version, evidence: "pom.properties",
          chain: chain)
        // The pom.xml Maven writes next to pom.properties may declare licenses.
        let pomXML = String(entry.name.dropLast("pom.properties".count)) + "pom.xml"
        if let xmlEntry = zip.entry(named: pomXML),
          let xml = read(zip, xmlEntry, max: 4 << 20, chain: chain)
        {
          package.licenses = JavaArchiveText.pomLicenses(String(decoding: xml, as: UTF8.self))
        }
        found.append(package)
      }

      if found.isEmpty {
        var manifest: [String: String] = [:]
        if let entry = zip.entry(named: "META-INF/MANIFEST.MF"),
          let bytes = read(zip, entry, max: 1 << 20, chain: chain)
        {
          manifest = JavaArchiveText.manifestMainSection(String(decoding: bytes, as: UTF8.self))
        }
        if let package = manifestPackage(manifest, fromName: fromName, chain: chain) {
          found.append(package)
        } else if let version = fromName.version {
          found.append(
            makePackage(
              group: nil, artifact: fromName.name, version: version, evidence: "filename",
              chain: chain))
        } else {
          note(
            .info, "java.no-identity", "no pom.properties, manifest version or versioned file name",
            chain: chain)
        }
      }

      // The archive's own package: the one named like the file, else the first.
      let own = found.first { ($0.metadata.javaArtifact ?? "") == fromName.name } ?? found.first
      let container = own?.id ?? parent ?? imagePath
      if let parent {
        for p in found {
          relationships.append(Relationship(from: parent, to: p.id, kind: .contains))
        }
      } else if let own {
        for p in found where p.id != own.id {
          relationships.append(Relationship(from: own.id, to: p.id, kind: .contains))
        }
      }
      packages += found

      // Nested archives.
      let nested = zip.entries.filter { e in
        !e.isDirectory && JavaCataloger.hasArchiveExtension(e.name)
      }
      guard !nested.isEmpty else { return }
      guard depth + 1 <= limits.maxDepth else {
        note(
          .warning, "java.nesting-too-deep",
          "\(nested.count) archives nested deeper than \(limits.maxDepth) levels not read",
          chain: chain)
        return
      }
      for entry in nested {
        guard let bytes = read(zip, entry, max: limits.maxNestedArchive, chain: chain) else {
          continue
        }
        guard
          bytes.starts(with: FileSelector.zipMagic) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06])
        else {
          note(.info, "java.not-a-zip", "\(entry.name) is not a zip archive", chain: chain)
          continue
        }
        archive(
          MemoryByteSource(bytes), chain: chain + [entry.name], parent: container, depth: depth + 1)
      }
    }

    func manifestPackage(
      _ m: [String: String], fromName: (name: String, version: String?), chain: [String]
    ) -> Package? {
      func field(_ keys: String...) -> String? {
        for k in keys { if let v = m[k], !v.isEmpty { return v } }
        return nil
      }
      guard let version = field("implementation-version", "bundle-version", "specification-version")
      else { return nil }
      var symbolic = field("bundle-symbolicname")
      if let s = symbolic, let semi = s.firstIndex(of: ";") {
        symbolic = String(s[..<semi]).trimmingCharacters(in: .whitespaces)
      }
      let title = field("implementation-title", "specification-title")
      // A versioned file name is the best artifact name; else the bundle's last name segment
      // (`org.springframework.core` → group `org.springframework`, artifact `core`), else the title.
      let symbolicLast = symbolic.flatMap { $0.split(separator: ".").last.map(String.init) }
      var artifact =
        fromName.version != nil ? fromName.name : (symbolicLast ?? title ?? fromName.name)
      if artifact.isEmpty { artifact = fromName.name }
      var group = field("implementation-vendor-id", "automatic-module-name")
      if group == nil, let s = symbolic, let dot = s.lastIndex(of: "."), s.contains(".") {
        group = String(s[..<dot])
      }
      var package = makePackage(
        group: group, artifact: artifact, version: version, evidence: "MANIFEST.MF", chain: chain)
      var licenses: [String] = []
      if let license = field("bundle-license") {
        licenses += license.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
          .filter { !$0.isEmpty }
      }
      // Jenkins plugins: Plugin-License-Name, Plugin-License-Name-2, …
      licenses += m.filter { $0.key.hasPrefix("plugin-license-name") && !$0.value.isEmpty }.sorted {
        $0.key < $1.key
      }
      .map(\.value)
      package.licenses = licenses
      return package
    }

    func makePackage(
      group: String?, artifact: String, version: String, evidence: String, chain: [String]
    ) -> Package {
      let purl = PackageURL(type: "maven", namespace: group, name: artifact, version: version)
      // Two copies of one jar inside different archives are different packages.
      let id = Package.makeID(purl: purl, firstLocation: chain.joined(separator: "!/"))
      return Package(
        name: group.map { "\($0):\(artifact)" } ?? artifact, version: version, ecosystem: .maven,
        purl: purl,
        locations: [location], foundBy: cataloger.id, introducedBy: layer.digest,
        introducedByIndex: layer.index,
        metadata: .java(
          JavaMetadata(groupID: group, artifactID: artifact, archivePath: chain, evidence: evidence)
        ), id: id)
    }
  }
}

extension PackageMetadata {
  fileprivate var javaArtifact: String? {
    if case .java(let j) = self { return j.artifactID }
    return nil
  }
}
