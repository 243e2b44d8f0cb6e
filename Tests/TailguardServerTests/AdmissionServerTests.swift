import Foundation
import Hummingbird
import HummingbirdTesting
import ImageSources
import Scanner
import TailguardServer
import TailguardTesting
import Testing

/// Tags the test decides: `registry:REF` → digest (a missing entry fails like an unknown tag; a
/// `slow` table never answers in time).
final class TagTable: @unchecked Sendable {
  private let lock = NSLock()
  private var table: [String: String] = [:]
  func set(_ target: String, _ digest: String) { lock.withLock { table[target] = digest } }
  func resolve(_ target: String) throws -> String {
    guard let d = lock.withLock({ table[target] }) else {
      throw ServerFailure(.notFound, "manifest unknown: \(target)")
    }
    return d
  }
}

/// The admission webhook end to end over HTTP on the in-process server: real images indexed from
/// the shared OCI layout with real advisories, decisions from the stored facts through Rego
/// (a user policy and a built-in pack), modes per namespace, unknown images queued, dry runs,
/// the mutating patch applied, decisions listed, the denial event, metrics, bad bodies.
@Suite(.serialized)
struct AdmissionServerTests {
  /// Denies an image with open findings; warns about init containers.
  static let policy = """
    package admission.findings

    import rego.v1

    deny contains msg if {
      count(input.findings) > 0
      msg := sprintf("%d open findings, e.g. %s in %s", [count(input.findings), input.findings[0].id, input.findings[0].package.name])
    }

    warn contains msg if {
      input.container.list == "initContainers"
      input.admission.request.operation == "CREATE"
      msg := sprintf("init container %s judged too", [input.container.name])
    }
    """

  static func configure(_ harness: ServerHarness, tags: TagTable) throws -> ServerConfiguration {
    let file = harness.dir.file("admission.rego")
    try policy.write(toFile: file, atomically: true, encoding: .utf8)
    var config = harness.configuration()
    config.admissionEnabled = true
    config.admission = AdmissionSettings(
      mode: .enforce, policies: [file, "no-kev"], unknownImage: .deny, timeoutSeconds: 10,
      excludeNamespaces: ["kube-system"],
      rules: [
        .init(namespaces: ["staging"], mode: .warn), .init(namespaces: ["audit-*"], mode: .audit),
      ],
      tagCacheTTL: .zero)
    config.admissionResolve = { try tags.resolve($0) }
    return config
  }

  struct Reviewed {
    var status: Int
    var response: [String: Any]
    var text: String
  }

  static func post(_ client: ServerHarness.Client, _ path: String, _ body: Data) async throws
    -> Reviewed
  {
    let answer = try await client.request(.post, path, role: nil, body: body)
    guard answer.status == 200 else {
      return Reviewed(status: answer.status, response: [:], text: answer.text)
    }
    let doc = try answer.json()
    #expect(doc["apiVersion"] as? String == "admission.k8s.io/v1")
    #expect(doc["kind"] as? String == "AdmissionReview")
    return Reviewed(
      status: answer.status, response: try #require(doc["response"] as? [String: Any]),
      text: answer.text)
  }

