import Foundation
import TailguardModel

/// Reads CycloneDX (1.2–1.6 JSON) and SPDX (2.2/2.3 JSON) documents — ours and other tools'
/// (syft, trivy, cdxgen…) — into a `SoftwareBOM`, so an imported SBOM is matched exactly like a
/// scanned image. Components without a purl are kept as `generic` packages with a diagnostic.
public struct SBOMReader: Sendable {
  /// Largest document accepted (hostile input: bound memory before parsing).
  public var maxBytes: Int
  public var maxComponents: Int
  /// Most JSON values (objects, arrays, strings, numbers, literals) in a document: what bounds
  /// the memory of parsing it (see `JSONShape`); about 1 GiB at the limit.
  public var maxJSONValues: Int
  /// Deepest nesting of objects and arrays.
  public var maxDepth: Int
  public init(
    maxBytes: Int = 128 << 20, maxComponents: Int = 200_000, maxJSONValues: Int = 3_000_000,
    maxDepth: Int = 256
  ) {
    self.maxBytes = maxBytes
    self.maxComponents = maxComponents
    self.maxJSONValues = maxJSONValues
    self.maxDepth = maxDepth
  }

  public enum Format: String, Sendable { case cyclonedx, spdx }

  public func read(path: String) throws(SBOMFormatError) -> SoftwareBOM {
    guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
      let size = (attrs[.size] as? NSNumber)?.intValue
    else { throw SBOMFormatError(.malformed, "cannot read SBOM file \(path)") }
    guard size <= maxBytes else {
      throw SBOMFormatError(
        .tooLarge, "\(path): \(size) bytes exceeds the SBOM size limit of \(maxBytes)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SBOMFormatError(.malformed, "cannot read SBOM file \(path)")
    }
    return try read(data: data, name: path)
  }

  public func read(data: Data, name: String) throws(SBOMFormatError) -> SoftwareBOM {
    guard data.count <= maxBytes else {
      throw SBOMFormatError(.tooLarge, "\(name): \(data.count) bytes exceeds the SBOM size limit")
    }
    let shape = JSONShape.scan(data, maxValues: maxJSONValues, maxDepth: maxDepth)
    if shape.values > maxJSONValues {
      throw SBOMFormatError(
        .tooLarge, "\(name): more than \(maxJSONValues) JSON values exceeds the SBOM limit")
    }
    if shape.depth > maxDepth {
      throw SBOMFormatError(
        .tooLarge, "\(name): JSON nested deeper than \(maxDepth) levels exceeds the SBOM limit")
    }
    let document: SBOMInputDocument
    do {
      document = try JSONDecoder().decode(SBOMInputDocument.self, from: data)
    } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
      throw SBOMFormatError(.unknownFormat, "\(name): top level is not a JSON object")
    } catch {
      throw SBOMFormatError(
        .unknownFormat,
        "\(name) is not a JSON SBOM (CycloneDX or SPDX JSON expected): \(error.localizedDescription)"
      )
    }
    switch document {
    case .cyclonedx(let doc): return try readCycloneDX(doc, name: name)
    case .spdx(let v, let doc):
      guard v.hasPrefix("SPDX-2.") else {
        throw SBOMFormatError(.unsupportedVersion, "\(name): \(v) is not supported (SPDX 2.x JSON)")
      }
      return try readSPDX(doc, name: name)
    case .unknown:
      throw SBOMFormatError(
        .unknownFormat, "\(name): neither CycloneDX (bomFormat) nor SPDX (spdxVersion)")
    }
  }

  // MARK: CycloneDX

