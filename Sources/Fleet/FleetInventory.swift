import TailguardModel

/// The result of scanning deployment files: every reference found (sorted by file, line) and
/// every problem met on the way, plus the files that were read and their detected kind.
public struct FleetInventory: Sendable {
  public var references: [FleetReference]
  public var diagnostics: [Diagnostic]
  /// Files read, with the kind they were detected as (`kustomization` and `yaml` included).
  public var files: [(path: String, kind: String)]
  /// Services, Ingresses and routes found in the Kubernetes files.
  public var routes = KubernetesRoutes()

  public init(
    references: [FleetReference] = [], diagnostics: [Diagnostic] = [],
    files: [(path: String, kind: String)] = []
  ) {
    self.references = references
    self.diagnostics = diagnostics
    self.files = files
  }
}
