/// What runs the image: a Kubernetes workload and container, a Compose service, a Dockerfile
/// stage, a workflow job. Fields are nil where they do not apply.
public struct WorkloadInfo: Sendable, Codable, Hashable {
  public var kind: String?
  public var name: String?
  public var container: String?

  public init(kind: String? = nil, name: String? = nil, container: String? = nil) {
    self.kind = kind
    self.name = name
    self.container = container
  }
}
