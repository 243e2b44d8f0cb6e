import Fleet
import Foundation
import TailguardModel

extension FleetOperations {
  /// One image a fleet runs, as a server records it: which workload, how many replicas, what
  /// exposes it, whose it is.
  public struct WorkloadUsage: Sendable, Hashable {
    public var reference: String
    public var namespace: String?
    public var workload: String
    public var kind: String
    public var replicas: Int
    public var exposure: [String]
    public var team: String?
    public var file: String
    public var line: Int
  }

  /// What a fleet's files and usage file say runs where.
  public struct Usage: Sendable {
    public var workloads: [WorkloadUsage]
    /// References that name no image (unresolved variables, invalid text), with why.
    public var unresolved: [String]
    public var diagnostics: [Diagnostic]
  }

  /// Reads deployment files (and a usage file's bytes) into workload usage: the references
  /// `fleet scan` would count, each with its replicas (a DaemonSet as DAEMONSETNODES), its pod's
  /// exposure (without the image's own user, which needs the image), and its team (the usage
  /// row's, else the pod label `team` or `app.kubernetes.io/part-of`).
  public static func usage(
    _ files: Files, usage: (bytes: [UInt8], name: String)?, daemonSetNodes: Int = 1
  ) -> Usage {
    let inventory = files.scan()
    let usageFile = usage.map { UsageFile(parsing: $0.bytes, path: $0.name) }
    let (members, unresolved) = FleetMember.collect(inventory.references, usage: usageFile)
    var out: [WorkloadUsage] = []
    for m in members {
      if let r = m.reference {
        let replicas = r.replicasSource == "per-node" ? daemonSetNodes : (r.replicas ?? 1)
        let labels = r.pod?.labels ?? [:]
        out.append(
          WorkloadUsage(
            reference: m.text, namespace: r.pod?.namespace, workload: r.workload?.name ?? r.file,
            kind: r.workload?.kind ?? r.source.rawValue, replicas: replicas,
            exposure: r.pod.map { inventory.routes.exposure(of: $0, imageUser: nil) } ?? [],
            team: labels["team"] ?? labels["app.kubernetes.io/part-of"], file: r.file, line: r.line)
        )
      } else if let row = m.usage {
        out.append(
          WorkloadUsage(
            reference: m.text, namespace: nil, workload: "usage:\(m.line)", kind: "usage",
            replicas: row.replicas ?? 1, exposure: row.exposure, team: row.team, file: m.file,
            line: m.line))
      }
    }
    return Usage(
      workloads: out,
      unresolved: unresolved.map { "\($0.file):\($0.line): \($0.reference): \($0.reason)" },
      diagnostics: inventory.diagnostics + (usageFile?.diagnostics ?? []))
  }
}
