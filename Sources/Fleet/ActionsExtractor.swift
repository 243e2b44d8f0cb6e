import ByteFormats
import Foundation
import TailguardModel
import Yams

/// Reads image references from GitHub Actions workflows: `jobs.*.container` (string or map),
/// `jobs.*.services.*.image` and `uses: docker://…` steps. `${{ … }}` expressions are variables.
public struct ActionsExtractor: Sendable {
  public init() {}

  static func isWorkflow(_ doc: Node, file: String) -> Bool {
    guard let m = YAMLSupport.mapping(doc), let jobs = YAMLSupport.mapping(m["jobs"]) else {
      return false
    }
    if file.contains(".github/workflows/") { return true }
    return m["on"] != nil || m["true"] != nil
      || jobs.values.contains { j in
        YAMLSupport.mapping(j)?["runs-on"] != nil || YAMLSupport.mapping(j)?["steps"] != nil
      }
  }

  func extract(documents: [Node], text: TextLines, file: String) -> [FleetReference] {
    var out: [FleetReference] = []
    func add(_ node: Node, _ value: String, job: String, container: String?, kind: String) {
      let written = value.trimmingCharacters(in: .whitespaces)
      guard !written.isEmpty else { return }
      out.append(
        FleetReference.make(
          file: file, line: YAMLSupport.line(node), written: written, substituted: nil,
          source: .actions, workload: WorkloadInfo(kind: kind, name: job, container: container),
          replicas: 1, replicasSource: "job",
          span: YAMLSupport.span(of: written, node: node, in: text)))
    }
    for doc in documents {
      guard let jobs = YAMLSupport.mapping(YAMLSupport.mapping(doc)?["jobs"]) else { continue }
      for (k, v) in jobs {
        guard let job = YAMLSupport.string(k), let j = YAMLSupport.mapping(v) else { continue }
        if let c = j["container"] {
          if let s = YAMLSupport.string(c) {
            add(c, s, job: job, container: "container", kind: "job-container")
          } else if let img = YAMLSupport.mapping(c)?["image"], let s = YAMLSupport.string(img) {
            add(img, s, job: job, container: "container", kind: "job-container")
          }
        }
        for (sk, sv) in YAMLSupport.mapping(j["services"]) ?? Node.Mapping([]) {
          let svc = YAMLSupport.string(sk)
          if let img = YAMLSupport.mapping(sv)?["image"], let s = YAMLSupport.string(img) {
            add(img, s, job: job, container: svc, kind: "job-service")
          } else if let s = YAMLSupport.string(sv) {
            add(sv, s, job: job, container: svc, kind: "job-service")
          }
        }
        for step in YAMLSupport.sequence(j["steps"]) ?? Node.Sequence([]) {
          guard let u = YAMLSupport.mapping(step)?["uses"], let s = YAMLSupport.string(u),
            s.hasPrefix("docker://")
          else { continue }
          add(
            u, String(s.dropFirst(9)), job: job,
            container: YAMLSupport.string(YAMLSupport.mapping(step)?["name"]), kind: "step")
        }
      }
    }
    return out
  }
}