  static func randomDigest() -> String {
    "sha256:" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
  }

  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)),
    arguments: StoreBackend.available)
  func decisionsComeFromTheStoredFacts(_ backend: StoreBackend) async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-admission",
      backend: backend)
    let tags = TagTable()
    let config = try Self.configure(harness, tags: tags)
    _ = try harness.store.addWebhook(
      url: "http://127.0.0.1:9/tailguard", secret: "s3cret", events: [.admissionDenied],
      origin: "api", now: Date())
    try await harness.run(config) { client in
      let (_, planted) = try await client.submit("oci:\(ServerHarness.layout):planted")
      let (_, base) = try await client.submit("oci:\(ServerHarness.layout):bookworm-minbase")
      #expect(try await client.waitIndexed(planted)["status"] as? String == "indexed")
      #expect(try await client.waitIndexed(base)["status"] as? String == "indexed")
      tags.set("registry:registry.test/shop/base:minbase", base)
      tags.set("registry:registry.test/shop/app:planted", planted)
      let vulnerable = "registry.test/shop/app@\(planted)"
      let clean = "registry.test/shop/base:minbase"

      // Enforce: the vulnerable image is denied, naming the image and the rule; uid echoed.
      let denied = try await Self.post(
        client, "/admission/validate",
        ReviewDocs.create("Pod", images: [vulnerable, clean], init: [clean], uid: "uid-deny"))
      #expect(denied.status == 200, "\(denied.text)")
      #expect(denied.response["uid"] as? String == "uid-deny")
      #expect(denied.response["allowed"] as? Bool == false)
      let status = try #require(denied.response["status"] as? [String: Any])
      #expect(status["code"] as? Int == 403)
      let message = try #require(status["message"] as? String)
      #expect(message.contains("image \(vulnerable)"), "\(message)")
      #expect(message.contains("[admission.findings.deny]"), "\(message)")
      #expect(message.contains("Jinja2"), "\(message)")
      #expect(!message.contains(clean), "\(message)")
      let warnings = try #require(denied.response["warnings"] as? [String])
      #expect(warnings.contains { $0.contains("init container init0 judged too") }, "\(warnings)")
      #expect(warnings.allSatisfy { $0.count <= 120 })
      let annotations = try #require(denied.response["auditAnnotations"] as? [String: String])
      #expect(annotations["policy-bundle"]?.hasPrefix("sha256:") == true)
      #expect(annotations["advisory-data"]?.contains("records") == true, "\(annotations)")

      // The clean image alone, as a Deployment: allowed.
      let allowed = try await Self.post(
        client, "/admission/validate", ReviewDocs.create("Deployment", images: [clean]))
      #expect(allowed.response["allowed"] as? Bool == true, "\(allowed.text)")
      #expect(allowed.response["status"] == nil)

      // warn: admitted with the denial as a warning (≤ 120 characters); audit: admitted silently.
      let warned = try await Self.post(
        client, "/admission/validate",
        ReviewDocs.create("StatefulSet", images: [vulnerable], namespace: "staging"))
      #expect(warned.response["allowed"] as? Bool == true, "\(warned.text)")
      let warnList = try #require(warned.response["warnings"] as? [String])
      #expect(
        warnList.contains {
          $0.hasPrefix("[admission.findings.deny] registry.test/shop/app@\(planted.prefix(19)):")
        }, "\(warnList)")
      #expect(warnList.allSatisfy { $0.count <= 120 })
      let audited = try await Self.post(
        client, "/admission/validate",
        ReviewDocs.create("CronJob", images: [vulnerable], namespace: "audit-eu"))
      #expect(audited.response["allowed"] as? Bool == true)
      #expect(audited.response["warnings"] == nil)
      // Excluded namespace: not even judged, not recorded.
      let excluded = try await Self.post(
        client, "/admission/validate",
        ReviewDocs.create("DaemonSet", images: [vulnerable], namespace: "kube-system"))
      #expect(excluded.response["allowed"] as? Bool == true)

      // An unknown digest: denied as not yet scanned, queued at the highest priority.
      let unknown = Self.randomDigest()
      let cold = try await Self.post(
        client, "/admission/validate",
        ReviewDocs.create("Job", images: ["registry.test/shop/new@\(unknown)"]))
      #expect(cold.response["allowed"] as? Bool == false)
      let coldMessage = (cold.response["status"] as? [String: Any])?["message"] as? String ?? ""
      #expect(coldMessage.contains("[unknown-image]"), "\(coldMessage)")
      #expect(coldMessage.contains("not yet scanned"), "\(coldMessage)")
      let jobs = try await client.all("/api/v1/jobs", limit: 50)
      let job = try #require(jobs.first { $0["digest"] as? String == unknown }, "\(jobs)")
      #expect(job["priority"] as? Int == 100)
      #expect(job["reference"] as? String == "registry:registry.test/shop/new@\(unknown)")

      // A dry run decides the same but queues nothing.
      let dryDigest = Self.randomDigest()
      let dry = try await Self.post(
        client, "/admission/validate",
        ReviewDocs.create("ReplicaSet", images: ["registry.test/x@\(dryDigest)"], dryRun: true))
      #expect(dry.response["allowed"] as? Bool == false)
      #expect(
        try await client.all("/api/v1/jobs", limit: 50).allSatisfy {
          $0["digest"] as? String != dryDigest
        })

      // DELETE: nothing runs, allowed.
      let old = ReviewDocs.object(
        "Deployment", name: "web", namespace: "shop", images: [vulnerable])
      let delete = try await Self.post(
        client, "/admission/validate",
        ReviewDocs.json(
          ReviewDocs.review(
            kind: "Deployment", uid: "uid-del", operation: "DELETE", object: nil, oldObject: old)))
      #expect(delete.response["allowed"] as? Bool == true)
      #expect(delete.response["uid"] as? String == "uid-del")

      // UPDATE with oldObject: the new object is what is judged.
      let update = try await Self.post(
        client, "/admission/validate",
        ReviewDocs.json(
          ReviewDocs.review(
            kind: "Deployment", operation: "UPDATE",
            object: ReviewDocs.object(
              "Deployment", name: "web", namespace: "shop", images: [clean]),
            oldObject: old)))
      #expect(update.response["allowed"] as? Bool == true, "\(update.text)")

      // Decisions are listed (read role), oldest first, paged; dry runs flagged.
      var records: [[String: Any]] = []
      for _ in 0..<100 {
        records = try await client.all("/api/v1/admissions", limit: 2)
        if records.count >= 7 { break }
        try await Task.sleep(for: .milliseconds(50))
      }
      #expect(records.count == 7, "\(records)")
      let first = try #require(records.first)
      #expect(first["uid"] as? String == "uid-deny")
      #expect(first["decision"] as? String == "denied")
      #expect(first["mode"] as? String == "enforce")
      #expect(first["kind"] as? String == "Pod")
      #expect(first["namespace"] as? String == "shop")
      #expect(first["rules"] as? [String] == ["admission.findings.deny"])
      // Container order, init containers first, each image once.
      #expect(first["images"] as? [String] == [clean, vulnerable])
      #expect(first["digests"] as? [String] == [base, planted])
      #expect(first["dryRun"] as? Bool == false)
      #expect((first["latencyMs"] as? Double ?? -1) >= 0)
      #expect(
        records.contains {
          $0["mode"] as? String == "warn" && $0["decision"] as? String == "allowed"
        })
      #expect(records.contains { $0["mode"] as? String == "audit" })
      #expect(!records.contains { $0["namespace"] as? String == "kube-system" })
      #expect(records.filter { $0["dryRun"] as? Bool == true }.count == 1)
      #expect(records.contains { ($0["rules"] as? [String]) == ["unknown-image"] })
      #expect(try await client.get("/api/v1/admissions", role: nil).status == 401)

      // Each denial that was not a dry run is an admission.denied event in the outbox.
      let events = try harness.store.driver.read { db in
        try db.query("SELECT event, body FROM outbox ORDER BY id").map {
          (try $0.string("event"), String(decoding: $0.data("body") ?? Data(), as: UTF8.self))
        }
      }
      #expect(events.count == 2, "\(events)")
      #expect(events.allSatisfy { $0.0 == "admission.denied" })
      #expect(events.first?.1.contains("uid-deny") == true)

      // Metrics: the review histogram by decision and cache; no timeout yet.
      let metrics = try await client.get("/metrics", role: nil).text
      #expect(metrics.contains("tailguard_admission_review_duration_seconds_bucket"))
      #expect(metrics.contains(#"decision="denied""#), "\(metrics.prefix(500))")
      #expect(metrics.contains(#"cache="hit""#))
      #expect(metrics.contains(#"cache="miss""#))

      // Bodies that are not reviews: 400 with a message, never a 5xx, never an allow.
      for body in ["{", "", "[]", #"{"apiVersion":"v1","kind":"Pod"}"#] {
        let bad = try await client.request(
          .post, "/admission/validate", role: nil, body: Data(body.utf8))
        #expect(bad.status == 400, "\(body): \(bad.text)")
        #expect(bad.text.contains("detail"), "\(bad.text)")
      }
      let big = Data(repeating: 0x20, count: (3 << 20) + 1)
      #expect(
        try await client.request(.post, "/admission/validate", role: nil, body: big).status == 413)
      // A review without a request follows admission.onError (deny) and says so.
      let noRequest = try await Self.post(
        client, "/admission/validate",
        Data(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.utf8))
      #expect(noRequest.response["allowed"] as? Bool == false)
      #expect(
        ((noRequest.response["status"] as? [String: Any])?["message"] as? String)?.contains(
          "cannot understand") == true)
    }
  }

  /// Applies a JSONPatch of `replace` operations to a JSON document.
  static func apply(_ patch: [[String: Any]], to document: Any) throws -> Any {
    func replace(_ value: Any, _ path: ArraySlice<String>, _ new: Any) throws -> Any {
      guard let key = path.first else { return new }
      if var object = value as? [String: Any] {
        object[key] = try replace(try #require(object[key], "no \(key)"), path.dropFirst(), new)
        return object
      }
      var array = try #require(value as? [Any], "\(key) in a scalar")
      let i = try #require(Int(key))
      array[i] = try replace(array[i], path.dropFirst(), new)
      return array
    }
    var doc = document
    for op in patch {
      #expect(op["op"] as? String == "replace")
      let path = try #require(op["path"] as? String).split(separator: "/").map(String.init)
      doc = try replace(doc, path[...], try #require(op["value"]))
    }
    return doc
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)))
  func mutationPinsEveryTagOfEveryKindAndNothingElse() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-admission")
    let tags = TagTable()
    let config = try Self.configure(harness, tags: tags)
    let a = Self.randomDigest()
    let b = Self.randomDigest()
    tags.set("registry:registry.test/a:1", a)
    tags.set("registry:registry.test/b", b)
    let pinned = "registry.test/c@" + Self.randomDigest()
    try await harness.run(config) { client in
      for kind in ReviewDocs.kinds.keys.sorted() {
        let object = ReviewDocs.object(
          kind, name: "web", namespace: "shop",
          images: ["registry.test/a:1", pinned, "registry.test/unknown:9"],
          init: ["registry.test/b"])
        let review = ReviewDocs.review(kind: kind, uid: "m-\(kind)", object: object)
        let answer = try await Self.post(client, "/admission/mutate", ReviewDocs.json(review))
        #expect(answer.response["uid"] as? String == "m-\(kind)")
        #expect(answer.response["allowed"] as? Bool == true)
        #expect(answer.response["patchType"] as? String == "JSONPatch", "\(answer.text)")
        let patchData = try #require(Data(base64Encoded: answer.response["patch"] as? String ?? ""))
        let patch = try #require(
          try JSONSerialization.jsonObject(with: patchData) as? [[String: Any]])
        #expect(patch.count == 2, "\(kind): \(patch)")
        let patched = try Self.apply(patch, to: object)
        // Exactly the two tags changed: the rest of the object is as it was.
        let expected = ReviewDocs.object(
          kind, name: "web", namespace: "shop",
          images: ["registry.test/a:1@\(a)", pinned, "registry.test/unknown:9"],
          init: ["registry.test/b@\(b)"])
        #expect(
          ReviewDocs.json(patched) == ReviewDocs.json(expected), "\(kind): \(patch)")
      }
      // kubectl debug: the debug container is pinned at its pointer.
      let debug = try await Self.post(
        client, "/admission/mutate",
        ReviewDocs.ephemeral(podImages: ["registry.test/a:1"], debugImage: "registry.test/b"))
      let data = try #require(Data(base64Encoded: debug.response["patch"] as? String ?? ""))
      let ops = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
      #expect(ops.count == 1)
      #expect(ops.first?["path"] as? String == "/spec/ephemeralContainers/0/image")
      #expect(ops.first?["value"] as? String == "registry.test/b@\(b)")
      // Nothing to pin, or an excluded namespace: no patch.
      let none = try await Self.post(
        client, "/admission/mutate", ReviewDocs.create("Pod", images: [pinned]))
      #expect(none.response["patch"] == nil)
      let skipped = try await Self.post(
        client, "/admission/mutate",
        ReviewDocs.create("Pod", images: ["registry.test/a:1"], namespace: "kube-system"))
      #expect(skipped.response["patch"] == nil)
    }
  }

  /// A registry that never answers: the review is answered at the deadline with the configured
  /// unknown-image decision, and the timeout is counted.
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(5)))
  func aSilentRegistryCannotMakeTheAnswerLate() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-admission")
    for unknownImage in [AdmissionSettings.UnknownImage.deny, .allow] {
      var config = try Self.configure(harness, tags: TagTable())
      config.admission.timeoutSeconds = 1
      config.admission.unknownImage = unknownImage
      config.admissionResolve = { _ in
        try await Task.sleep(for: .seconds(120))
        return "sha256:" + String(repeating: "0", count: 64)
      }
      try await harness.run(config) { client in
        let answer = try await Self.post(
          client, "/admission/validate",
          ReviewDocs.create("Pod", images: ["registry.test/slow:1"], uid: "slow"))
        #expect(answer.response["uid"] as? String == "slow")
        #expect(answer.response["allowed"] as? Bool == (unknownImage == .allow), "\(answer.text)")
        #expect(answer.text.contains("could not be resolved"), "\(answer.text)")
        let metrics = try await client.get("/metrics", role: nil).text
        #expect(metrics.contains("tailguard_admission_timeouts_total 1"), "\(metrics.prefix(400))")
      }
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)))
  func theEndpointsAnswer404WhenAdmissionIsOff() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-admission")
    try await harness.run { client in
      let answer = try await client.request(
        .post, "/admission/validate", role: nil,
        body: ReviewDocs.create("Pod", images: ["nginx:1"]))
      #expect(answer.status == 404)
      #expect(answer.text.contains("not enabled"))
    }
  }

  /// Random and truncated real reviews through the HTTP endpoint: every answer is 200 or 400,
  /// and a 200 for a broken body is never an allow.
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)))
  func fuzzedBodiesGet400OrADenialNever5xx() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-admission")
    let config = try Self.configure(harness, tags: TagTable())
    try await harness.run(config) { client in
      var rng = SeededGenerator(seed: 1818)
      let docs = ReviewDocs.kinds.keys.sorted().map {
        Array(ReviewDocs.create($0, images: ["registry.test/x:1"]))
      }
      for doc in docs {
        for _ in 0..<15 {
          let cut = Int.random(in: 0..<doc.count, using: &rng)
          var bytes = Array(doc[..<cut])
          if Bool.random(using: &rng), !bytes.isEmpty {
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(
              in: 0...255, using: &rng)
          }
          let answer = try await client.request(
            .post, "/admission/validate", role: nil, body: Data(bytes))
          #expect(answer.status == 200 || answer.status == 400, "\(answer.status) \(answer.text)")
          if answer.status == 200 {
            #expect(!answer.text.contains(#""allowed":true"#), "\(answer.text)")
          }
        }
      }
    }
  }
}
