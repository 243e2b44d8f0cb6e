import Foundation
import ImageSources
import TailguardModel

/// A `DigestResolver` over an OCI image layout directory: `index.json` manifests annotated with
/// `org.opencontainers.image.ref.name`. A full name (`docker.io/library/alpine:3.19`,
/// `alpine:3.19`) maps that repository's tag; a bare tag (`3.19`) maps the tag for any repository,
/// as `skopeo copy … oci:dir:tag` writes it. Each manifest must be present under `blobs/`. The
/// index is read by ImageSources' ``OCILayout``, the one layout reader.
public struct OCILayoutResolver: DigestResolver {
  public let path: String
  /// "registry/repository:tag" → digest.
  let named: [String: Digest]
  /// bare tag → digest.
  let bareTags: [String: Digest]

  public init(path: String) throws(FleetError) {
    self.path = path
    let layout = OCILayout(directory: path)
    let index: OCIIndex
    do { index = try layout.index() } catch {
      throw FleetError(
        .unreadable, "not an OCI layout (index.json unreadable: \(error.message))", path: path)
    }
    var named: [String: Digest] = [:]
    var bare: [String: Digest] = [:]
    for m in index.manifests {
      guard let name = m.refName, layout.hasBlob(m.digest) else {
        continue
      }
      if name.contains(":") || name.contains("/"), let ref = try? ImageReference(parsing: name) {
        named["\(ref.name):\(ref.tag ?? "latest")"] = m.digest
      } else {
        bare[name] = m.digest
      }
    }
    self.named = named
    self.bareTags = bare
  }

  public func resolve(_ ref: ImageReference) async throws -> Digest {
    let tag = ref.tag ?? "latest"
    if let d = named["\(ref.name):\(tag)"] ?? bareTags[tag] { return d }
    throw FleetError(
      .unresolvable, "\(ref.familiar): tag '\(tag)' not in the OCI layout", path: path)
  }

  public func tags(_ repository: ImageReference) async throws -> [String] {
    var out = Set(bareTags.keys)
    let prefix = repository.name + ":"
    for k in named.keys where k.hasPrefix(prefix) { out.insert(String(k.dropFirst(prefix.count))) }
    return out.sorted()
  }
}
