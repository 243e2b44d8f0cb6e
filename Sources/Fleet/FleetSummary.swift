/// Head and tail of a fleet: how many references per class, and per image how many workloads
/// run it and with how many replicas in total (per-node and unknown counts listed apart).
public struct FleetSummary: Sendable, Codable, Hashable {
  public struct ImageUse: Sendable, Codable, Hashable {
    public var image: String
    public var references: Int
    public var workloads: Int
    public var totalReplicas: Int
    /// Workloads whose replica count is per node or unknown, not included in `totalReplicas`.
    public var workloadsWithoutCount: Int
  }
  public var references: Int
  public var files: Int
  public var byClass: [String: Int]
  public var images: [ImageUse]

  public init(_ refs: [FleetReference], files: Int) {
    references = refs.count
    self.files = files
    var byClass: [String: Int] = [:]
    for r in refs { byClass[r.class.rawValue, default: 0] += 1 }
    self.byClass = byClass
    var uses: [String: (refs: Int, workloads: Set<String>, total: Int, noCount: Int)] = [:]
    for r in refs {
      switch r.effectiveClass {
      case .stage, .scratch: continue
      default: break
      }
      let key = r.effectiveText
      var u = uses[key] ?? (0, [], 0, 0)
      u.refs += 1
      let w =
        "\(r.file)|\(r.workload?.kind ?? "")|\(r.workload?.name ?? "")|\(r.workload?.container ?? "")|\(r.line)"
      if !u.workloads.contains(w) {
        u.workloads.insert(w)
        if let n = r.replicas { u.total += n } else { u.noCount += 1 }
      }
      uses[key] = u
    }
    images = uses.map {
      ImageUse(
        image: $0.key, references: $0.value.refs, workloads: $0.value.workloads.count,
        totalReplicas: $0.value.total, workloadsWithoutCount: $0.value.noCount)
    }.sorted {
      ($1.workloads, $1.totalReplicas, $0.image) < ($0.workloads, $0.totalReplicas, $1.image)
    }
  }
}
