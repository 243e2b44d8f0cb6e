import Foundation
import TailguardModel
import Yams

/// What a Kubernetes pod template says about how exposed its containers are: its namespace and
/// labels (for Services to select it), host networking, host paths, and per container whether
/// it is privileged and which user it runs as. Read from the manifest, never guessed.
public struct PodFacts: Sendable, Hashable {
  public var namespace: String
  public var labels: [String: String]
  public var hostNetwork: Bool
  public var hostPaths: [String]
  public var privileged: Bool
  /// `runAsUser` of the container, else of the pod; nil when neither sets it.
  public var runAsUser: Int?
  /// `runAsNonRoot: true` on the container or the pod.
  public var runAsNonRoot: Bool

  public init(
    namespace: String = "default", labels: [String: String] = [:], hostNetwork: Bool = false,
    hostPaths: [String] = [], privileged: Bool = false, runAsUser: Int? = nil,
    runAsNonRoot: Bool = false
  ) {
    self.namespace = namespace
    self.labels = labels
    self.hostNetwork = hostNetwork
    self.hostPaths = hostPaths
    self.privileged = privileged
    self.runAsUser = runAsUser
    self.runAsNonRoot = runAsNonRoot
  }

  /// Reads the pod-level facts of a pod spec and template metadata, then one container's.
  static func read(
    podSpec: Node.Mapping, templateMeta: Node.Mapping?, objectMeta: Node.Mapping?,
    container: Node.Mapping
  ) -> PodFacts {
    var facts = PodFacts()
    facts.namespace = YAMLSupport.string(objectMeta?["namespace"]) ?? "default"
    for (k, v) in YAMLSupport.mapping(templateMeta?["labels"]) ?? Node.Mapping([]) {
      if let key = YAMLSupport.string(k), let value = YAMLSupport.string(v) {
        facts.labels[key] = value
      }
    }
    facts.hostNetwork = YAMLSupport.string(podSpec["hostNetwork"]) == "true"
    for volume in YAMLSupport.sequence(podSpec["volumes"]) ?? Node.Sequence([]) {
      if let hostPath = YAMLSupport.mapping(YAMLSupport.mapping(volume)?["hostPath"]),
        let path = YAMLSupport.string(hostPath["path"])
      {
        facts.hostPaths.append(path)
      }
    }
    facts.hostPaths.sort()
    let podSecurity = YAMLSupport.mapping(podSpec["securityContext"])
    let security = YAMLSupport.mapping(container["securityContext"])
    facts.privileged = YAMLSupport.string(security?["privileged"]) == "true"
    facts.runAsUser =
      YAMLSupport.int(security?["runAsUser"]) ?? YAMLSupport.int(podSecurity?["runAsUser"])
    facts.runAsNonRoot =
      (YAMLSupport.string(security?["runAsNonRoot"])
        ?? YAMLSupport.string(podSecurity?["runAsNonRoot"])) == "true"
    return facts
  }
}