  func readCycloneDX(_ doc: CycloneDXInput, name: String) throws(SBOMFormatError) -> SoftwareBOM {
    var diagnostics: [Diagnostic] = []
    let root = doc.metadata?.component
    let rootRef = root?.bomRef
    var image = ImageMetadata(target: "sbom:\(name)", sourceKind: "sbom")
    if let rootName = root?.name { image.reference = rootName }
    if let v = root?.version, let d = try? Digest(parsing: v) {
      image.manifestDigest = d
    }
    let rootProps = root?.namedProperties ?? []
    if let p = rootProps.first(where: { $0.0 == "tailguard:image:platform" }) {
      image.platform = try? Platform(parsing: p.1)
    }
    var layers: [Int: LayerInfo] = [:]
    for (key, value) in rootProps where key.hasPrefix("tailguard:image:layer:") {
      let parts = key.split(separator: ":")
      guard parts.count == 5, let index = Int(parts[3]), (0..<10_000).contains(index) else {
        continue
      }
      if parts[4] == "digest", let d = try? Digest(parsing: value) {
        layers[index] = LayerInfo(
          index: index, digest: d, mediaType: "", compression: .none, size: 0,
          createdBy: layers[index]?.createdBy)
      } else if parts[4] == "createdBy" {
        layers[index]?.createdBy = value
      }
    }
    image.layers = layers.keys.sorted().compactMap { layers[$0] }

    var packages: [Package] = []
    var distro: Distro?
    var refToID: [String: String] = [:]
    // Components may nest (`components` inside a component); walk them iteratively with a bound.
    var queue: [CycloneDXInput.Component] = doc.components ?? []
    var index = 0
    while index < queue.count {
      let comp = queue[index]
      index += 1
      if queue.count > maxComponents {
        // A partial inventory would under-report silently: refuse the document instead.
        throw SBOMFormatError(
          .tooLarge, "\(name): more than \(maxComponents) components exceeds the limit")
      }
      if let nested = comp.components { queue.append(contentsOf: nested) }
      let type = comp.type ?? "library"
      let compName = comp.name ?? ""
      if type == "operating-system" {
        distro = Distro(
          id: compName.lowercased(), versionID: comp.version, prettyName: comp.description)
        continue
      }
      guard type == "library" || type == "framework" || type == "application" || type == "file"
      else { continue }
      let licenses = (comp.licenses ?? []).compactMap { entry -> String? in
        entry.expression ?? entry.license?.id ?? entry.license?.name
      }
      guard
        let pkg = makePackage(
          name: compName, version: comp.version ?? "", purlText: comp.purl, licenses: licenses,
          properties: comp.namedProperties,
          documentName: name, diagnostics: &diagnostics)
      else { continue }
      if let ref = comp.bomRef { refToID[ref] = pkg.id }
      if distro == nil, let d = Self.distro(fromPurl: pkg.purl) { distro = d }
      packages.append(pkg)
    }
    var relationships: [Relationship] = []
    for dep in doc.dependencies ?? [] {
      guard let ref = dep.ref else { continue }
      let from = ref == rootRef ? Relationship.imageRootID : refToID[ref]
      guard let from else { continue }
      for target in dep.dependsOn ?? [] {
        guard let to = refToID[target] else { continue }
        relationships.append(
          Relationship(
            from: from, to: to, kind: from == Relationship.imageRootID ? .contains : .dependsOn))
      }
    }
    var bom = SoftwareBOM(
      image: image, distro: distro, packages: packages, relationships: relationships,
      diagnostics: diagnostics)
    bom.normalize()
    return bom
  }

  // MARK: SPDX

