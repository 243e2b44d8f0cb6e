import ByteFormats
import Foundation
import TailguardModel
import Yams

/// Reads image references from Kubernetes manifests: every document of a multi-document file,
/// `List` items, the pod template of each workload kind, and the replica count it runs with.
public struct KubernetesExtractor: Sendable {
  public init() {}

  /// Workload kinds and where their replica count comes from.
  static let workloadKinds: Set<String> = [
    "Pod", "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job",
    "CronJob",
  ]

  /// Whether a document looks like a Kubernetes object (`apiVersion` and `kind`).
  static func isKubernetes(_ doc: Node) -> Bool {
    guard let m = YAMLSupport.mapping(doc) else { return false }
    return YAMLSupport.string(m["apiVersion"]) != nil && YAMLSupport.string(m["kind"]) != nil
  }

  func extract(documents: [Node], text: TextLines, file: String) -> [FleetReference] {
    var out: [FleetReference] = []
    for doc in documents { visit(doc, text: text, file: file, into: &out, depth: 0) }
    return out
  }

  private func visit(
    _ doc: Node, text: TextLines, file: String, into out: inout [FleetReference], depth: Int
  ) {
    guard depth < 4, let m = YAMLSupport.mapping(doc), let kind = YAMLSupport.string(m["kind"])
    else { return }
    if kind == "List" || kind.hasSuffix("List") {
      for item in YAMLSupport.sequence(m["items"]) ?? Node.Sequence([]) {
        visit(item, text: text, file: file, into: &out, depth: depth + 1)
      }
      return
    }
    guard Self.workloadKinds.contains(kind) else { return }
    let meta = YAMLSupport.mapping(m["metadata"])
    let name = YAMLSupport.string(meta?["name"]) ?? YAMLSupport.string(meta?["generateName"])
    let spec = YAMLSupport.mapping(m["spec"])
    var podSpec: Node.Mapping?
    var templateMeta = YAMLSupport.mapping(YAMLSupport.mapping(spec?["template"])?["metadata"])
    var replicas: Int?
    var source: String?
    switch kind {
    case "Pod":
      podSpec = spec
      templateMeta = meta
      (replicas, source) = (1, "pod")
    case "DaemonSet":
      podSpec = YAMLSupport.mapping(YAMLSupport.mapping(spec?["template"])?["spec"])
      (replicas, source) = (nil, "per-node")
    case "Job":
      podSpec = YAMLSupport.mapping(YAMLSupport.mapping(spec?["template"])?["spec"])
      (replicas, source) = Self.count(spec?["parallelism"], label: "parallelism")
    case "CronJob":
      let jobSpec = YAMLSupport.mapping(YAMLSupport.mapping(spec?["jobTemplate"])?["spec"])
      podSpec = YAMLSupport.mapping(YAMLSupport.mapping(jobSpec?["template"])?["spec"])
      templateMeta = YAMLSupport.mapping(
        YAMLSupport.mapping(jobSpec?["template"])?["metadata"])
      (replicas, source) = Self.count(jobSpec?["parallelism"], label: "parallelism")
    default:
      podSpec = YAMLSupport.mapping(YAMLSupport.mapping(spec?["template"])?["spec"])
      (replicas, source) = Self.count(spec?["replicas"], label: "explicit")
    }
    guard let podSpec else { return }
    for key in ["initContainers", "containers", "ephemeralContainers"] {
      for c in YAMLSupport.sequence(podSpec[key]) ?? Node.Sequence([]) {
        guard let cm = YAMLSupport.mapping(c), let imageNode = cm["image"],
          let image = YAMLSupport.string(imageNode)
        else { continue }
        let written = image.trimmingCharacters(in: .whitespaces)
        let span = YAMLSupport.span(of: written, node: imageNode, in: text)
        var reference =
          FleetReference.make(
            file: file, line: YAMLSupport.line(imageNode), written: written, substituted: nil,
            source: .kubernetes,
            workload: WorkloadInfo(
              kind: kind, name: name, container: YAMLSupport.string(cm["name"])),
            replicas: replicas, replicasSource: source, span: span)
        reference.pod = PodFacts.read(
          podSpec: podSpec, templateMeta: templateMeta, objectMeta: meta, container: cm)
        out.append(reference)
      }
    }
  }

  /// An explicit count, a template placeholder (unknown), or the default of 1.
  static func count(_ node: Node?, label: String) -> (Int?, String) {
    guard let node else { return (1, "default") }
    if let n = YAMLSupport.int(node) { return (n, label) }
    return (nil, "variable")
  }
}
