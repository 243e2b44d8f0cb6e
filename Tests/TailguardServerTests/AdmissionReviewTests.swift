import Foundation
import TailguardServer
import TailguardTesting
import Testing

/// AdmissionReview documents shaped as the Kubernetes API server sends them
/// (admission.k8s.io/v1, from the API reference: `request.kind`/`resource`/`requestKind`,
/// `subResource`, `userInfo`, `object`/`oldObject`, `dryRun`, `options`).
enum ReviewDocs {
  /// Group, version, resource of each kind.
  static let kinds: [String: (group: String, resource: String)] = [
    "Pod": ("", "pods"), "ReplicationController": ("", "replicationcontrollers"),
    "Deployment": ("apps", "deployments"), "StatefulSet": ("apps", "statefulsets"),
    "DaemonSet": ("apps", "daemonsets"), "ReplicaSet": ("apps", "replicasets"),
    "Job": ("batch", "jobs"), "CronJob": ("batch", "cronjobs"),
  ]

  static func podSpec(_ containers: [String], init initImages: [String] = []) -> [String: Any] {
    var spec: [String: Any] = [
      "containers": containers.enumerated().map { i, image in
        [
          "name": "c\(i)", "image": image, "imagePullPolicy": "IfNotPresent",
          "resources": [:] as [String: Any],
          "terminationMessagePath": "/dev/termination-log",
        ] as [String: Any]
      },
      "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
      "securityContext": [:] as [String: Any], "terminationGracePeriodSeconds": 30,
    ]
    if !initImages.isEmpty {
      spec["initContainers"] = initImages.enumerated().map { i, image in
        ["name": "init\(i)", "image": image] as [String: Any]
      }
    }
    return spec
  }

  /// The object of KIND running IMAGES (and INIT images).
  static func object(
    _ kind: String, name: String, namespace: String, images: [String],
    init initImages: [String] = []
  ) -> [String: Any] {
    let group = kinds[kind]!.group
    let metadata: [String: Any] = [
      "name": name, "namespace": namespace, "labels": ["app": name],
      "creationTimestamp": NSNull(),
    ]
    let template: [String: Any] = [
      "metadata": ["labels": ["app": name], "creationTimestamp": NSNull()] as [String: Any],
      "spec": podSpec(images, init: initImages),
    ]
    var object: [String: Any] = [
      "apiVersion": group.isEmpty ? "v1" : "\(group)/v1", "kind": kind, "metadata": metadata,
    ]
    switch kind {
    case "Pod": object["spec"] = podSpec(images, init: initImages)
    case "CronJob":
      object["spec"] =
        [
          "schedule": "*/5 * * * *", "concurrencyPolicy": "Allow", "suspend": false,
          "jobTemplate": [
            "metadata": ["creationTimestamp": NSNull()] as [String: Any],
            "spec": ["template": template] as [String: Any],
          ] as [String: Any],
        ] as [String: Any]
    case "Job":
      object["spec"] = ["backoffLimit": 6, "template": template] as [String: Any]
    default:
      object["spec"] =
        [
          "replicas": 2, "selector": ["matchLabels": ["app": name]] as [String: Any],
          "template": template,
        ] as [String: Any]
    }
    return object
  }

