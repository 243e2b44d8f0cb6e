import ByteFormats
import Foundation
import TailguardModel
import Yams

/// Reads `services.*.image` from Compose files with Compose's interpolation
/// (`${VAR:-default}`, `${VAR-default}`, `$$`), variables from `--env`. A service with only
/// `build:` builds its image locally and is not a reference.
public struct ComposeExtractor: Sendable {
  public var environment: [String: String]
  public init(environment: [String: String] = [:]) { self.environment = environment }

  /// The services mapping: `services:` (Compose spec), or the top level itself in the legacy
  /// version-1 format (every top-level value a service with `image` or `build`).
  static func services(_ doc: Node) -> Node.Mapping? {
    guard let m = YAMLSupport.mapping(doc) else { return nil }
    if let s = YAMLSupport.mapping(m["services"]) { return s }
    let legacy =
      !m.isEmpty
      && m.values.allSatisfy { v in
        guard let s = YAMLSupport.mapping(v) else { return false }
        return s["image"] != nil || s["build"] != nil
      }
    return legacy ? m : nil
  }

  static func isCompose(_ doc: Node, file: String) -> Bool {
    guard let m = YAMLSupport.mapping(doc), let services = services(doc) else { return false }
    let base = (file as NSString).lastPathComponent.lowercased()
    if base.contains("compose") { return true }
    if m["services"] == nil { return false }
    if m["apiVersion"] != nil || m["jobs"] != nil { return false }
    return services.values.contains { v in
      guard let s = YAMLSupport.mapping(v) else { return false }
      return s["image"] != nil || s["build"] != nil
    }
  }

  func extract(documents: [Node], text: TextLines, file: String) -> [FleetReference] {
    var out: [FleetReference] = []
    for doc in documents {
      guard let services = Self.services(doc) else { continue }
      for (k, v) in services {
        guard let name = YAMLSupport.string(k), let s = YAMLSupport.mapping(v),
          let imageNode = s["image"], let image = YAMLSupport.string(imageNode)
        else { continue }
        let written = image.trimmingCharacters(in: .whitespaces)
        var replicas = 1
        var source = "default"
        if let r = YAMLSupport.int(YAMLSupport.mapping(s["deploy"])?["replicas"]) {
          (replicas, source) = (r, "explicit")
        } else if let r = YAMLSupport.int(s["scale"]) {
          (replicas, source) = (r, "explicit")
        }
        let substituted =
          written.contains("$")
          ? Interpolation.substitute(written, variables: environment, dollarEscape: true) : nil
        out.append(
          FleetReference.make(
            file: file, line: YAMLSupport.line(imageNode), written: written,
            substituted: substituted,
            source: .compose, workload: WorkloadInfo(kind: "service", name: name, container: name),
            replicas: replicas, replicasSource: source,
            span: YAMLSupport.span(of: written, node: imageNode, in: text)))
      }
    }
    return out
  }
}