  func readSPDX(_ doc: SPDXInput, name: String) throws(SBOMFormatError) -> SoftwareBOM {
    var diagnostics: [Diagnostic] = []
    var image = ImageMetadata(target: "sbom:\(name)", sourceKind: "sbom")
    image.reference = doc.name
    let relationshipsRaw = doc.relationships ?? []
    var describedIDs = Set(doc.documentDescribes ?? [])
    for r in relationshipsRaw where r.relationshipType == "DESCRIBES" {
      if let id = r.relatedSpdxElement { describedIDs.insert(id) }
    }
    var packages: [Package] = []
    var distro: Distro?
    var idMap: [String: String] = [:]
    let rawPackages = doc.packages ?? []
    if rawPackages.count > maxComponents {
      throw SBOMFormatError(
        .tooLarge, "\(name): \(rawPackages.count) packages exceeds the limit of \(maxComponents)")
    }
    for raw in rawPackages {
      let spdxID = raw.spdxID ?? ""
      let pkgName = raw.name ?? ""
      let version = raw.versionInfo ?? ""
      let purpose = raw.primaryPackagePurpose
      if purpose == "OPERATING-SYSTEM" {
        distro = Distro(
          id: pkgName.lowercased(), versionID: version == "NOASSERTION" ? nil : version,
          prettyName: raw.description)
        continue
      }
      let purlText = (raw.externalRefs ?? []).first { $0.referenceType == "purl" }?.referenceLocator
      let isImage = purpose == "CONTAINER" || purlText?.hasPrefix("pkg:oci/") == true
      if isImage && !describedIDs.contains(spdxID) {
        // Another image of the document (a platform variant of an index): not a package.
        diagnostics.append(
          Diagnostic(
            .info, code: "sbom.image-variant",
            "'\(pkgName.prefix(100))' describes a container image, not a package; not matched",
            source: "sbom", path: name))
        continue
      }
      if describedIDs.contains(spdxID) && (isImage || purlText == nil) {
        if let sha = raw.checksums?.first(where: { $0.algorithm == "SHA256" })?.checksumValue {
          image.manifestDigest = try? Digest(algorithm: "sha256", hex: sha.lowercased())
        }
        image.reference = pkgName
        continue
      }
      var licenses: [String] = []
      if let declared = raw.licenseDeclared, declared != "NOASSERTION", declared != "NONE" {
        licenses = [declared]
      }
      let props = raw.sourceInfo.map(Self.sourceInfoFacts) ?? []
      guard
        let pkg = makePackage(
          name: pkgName, version: version == "NOASSERTION" ? "" : version, purlText: purlText,
          licenses: licenses,
          properties: props, documentName: name, diagnostics: &diagnostics)
      else { continue }
      idMap[spdxID] = pkg.id
      if distro == nil, let d = Self.distro(fromPurl: pkg.purl) { distro = d }
      packages.append(pkg)
    }
    var relationships: [Relationship] = []
    for r in relationshipsRaw {
      guard let a = r.spdxElementId, let b = r.relatedSpdxElement, let type = r.relationshipType
      else { continue }
      let from = describedIDs.contains(a) ? Relationship.imageRootID : idMap[a]
      guard let from, let to = idMap[b] else { continue }
      switch type {
      case "CONTAINS": relationships.append(Relationship(from: from, to: to, kind: .contains))
      case "DEPENDS_ON": relationships.append(Relationship(from: from, to: to, kind: .dependsOn))
      default: continue
      }
    }
    var bom = SoftwareBOM(
      image: image, distro: distro, packages: packages, relationships: relationships,
      diagnostics: diagnostics)
    bom.normalize()
    return bom
  }

  // MARK: shared

  /// Facts our SPDX writer puts in a package's `sourceInfo`:
  /// `found by CATALOGER; at /PATH in layer DIGEST; source package NAME VERSION`.
  static func sourceInfoFacts(_ info: String) -> [(String, String)] {
    var props: [(String, String)] = []
    for segment in info.components(separatedBy: "; ") {
      if segment.hasPrefix("source package ") {
        let parts = segment.dropFirst("source package ".count).split(separator: " ")
        if parts.count >= 2 {
          props.append(("tailguard:source:name", String(parts[0])))
          props.append(("tailguard:source:version", String(parts[1])))
        }
      } else if segment.hasPrefix("at /") {
        var path = Substring(segment.dropFirst(4))
        if let r = path.range(of: " in layer ", options: .backwards) {
          props.append(("tailguard:layer:digest", String(path[r.upperBound...])))
          path = path[..<r.lowerBound]
        }
        props.append(("tailguard:location", String(path)))
      } else if segment.hasPrefix("found by ") {
        props.append(("tailguard:package:foundBy", String(segment.dropFirst(9))))
      }
    }
    return props
  }