  static func review(
    kind: String, uid: String = UUID().uuidString.lowercased(), operation: String = "CREATE",
    namespace: String = "shop", name: String = "web", object: [String: Any]?,
    oldObject: [String: Any]? = nil, subResource: String? = nil, dryRun: Bool = false
  ) -> [String: Any] {
    let (group, resource) = kinds[kind]!
    let gvk: [String: Any] = ["group": group, "version": "v1", "kind": kind]
    let gvr: [String: Any] = ["group": group, "version": "v1", "resource": resource]
    var request: [String: Any] = [
      "uid": uid, "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
      "name": name, "namespace": namespace, "operation": operation,
      "userInfo": [
        "username": "system:serviceaccount:kube-system:replicaset-controller",
        "uid": "5f0b4b3e-0a5b-4a8e-9d0c-1c1f8f0a6f7e",
        "groups": ["system:serviceaccounts", "system:authenticated"],
      ] as [String: Any],
      "object": object ?? NSNull(), "oldObject": oldObject ?? NSNull(), "dryRun": dryRun,
      "options": [
        "apiVersion": "meta.k8s.io/v1",
        "kind": operation == "DELETE"
          ? "DeleteOptions" : operation == "UPDATE" ? "UpdateOptions" : "CreateOptions",
      ] as [String: Any],
    ]
    if let subResource {
      request["subResource"] = subResource
      request["requestSubResource"] = subResource
    }
    return ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request]
  }

  static func create(
    _ kind: String, images: [String], init initImages: [String] = [], namespace: String = "shop",
    dryRun: Bool = false, uid: String = UUID().uuidString.lowercased()
  ) -> Data {
    json(
      review(
        kind: kind, uid: uid, namespace: namespace,
        object: object(kind, name: "web", namespace: namespace, images: images, init: initImages),
        dryRun: dryRun))
  }

  /// `kubectl debug`: an UPDATE of the pod's ephemeralcontainers subresource.
  static func ephemeral(podImages: [String], debugImage: String) -> Data {
    let old = object("Pod", name: "web", namespace: "shop", images: podImages)
    var new = old
    var spec = new["spec"] as! [String: Any]
    spec["ephemeralContainers"] = [
      [
        "name": "debugger-x7k2p", "image": debugImage, "stdin": true, "tty": true,
        "targetContainerName": "c0",
      ] as [String: Any]
    ]
    new["spec"] = spec
    return json(
      review(
        kind: "Pod", operation: "UPDATE", object: new, oldObject: old,
        subResource: "ephemeralcontainers"))
  }

  static func json(_ value: Any) -> Data {
    try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
  }
}

/// Reading AdmissionReviews: every pod-bearing kind and its pointers, subresources, DELETE, and
/// what cannot be read.
struct AdmissionReviewTests {
  static let pointers: [String: String] = [
    "Pod": "/spec", "Deployment": "/spec/template/spec", "StatefulSet": "/spec/template/spec",
    "DaemonSet": "/spec/template/spec", "ReplicaSet": "/spec/template/spec",
    "ReplicationController": "/spec/template/spec", "Job": "/spec/template/spec",
    "CronJob": "/spec/jobTemplate/spec/template/spec",
  ]

