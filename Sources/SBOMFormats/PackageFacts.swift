import Foundation
import TailguardModel

/// Facts about a package that both SBOM writers need, derived in one place.
extension Package {
  /// The party that supplied the package, from the record that declared it.
  var supplierName: String? {
    let raw: String?
    switch metadata {
    case .dpkg(let m): raw = m.maintainer
    case .apk(let m): raw = m.maintainer
    case .rpm(let m): raw = m.vendor
    case .python(let m): raw = m.author
    case .npm(let m): raw = m.author
    case .java(let m): raw = m.groupID
    case .goModule, .rust, .none: raw = nil
    }
    if let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty {
      // "Name <email>" → Name
      let name =
        raw.split(separator: "<").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? raw
      return name.isEmpty ? raw : name
    }
    // Nothing declared: name the distribution channel the package came through (NTIA allows
    // the distributor as supplier). Documented in the README's SBOM section.
    switch ecosystem.traits.supplier {
    case .channel(let text): return text
    case .namespace(let capitalized, let fallback):
      return purl.namespace.map { capitalized ? $0.capitalized : $0 } ?? fallback
    case .goModulePath:
      let parts = name.split(separator: "/")
      if parts.count >= 2, parts[0].contains(".") { return "\(parts[0])/\(parts[1])" }
      return name == "stdlib" ? "The Go Authors" : "Go module proxy"
    case .none: return nil
    }
  }

  /// Properties that carry tailguard's evidence through an SBOM round trip.
  var evidenceProperties: [(String, String)] {
    var out: [(String, String)] = [
      ("tailguard:package:foundBy", foundBy), ("tailguard:package:id", id),
    ]
    if let introducedBy { out.append(("tailguard:layer:digest", introducedBy.description)) }
    if let introducedByIndex { out.append(("tailguard:layer:index", String(introducedByIndex))) }
    if let fromBaseImage { out.append(("tailguard:layer:fromBaseImage", String(fromBaseImage))) }
    if let source {
      out.append(("tailguard:source:name", source.name))
      out.append(("tailguard:source:version", source.version))
    }
    for location in locations.sorted() {
      out.append(("tailguard:location", location.path))
    }
    return out
  }
}

/// The supplier of the image itself: its OCI vendor/authors label, else the registry it was
/// named from, else "unknown" (an SBOM must name one; we don't invent a vendor).
extension ImageMetadata {
  var supplierName: String {
    if let v = config.labels["org.opencontainers.image.vendor"], !v.isEmpty { return v }
    if let a = config.labels["org.opencontainers.image.authors"], !a.isEmpty { return a }
    if let ref = reference.flatMap({ try? ImageReference(parsing: $0) }) { return ref.registry }
    return "unknown (not declared by the image)"
  }
}
