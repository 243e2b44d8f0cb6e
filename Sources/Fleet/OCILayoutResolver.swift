import Foundation
import TailguardModel

/// A `DigestResolver` over an OCI image layout directory: `index.json` manifests annotated with
/// `org.opencontainers.image.ref.name`. A full name (`docker.io/library/alpine:3.19`,
/// `alpine:3.19`) maps that repository's tag; a bare tag (`3.19`) maps the tag for any repository,
/// as `skopeo copy … oci:dir:tag` writes it. Each manifest must be present under `blobs/`.
public struct OCILayoutResolver: DigestResolver {
  public let path: String
  /// "registry/repository:tag" → digest.
  let named: [String: Digest]
  /// bare tag → digest.
  let bareTags: [String: Digest]
  static let refNameKey = "org.opencontainers.image.ref.name"

  public init(path: String) throws(FleetError) {
    self.path = path
    guard let data = FileManager.default.contents(atPath: path + "/index.json"),
      data.count < 16 << 20,
      let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let manifests = obj["manifests"] as? [[String: Any]]
    else {
      throw FleetError(.unreadable, "not an OCI layout (index.json unreadable)", path: path)
    }
    var named: [String: Digest] = [:]
    var bare: [String: Digest] = [:]
    for m in manifests {
      guard let d = m["digest"] as? String, let digest = try? Digest(parsing: d),
        let name = (m["annotations"] as? [String: String])?[Self.refNameKey]
      else { continue }
      let blob = "\(path)/blobs/\(digest.algorithm)/\(digest.hex)"
      guard FileManager.default.fileExists(atPath: blob) else { continue }
      if name.contains(":") || name.contains("/"), let ref = try? ImageReference(parsing: name) {
        named["\(ref.name):\(ref.tag ?? "latest")"] = digest
      } else {
        bare[name] = digest
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
