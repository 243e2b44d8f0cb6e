import ByteFormats
import Foundation
import TailguardModel
import Yams

/// Reads image references from Helm values: image maps (`registry`/`repository`/`tag`/
/// `digest`, as Bitnami lays them out, with `global.imageRegistry` taking precedence) anywhere in
/// the tree, and plain image strings under keys named like `image`. The line of an image map is
/// its `repository` key's. Replicas come from a sibling `replicaCount`/`replicas` when present.
public struct HelmValuesExtractor: Sendable {
  public init() {}

  static func isValuesFile(_ file: String) -> Bool {
    let base = (file as NSString).lastPathComponent.lowercased()
    return base.hasPrefix("values") && (base.hasSuffix(".yaml") || base.hasSuffix(".yml"))
  }

  func extract(documents: [Node], text: TextLines, file: String) -> [FleetReference] {
    var out: [FleetReference] = []
    for doc in documents {
      let global = YAMLSupport.mapping(YAMLSupport.mapping(doc)?["global"])
      let globalRegistry = YAMLSupport.string(global?["imageRegistry"]).flatMap {
        $0.isEmpty ? nil : $0
      }
      walk(
        doc, path: [], parent: nil, globalRegistry: globalRegistry, text: text, file: file,
        into: &out, depth: 0)
    }
    return out
  }

  private func replicas(_ owner: Node.Mapping?) -> (Int?, String) {
    guard let owner else { return (nil, "unknown") }
    for key in ["replicaCount", "replicas"] {
      if let n = YAMLSupport.int(owner[key]) { return (n, "explicit") }
    }
    return (nil, "unknown")
  }

  private func walk(
    _ node: Node, path: [String], parent: Node.Mapping?, globalRegistry: String?, text: TextLines,
    file: String, into out: inout [FleetReference], depth: Int
  ) {
    guard depth < YAMLSupport.maxDepth else { return }
    switch node {
    case .mapping(let m):
      if let repoValue = m["repository"], let repo = YAMLSupport.string(repoValue), !repo.isEmpty,
        m["tag"] != nil || m["registry"] != nil || m["digest"] != nil
          || (path.last?.lowercased().hasSuffix("image") ?? false)
      {
        let registry = globalRegistry ?? YAMLSupport.string(m["registry"]) ?? ""
        let tag = YAMLSupport.string(m["tag"]) ?? ""
        let digest = YAMLSupport.string(m["digest"]) ?? ""
        var ref = registry.isEmpty ? repo : registry + "/" + repo
        if !tag.isEmpty { ref += ":" + tag }
        if !digest.isEmpty { ref += "@" + digest }
        let keyNode =
          m.first(where: { YAMLSupport.string($0.key) == "repository" })?.key ?? repoValue
        let (r, rs) = replicas(parent)
        var made = FleetReference.make(
          file: file, line: YAMLSupport.line(keyNode), written: ref, substituted: nil,
          source: .helm,
          workload: WorkloadInfo(
            kind: "values", name: path.dropLast().joined(separator: "."),
            container: path.joined(separator: ".")),
          replicas: r, replicasSource: rs, span: nil)
        // An empty tag without digest is filled in by the chart's templates (usually
        // `.Chart.AppVersion`): the values file alone does not say which image runs.
        if tag.isEmpty && digest.isEmpty && made.class == .untagged { made.class = .variable }
        if digest.isEmpty, let digestNode = m["digest"] {
          made.digestSlot = YAMLSupport.emptyQuotedSlot(node: digestNode, in: text)
        }
        out.append(made)
        return
      }
      for (k, v) in m {
        guard let key = YAMLSupport.string(k) else { continue }
        if case .scalar = v, key.lowercased() == "image" || key.hasSuffix("Image") {
          guard let s = YAMLSupport.string(v)?.trimmingCharacters(in: .whitespaces), !s.isEmpty,
            s != "null", s != "~"
          else { continue }
          let (r, rs) = replicas(m)
          out.append(
            FleetReference.make(
              file: file, line: YAMLSupport.line(v), written: s, substituted: nil, source: .helm,
              workload: WorkloadInfo(
                kind: "values", name: path.joined(separator: "."),
                container: (path + [key]).joined(separator: ".")),
              replicas: r, replicasSource: rs, span: YAMLSupport.span(of: s, node: v, in: text)))
          continue
        }
        walk(
          v, path: path + [key], parent: m, globalRegistry: globalRegistry, text: text, file: file,
          into: &out, depth: depth + 1)
      }
    case .sequence(let s):
      for (i, v) in s.enumerated() {
        walk(
          v, path: path + ["[\(i)]"], parent: parent, globalRegistry: globalRegistry, text: text,
          file: file, into: &out, depth: depth + 1)
      }
    default:
      break
    }
  }
}