  @Test(arguments: Array(ReviewDocs.kinds.keys).sorted())
  func everyPodBearingKindListsItsContainersWithPointers(_ kind: String) throws {
    let body = ReviewDocs.create(
      kind, images: ["nginx:1.25", "redis@sha256:" + String(repeating: "a", count: 64)],
      init: ["busybox:1.36"], uid: "uid-\(kind)")
    let request = try AdmissionReview.parse(Array(body))
    #expect(request.uid == "uid-\(kind)")
    #expect(request.kind == kind)
    #expect(request.namespace == "shop")
    #expect(request.operation == "CREATE")
    let base = try #require(Self.pointers[kind])
    #expect(
      request.containers.map(\.pointer) == [
        "\(base)/initContainers/0/image", "\(base)/containers/0/image",
        "\(base)/containers/1/image",
      ])
    #expect(
      request.containers.map(\.image) == [
        "busybox:1.36", "nginx:1.25", request.containers[2].image,
      ])
  }

  @Test func theEphemeralContainerSubresourceChecksOnlyTheDebugContainer() throws {
    let request = try AdmissionReview.parse(
      Array(ReviewDocs.ephemeral(podImages: ["nginx:1.25"], debugImage: "busybox:1.36")))
    #expect(request.subResource == "ephemeralcontainers")
    #expect(request.operation == "UPDATE")
    #expect(request.containers.map(\.image) == ["busybox:1.36"])
    #expect(request.containers.map(\.pointer) == ["/spec/ephemeralContainers/0/image"])
  }

  @Test func deleteAndObjectsWithoutPodsHaveNothingToCheck() throws {
    let old = ReviewDocs.object("Deployment", name: "web", namespace: "shop", images: ["x:1"])
    let delete = try AdmissionReview.parse(
      Array(
        ReviewDocs.json(
          ReviewDocs.review(
            kind: "Deployment", operation: "DELETE", object: nil, oldObject: old))))
    #expect(delete.containers.isEmpty)
    #expect(delete.operation == "DELETE")
    // A ConfigMap reaching the webhook runs no image.
    var review = ReviewDocs.review(kind: "Pod", object: ["kind": "ConfigMap", "data": ["a": "b"]])
    var request = review["request"] as! [String: Any]
    request["kind"] = ["group": "", "version": "v1", "kind": "ConfigMap"]
    review["request"] = request
    #expect(try AdmissionReview.parse(Array(ReviewDocs.json(review))).containers.isEmpty)
  }

  @Test func malformedBodiesAreRefusedWithAReason() throws {
    let cases: [(String, String)] = [
      ("", "not valid JSON"), ("{", "not valid JSON"), ("[1,2]", "JSON object"),
      (#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#, "AdmissionReview"),
      (#"{"kind":"AdmissionReview"}"#, "AdmissionReview"),
    ]
    for (body, needle) in cases {
      guard case .failure(.malformed(let message)) = AdmissionReview.read(Array(body.utf8)) else {
        Issue.record("\(body) was not refused as malformed")
        continue
      }
      #expect(message.contains(needle), "\(body): \(message)")
    }
  }

  @Test func reviewsThatCannotBeUnderstoodSaySo() throws {
    func problem(_ review: [String: Any]) -> AdmissionReviewProblem? {
      if case .failure(let p) = AdmissionReview.read(Array(ReviewDocs.json(review))) { return p }
      return nil
    }
    let noRequest: [String: Any] = ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"]
    #expect(
      problem(noRequest) == .notUnderstood(uid: "", reason: "the AdmissionReview has no request"))
    // An unknown kind with a pod template.
    var review = ReviewDocs.review(
      kind: "Deployment", uid: "u1",
      object: ReviewDocs.object("Deployment", name: "w", namespace: "shop", images: ["x:1"]))
    var request = review["request"] as! [String: Any]
    request["kind"] = ["group": "example.com", "version": "v1", "kind": "Rollout"]
    review["request"] = request
    guard case .notUnderstood(let uid, let reason)? = problem(review) else {
      Issue.record("an unknown kind with a pod spec was understood")
      return
    }
    #expect(uid == "u1")
    #expect(reason.contains("Rollout"))
    // Containers that are not a list, a container without an image.
    var pod = ReviewDocs.object("Pod", name: "w", namespace: "shop", images: ["x:1"])
    pod["spec"] = ["containers": "x:1"]
    guard case .notUnderstood? = problem(ReviewDocs.review(kind: "Pod", object: pod)) else {
      Issue.record("containers as a string was understood")
      return
    }
    pod["spec"] = ["containers": [["name": "a"]]]
    guard case .notUnderstood? = problem(ReviewDocs.review(kind: "Pod", object: pod)) else {
      Issue.record("a container without image was understood")
      return
    }
  }

  @Test func warningsAreAtMost120Characters() {
    #expect(AdmissionReview.warning(String(repeating: "x", count: 500)).count == 120)
    #expect(AdmissionReview.warning("short") == "short")
  }

  /// Random bytes, random JSON and every truncation of real reviews: the parser answers each
  /// (no crash); a truncated review is never read as a review.
  @Test func fuzzedAndTruncatedReviewsNeverCrash() throws {
    var rng = SeededGenerator(seed: 18)
    let documents =
      ReviewDocs.kinds.keys.sorted().map {
        ReviewDocs.create($0, images: ["nginx:1.25", "redis:7"], init: ["busybox:1"])
      } + [ReviewDocs.ephemeral(podImages: ["a:1"], debugImage: "b:2")]
    for doc in documents {
      let bytes = Array(doc)
      for cut in stride(from: 0, to: bytes.count - 1, by: 7) {
        guard case .failure(.malformed) = AdmissionReview.read(Array(bytes[..<cut])) else {
          Issue.record("a review cut at \(cut) of \(bytes.count) bytes was not refused")
          continue
        }
      }
      // Mutations: flip bytes; anything may come out but a crash.
      for _ in 0..<200 {
        var m = bytes
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
          m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        }
        _ = AdmissionReview.read(m)
      }
    }
    for _ in 0..<500 {
      let n = Int.random(in: 0...300, using: &rng)
      let noise = (0..<n).map { _ in
        Array(#"{}[]":,"apiVersion"kind"request"uid"0123 truefalsenull\"#.utf8).randomElement(
          using: &rng)!
      }
      _ = AdmissionReview.read(noise)
    }
    // Deep nesting stays within the JSON reader's depth limit.
    let deep = String(repeating: "[", count: 100_000)
    #expect(throws: AdmissionReviewProblem.self) { try AdmissionReview.parse(Array(deep.utf8)) }
  }
}