  func makePackage(
    name: String, version: String, purlText: String?, licenses: [String],
    properties: [(String, String)],
    documentName: String, diagnostics: inout [Diagnostic]
  ) -> Package? {
    var purl: PackageURL
    if let purlText {
      do {
        purl = try PackageURL(parsing: purlText)
      } catch {
        diagnostics.append(
          Diagnostic(
            .warning, code: "sbom.bad-purl", "component '\(name.prefix(100))': \(error)",
            source: "sbom", path: documentName))
        purl = PackageURL(type: "generic", name: name.isEmpty ? "unknown" : name, version: version)
      }
    } else {
      guard !name.isEmpty else { return nil }
      diagnostics.append(
        Diagnostic(
          .info, code: "sbom.no-purl",
          "component '\(name.prefix(100))' has no purl; kept as a generic package (not matched)",
          source: "sbom",
          path: documentName))
      purl = PackageURL(type: "generic", name: name, version: version)
    }
    let ecosystem = Ecosystem(purlType: purl.type) ?? .generic
    // Where the namespace joins the name, the package is named from the purl (it is
    // authoritative: tools differ in whether the component name carries the npm scope); others
    // keep the declared name.
    let namespaced = ecosystem.traits.namespace == .joinsName && purl.namespace != nil
    let pkgName = name.isEmpty || namespaced ? Ecosystem.displayName(of: purl) : name
    let pkgVersion = version.isEmpty ? (purl.version ?? "") : version
    var props: [String: String] = [:]
    var locations: [Location] = []
    for (k, v) in properties {
      if k == "tailguard:location" { locations.append(Location(path: v)) } else { props[k] = v }
    }
    var source: SourcePackage?
    if let sname = props["tailguard:source:name"] {
      source = SourcePackage(name: sname, version: props["tailguard:source:version"] ?? pkgVersion)
    } else if let sname = props["aquasecurity:trivy:SrcName"] {
      var sv = props["aquasecurity:trivy:SrcVersion"] ?? pkgVersion
      if let rel = props["aquasecurity:trivy:SrcRelease"], !rel.isEmpty { sv += "-" + rel }
      if let ep = props["aquasecurity:trivy:SrcEpoch"], ep != "0", !ep.isEmpty {
        sv = ep + ":" + sv
      }
      source = SourcePackage(name: sname, version: sv)
    } else if let upstream = purl.qualifiers["upstream"], ecosystem.isOperatingSystem {
      // syft: upstream=NAME or NAME@VERSION (deb/apk), NAME-VER-REL.src.rpm (rpm)
      if let at = upstream.firstIndex(of: "@") {
        source = SourcePackage(
          name: String(upstream[..<at]), version: String(upstream[upstream.index(after: at)...]))
      } else if upstream.hasSuffix(".src.rpm") {
        let base = upstream.dropLast(8).split(separator: "-")
        if base.count >= 3 {
          source = SourcePackage(
            name: base.dropLast(2).joined(separator: "-"),
            version: base.suffix(2).joined(separator: "-"))
        }
      } else {
        source = SourcePackage(name: upstream, version: pkgVersion)
      }
    } else if ecosystem.isOperatingSystem {
      source = SourcePackage(name: pkgName, version: pkgVersion)
    }
    var layer: Digest?
    if let d = props["tailguard:layer:digest"] { layer = try? Digest(parsing: d) }
    var pkg = Package(
      name: pkgName, version: pkgVersion, ecosystem: ecosystem, purl: purl, licenses: licenses,
      locations: locations.map {
        Location(
          path: $0.path, layer: layer, layerIndex: props["tailguard:layer:index"].flatMap(Int.init))
      },
      source: source, foundBy: props["tailguard:package:foundBy"] ?? "sbom", introducedBy: layer,
      introducedByIndex: props["tailguard:layer:index"].flatMap(Int.init),
      fromBaseImage: props["tailguard:layer:fromBaseImage"].flatMap(Bool.init),
      id: props["tailguard:package:id"])
    if pkg.id.isEmpty { pkg.id = Package.makeID(purl: purl, firstLocation: nil) }
    return pkg
  }

  /// `distro=debian-12` / `distro=alpine-3.10.4` / `distro=rhel-9.2` → Distro.
  static func distro(fromPurl purl: PackageURL) -> Distro? {
    guard let q = purl.qualifiers["distro"], let dash = q.lastIndex(of: "-") else { return nil }
    let id = String(q[..<dash]).lowercased()
    let version = String(q[q.index(after: dash)...])
    guard !id.isEmpty, !version.isEmpty, version.first?.isNumber == true else { return nil }
    return Distro(id: id, versionID: version)
  }
}
