import Foundation

/// The webhook configurations `tailguard admission manifests` prints: a
/// ValidatingWebhookConfiguration (`/admission/validate`) and a MutatingWebhookConfiguration
/// (`/admission/mutate`) for the server's Service, as in deploy/kubernetes/base.
public struct AdmissionManifests: Sendable, Hashable {
  public var name = "tailguard"
  /// The Service the API server calls (its namespace is excluded too: tailguard must always be
  /// able to start, whatever the failure policy).
  public var namespace = "tailguard"
  public var service = "tailguard-webhook"
  public var port = 443
  public var timeoutSeconds = 10
  /// `Fail` (no admission without tailguard's answer) or `Ignore`.
  public var validatingFailurePolicy = "Fail"
  public var mutatingFailurePolicy = "Ignore"
  /// Namespaces never sent to the webhook (`kubernetes.io/metadata.name NotIn …`).
  public var excludeNamespaces = ["kube-system"]
  /// PEM bytes of the CA that signed the serving certificate (`caBundle`); nil: left out.
  public var caBundle: Data?

  public init() {}

  static func flow(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

  /// The excluded namespaces, the Service's own among them, in order, once each.
  public var excluded: [String] {
    var seen: Set<String> = []
    return (excludeNamespaces + [namespace]).filter { seen.insert($0).inserted }
  }

  func webhook(kind: String, webhookName: String, path: String, failurePolicy: String) -> String {
    var out = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: \(kind)
      metadata:
        name: \(name)
        labels:
          app.kubernetes.io/name: tailguard
          app.kubernetes.io/component: server
          app.kubernetes.io/part-of: tailguard
      webhooks:
        - name: \(webhookName)
          clientConfig:
            service:
              namespace: \(namespace)
              name: \(service)
              path: \(path)
              port: \(port)

      """
    if let caBundle { out += "      caBundle: \(caBundle.base64EncodedString())\n" }
    out += "    failurePolicy: \(failurePolicy)\n"
    if kind == "MutatingWebhookConfiguration" { out += "    reinvocationPolicy: IfNeeded\n" }
    out += """
          rules:
            - apiGroups: [""]
              apiVersions: [v1]
              operations: [CREATE, UPDATE]
              resources: [pods, pods/ephemeralcontainers, replicationcontrollers]
              scope: Namespaced
            - apiGroups: [apps]
              apiVersions: [v1]
              operations: [CREATE, UPDATE]
              resources: [deployments, statefulsets, daemonsets, replicasets]
              scope: Namespaced
            - apiGroups: [batch]
              apiVersions: [v1]
              operations: [CREATE, UPDATE]
              resources: [jobs, cronjobs]
              scope: Namespaced
          namespaceSelector:
            matchExpressions:
              - key: kubernetes.io/metadata.name
                operator: NotIn
                values: \(Self.flow(excluded))
              - key: tailguard.dev/admission
                operator: NotIn
                values: [disabled]
          matchPolicy: Equivalent
          sideEffects: NoneOnDryRun
          admissionReviewVersions: ["v1"]
          timeoutSeconds: \(timeoutSeconds)

      """
    return out
  }

  /// Both configurations, as one YAML stream.
  public func yaml() -> String {
    "# tailguard admission webhooks (tailguard admission manifests)\n"
      + webhook(
        kind: "ValidatingWebhookConfiguration", webhookName: "validate.tailguard.dev",
        path: "/admission/validate", failurePolicy: validatingFailurePolicy)
      + "---\n"
      + webhook(
        kind: "MutatingWebhookConfiguration", webhookName: "mutate.tailguard.dev",
        path: "/admission/mutate", failurePolicy: mutatingFailurePolicy)
  }
}