/// Services, Ingresses and Gateway API routes of a fleet: what makes a pod reachable from
/// outside the cluster.
public struct KubernetesRoutes: Sendable, Hashable {
  public struct Service: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var type: String
    public var selector: [String: String]
    public var file: String
  }
  /// A Service some Ingress or Gateway route sends outside traffic to.
  public struct Route: Sendable, Hashable {
    public var namespace: String
    public var service: String
    /// `Ingress web` or `HTTPRoute web`.
    public var via: String
  }
  public var services: [Service] = []
  public var routes: [Route] = []

  public init() {}

  static let routeKinds: Set<String> = [
    "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute",
  ]

  mutating func read(_ documents: [Node], file: String) {
    for doc in documents { visit(doc, file: file, depth: 0) }
  }

  private mutating func visit(_ doc: Node, file: String, depth: Int) {
    guard depth < 4, let m = YAMLSupport.mapping(doc), let kind = YAMLSupport.string(m["kind"])
    else { return }
    if kind.hasSuffix("List") {
      for item in YAMLSupport.sequence(m["items"]) ?? Node.Sequence([]) {
        visit(item, file: file, depth: depth + 1)
      }
      return
    }
    let meta = YAMLSupport.mapping(m["metadata"])
    let namespace = YAMLSupport.string(meta?["namespace"]) ?? "default"
    let name = YAMLSupport.string(meta?["name"]) ?? ""
    let spec = YAMLSupport.mapping(m["spec"])
    switch kind {
    case "Service":
      var selector: [String: String] = [:]
      for (k, v) in YAMLSupport.mapping(spec?["selector"]) ?? Node.Mapping([]) {
        if let key = YAMLSupport.string(k), let value = YAMLSupport.string(v) {
          selector[key] = value
        }
      }
      services.append(
        Service(
          namespace: namespace, name: name,
          type: YAMLSupport.string(spec?["type"]) ?? "ClusterIP", selector: selector, file: file))
    case "Ingress":
      var backends: [Node.Mapping] = []
      if let b = YAMLSupport.mapping(spec?["defaultBackend"] ?? spec?["backend"]) {
        backends.append(b)
      }
      for rule in YAMLSupport.sequence(spec?["rules"]) ?? Node.Sequence([]) {
        let http = YAMLSupport.mapping(YAMLSupport.mapping(rule)?["http"])
        for path in YAMLSupport.sequence(http?["paths"]) ?? Node.Sequence([]) {
          if let b = YAMLSupport.mapping(YAMLSupport.mapping(path)?["backend"]) {
            backends.append(b)
          }
        }
      }
      for backend in backends {
        // networking.k8s.io/v1 `service.name`; extensions/v1beta1 `serviceName`.
        let service =
          YAMLSupport.string(YAMLSupport.mapping(backend["service"])?["name"])
          ?? YAMLSupport.string(backend["serviceName"])
        if let service {
          routes.append(Route(namespace: namespace, service: service, via: "Ingress \(name)"))
        }
      }
    case _ where Self.routeKinds.contains(kind):
      for rule in YAMLSupport.sequence(spec?["rules"]) ?? Node.Sequence([]) {
        let refs = YAMLSupport.sequence(YAMLSupport.mapping(rule)?["backendRefs"])
        for ref in refs ?? Node.Sequence([]) {
          guard let r = YAMLSupport.mapping(ref), let service = YAMLSupport.string(r["name"]),
            (YAMLSupport.string(r["kind"]) ?? "Service") == "Service"
          else { continue }
          let ns = YAMLSupport.string(r["namespace"]) ?? namespace
          routes.append(Route(namespace: ns, service: service, via: "\(kind) \(name)"))
        }
      }
    default: break
    }
  }

  /// Why a pod with these facts is exposed: outside reachability first, then privileges.
  /// `imageUser` is the image config's `User` (nil when unknown).
  public func exposure(of pod: PodFacts, imageUser: String?) -> [String] {
    var reasons: [String] = []
    if pod.hostNetwork { reasons.append("hostNetwork: shares the node's network") }
    let selecting = services.filter {
      $0.namespace == pod.namespace && !$0.selector.isEmpty
        && $0.selector.allSatisfy { pod.labels[$0.key] == $0.value }
    }.sorted { $0.name < $1.name }
    for service in selecting {
      if service.type == "LoadBalancer" || service.type == "NodePort" {
        reasons.append("reachable from outside: Service \(service.name) (\(service.type))")
      }
      let via = Set(
        routes.filter { $0.namespace == service.namespace && $0.service == service.name }.map(
          \.via))
      for v in via.sorted() {
        reasons.append("reachable from outside: \(v) → Service \(service.name)")
      }
    }
    if pod.privileged { reasons.append("privileged container") }
    if let root = Self.rootReason(pod, imageUser: imageUser) { reasons.append(root) }
    for path in pod.hostPaths { reasons.append("hostPath mount \(path)") }
    return reasons
  }

  /// "runs as root" when the effective user is 0: the manifest's `runAsUser`, else the image's
  /// `User` (empty or `root` or `0`), unless `runAsNonRoot` makes the kubelet refuse it.
  public static func rootReason(_ pod: PodFacts?, imageUser: String?) -> String? {
    if let uid = pod?.runAsUser { return uid == 0 ? "runs as root (runAsUser: 0)" : nil }
    if pod?.runAsNonRoot == true { return nil }
    guard let imageUser else { return nil }
    let user = imageUser.split(separator: ":").first.map(String.init) ?? ""
    if user.isEmpty || user == "root" || user == "0" {
      return "runs as root (image user \(imageUser.isEmpty ? "unset" : imageUser))"
    }
    return nil
  }
}
