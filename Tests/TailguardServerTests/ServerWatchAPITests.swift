import Foundation
import Hummingbird
import HummingbirdTesting
import Scanner
import TailguardServer
import TailguardTesting
import Testing

/// The watch over HTTP on real images, on SQLite and PostgreSQL: SBOM upload, fleet upload with
/// usage and segments, the live summary, SLA, ignore rules, webhooks' roles and validation.
@Suite(.serialized)
struct ServerWatchAPITests {
  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)),
    arguments: StoreBackend.available)
  func sbomAndFleetUploadsSegmentsSLAAndSuppression(_ backend: StoreBackend) async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], backend: backend)
    let layout = ServerHarness.layout
    try await harness.run { client in
      // A fleet as a usage file: the planted image runs 1 replica, the base 50.
      let usage = """
        image,replicas,team
        oci:\(layout):planted,1,payments
        oci:\(layout):bookworm-minbase,50,platform
        """
      let body = try JSONSerialization.data(withJSONObject: [
        "source": "prod", "usage": usage, "head": 1,
      ])
      let upload = try await client.request(.post, "/api/v1/fleet", role: .write, body: body)
      #expect(upload.status == 202, "\(upload.text)")
      let answer = try upload.json()
      let images = try #require(answer["images"] as? [[String: Any]])
      #expect(images.count == 2)
      #expect(images.allSatisfy { $0["status"] as? String == "queued" }, "\(images)")
      let planted = try #require(
        images.first { ($0["reference"] as? String)?.hasSuffix(":planted") == true }?["digest"]
          as? String)
      for image in images {
        #expect(
          try await client.waitIndexed(image["digest"] as? String ?? "")["status"] as? String
            == "indexed")
      }

      // The head is the base (50 replicas); the planted image, 1 replica, is the tail and carries
      // every finding; its Jinja2 findings alert only if KEV or fixable critical.
      let summary = try await client.get("/api/v1/fleet/summary").json()
      let segments = try #require(summary["segments"] as? [String: [String: Any]])
      #expect(segments["head"]?["images"] as? Int == 1)
      #expect(segments["tail"]?["images"] as? Int == 1)
      #expect(segments["tail"]?["replicas"] as? Int == 1)
      #expect((segments["tail"]?["openFindings"] as? Int ?? 0) > 0)
      #expect(segments["tail"]?["findingShare"] as? Double == 1)
      let tail = try await client.all("/api/v1/findings?segment=tail", limit: 100)
      #expect(!tail.isEmpty && tail.allSatisfy { $0["digest"] as? String == planted })
      #expect(
        try await client.all("/api/v1/findings?team=payments", limit: 100).count == tail.count)
      #expect(try await client.all("/api/v1/findings?team=platform", limit: 100).isEmpty)
      #expect(try await client.get("/api/v1/findings?segment=middle").status == 400)
      #expect(try await client.get("/api/v1/findings?sla=late").status == 400)

      // SLA: PyPA's Jinja2 records carry no severity, and no rule covers an unknown severity:
      // no clock runs (the store suite checks the clocks with severities).
      let sla = try await client.get("/api/v1/sla").json()
      #expect(sla["counts"] as? [String: Int] == ["ok": 0, "at_risk": 0, "breached": 0])
      #expect((sla["policy"] as? [String: Any])?["kev"] as? Int == 72000)
      #expect(tail.allSatisfy { $0["severity"] as? String == "unknown" && $0["slaDue"] == nil })

      // An ignore rule for one of them: suppressed with who and why, then reopened.
      let id = try #require(tail.first?["vulnerabilityID"] as? String)
      #expect(
        try await client.post(
          "/api/v1/suppressions", json: #"{"vulnerability": "\#(id)", "reason": "x"}"#,
          role: .read
        ).status == 403)
      let rule = try await client.post(
        "/api/v1/suppressions",
        json:
          #"{"vulnerability": "\#(id)", "digest": "\#(planted)", "reason": "not loaded", "author": "alice"}"#
      )
      #expect(rule.status == 201, "\(rule.text)")
      let ruleID = try #require(try rule.json()["id"] as? Int)
      let suppressed = try await client.all("/api/v1/findings?state=suppressed", limit: 100)
      #expect(suppressed.map { $0["vulnerabilityID"] as? String } == [id])
      #expect((suppressed.first?["suppression"] as? [String: Any])?["author"] as? String == "alice")
      #expect(
        try await client.all("/api/v1/findings?segment=tail", limit: 100).count == tail.count - 1)
      #expect(
        try await client.request(.delete, "/api/v1/suppressions/\(ruleID)", role: .write).status
          == 200)
      #expect(
        try await client.request(.delete, "/api/v1/suppressions/\(ruleID)", role: .write).status
          == 404)
      #expect(try await client.all("/api/v1/findings?segment=tail", limit: 100).count == tail.count)
      let events = try await client.all("/api/v1/images/\(planted)/history", limit: 500).compactMap
      {
        $0["event"] as? String
      }
      #expect(events.suffix(2) == ["suppressed", "unsuppressed"])

      // The planted image's SBOM uploaded as a document under another digest: indexed at once,
      // with the same findings, reading no registry.
      let cyclonedx = try await client.get("/api/v1/images/\(planted)/sbom?format=cyclonedx-json")
      #expect(cyclonedx.status == 200)
      let other = "sha256:" + String(repeating: "1", count: 64)
      let uploaded = try await client.request(
        .post, "/api/v1/sboms?digest=\(other)&reference=uploaded", role: .write,
        body: cyclonedx.body)
      #expect(uploaded.status == 201, "\(uploaded.text)")
      #expect(try uploaded.json()["openFindings"] as? Int == tail.count)
      #expect(
        try await client.get("/api/v1/images/\(other)").json()["status"] as? String == "indexed")
      let spdx = try await client.get("/api/v1/images/\(planted)/sbom?format=spdx-json")
      let third = "sha256:" + String(repeating: "2", count: 64)
      let fromSPDX = try await client.request(
        .post, "/api/v1/sboms?digest=\(third)", role: .write, body: spdx.body)
      #expect(fromSPDX.status == 201, "\(fromSPDX.text)")
      #expect(try fromSPDX.json()["openFindings"] as? Int == tail.count)
      // Bad documents.
      let garbage = try await client.request(
        .post, "/api/v1/sboms", role: .write, body: Data("{\"not\": \"an sbom\"}".utf8))
      #expect(garbage.status == 400, "\(garbage.text)")
      #expect(
        try await client.request(
          .post, "/api/v1/sboms?digest=sha256:zz", role: .write, body: cyclonedx.body
        ).status == 400)

      // The cron job is gone: the fleet without the planted image retires it, its findings fixed.
      let smaller = try JSONSerialization.data(withJSONObject: [
        "source": "prod", "usage": "image,replicas\noci:\(layout):bookworm-minbase,50\n",
      ])
      let second = try await client.request(.post, "/api/v1/fleet", role: .write, body: smaller)
      #expect(second.status == 202)
      #expect(
        ((try second.json()["usage"] as? [String: Any])?["retired"] as? [String]) == [planted])
      #expect(try await client.all("/api/v1/images/\(planted)/findings", limit: 100).isEmpty)
      #expect(
        try await client.all("/api/v1/images/\(planted)/findings?state=fixed", limit: 100).count
          == tail.count)
      // Bad fleet uploads.
      #expect(try await client.post("/api/v1/fleet", json: "{}").status == 400)
      #expect(
        try await client.post("/api/v1/fleet", json: #"{"usage": "x", "head": -1}"#).status == 400)
    }
  }

  /// An OpenVEX document: `not_affected` about the image suppresses the finding (under its id or
  /// an alias), with the justification as the reason; package products, `affected` statements
  /// and broken documents are reported, not applied.
  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)),
    arguments: StoreBackend.available)
  func vexStatementsAboutAnImageSuppressItsFindings(_ backend: StoreBackend) async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], backend: backend)
    try await harness.run { client in
      let (_, digest) = try await client.submit("oci:\(ServerHarness.layout):planted")
      #expect(try await client.waitIndexed(digest)["status"] as? String == "indexed")
      let open = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
      #expect(open.count >= 2, "\(open)")
      let first = try #require(open.first?["vulnerabilityID"] as? String)
      let second = try #require(open.dropFirst().first?["vulnerabilityID"] as? String)
      let product = "pkg:oci/planted@\(digest.replacingOccurrences(of: ":", with: "%3A"))"
      let document: [String: Any] = [
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
        "author": "security@example.com", "timestamp": "2026-12-01T00:00:00Z", "version": 1,
        "statements": [
          [
            "vulnerability": ["name": "CVE-0000-0001", "aliases": [first]],
            "products": [["@id": product]], "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
          ],
          [
            "vulnerability": ["name": second], "products": [["@id": "pkg:pypi/jinja2@2.10"]],
            "status": "not_affected", "justification": "component_not_present",
          ],
          [
            "vulnerability": ["name": second], "products": [["@id": product]], "status": "affected",
          ],
        ],
      ]
      let body = try JSONSerialization.data(withJSONObject: document)
      #expect(try await client.request(.post, "/api/v1/vex", role: .read, body: body).status == 403)
      let answer = try await client.request(
        .post, "/api/v1/vex?author=secteam", role: .write, body: body)
      #expect(answer.status == 201, "\(answer.text)")
      let json = try answer.json()
      let rules = try #require(json["suppressions"] as? [[String: Any]])
      #expect(
        Set(rules.compactMap { $0["vulnerabilityID"] as? String }) == [first, "CVE-0000-0001"])
      #expect(
        rules.allSatisfy {
          $0["digest"] as? String == digest && $0["author"] as? String == "secteam"
        })
      let skipped = try #require(json["skipped"] as? [[String: Any]])
      #expect(skipped.count == 2, "\(skipped)")
      #expect(skipped.contains { ($0["reason"] as? String)?.contains("not images") == true })
      #expect(skipped.contains { ($0["reason"] as? String)?.contains("'affected'") == true })

      let suppressed = try await client.all(
        "/api/v1/images/\(digest)/findings?state=suppressed", limit: 500)
      #expect(suppressed.map { $0["vulnerabilityID"] as? String } == [first])
      let reason = (suppressed.first?["suppression"] as? [String: Any])?["reason"] as? String
      #expect(reason == "VEX not_affected: vulnerable_code_not_in_execute_path")
      #expect(
        try await client.all("/api/v1/images/\(digest)/findings", limit: 500).count
          == open.count - 1)
      let history = try await client.all("/api/v1/images/\(digest)/history", limit: 500)
      #expect(
        history.contains {
          $0["event"] as? String == "suppressed" && $0["vulnerabilityID"] as? String == first
        })

      for bad in ["{", #"{"statements": 3}"#, "[]"] {
        let answer = try await client.request(
          .post, "/api/v1/vex", role: .write, body: Data(bad.utf8))
        #expect(answer.status == 400, "\(bad): \(answer.text)")
      }
    }
  }

  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(5)),
    arguments: StoreBackend.available)
  func webhooksNeedAdminAndAreValidated(_ backend: StoreBackend) async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], backend: backend)
    try await harness.run { client in
      let good =
        #"{"url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef", "events": ["finding.new"]}"#
      #expect(try await client.post("/api/v1/webhooks", json: good, role: .write).status == 403)
      #expect(try await client.get("/api/v1/webhooks", role: .read).status == 403)
      let created = try await client.post("/api/v1/webhooks", json: good, role: .admin)
      #expect(created.status == 201, "\(created.text)")
      #expect(!created.text.contains("0123456789abcdef"))  // the secret is never shown again
      let listed = try await client.request(.get, "/api/v1/webhooks", role: .admin)
      #expect(!listed.text.contains("0123456789abcdef"))
      let items = try #require(try listed.json()["items"] as? [[String: Any]])
      #expect(items.count == 1)
      for bad in [
        #"{"url": "ftp://x/h", "secret": "0123456789abcdef", "events": ["finding.new"]}"#,
        #"{"url": "/relative", "secret": "0123456789abcdef", "events": ["finding.new"]}"#,
        #"{"url": "hTTp://.-SSmd4k*", "secret": "0123456789abcdef", "events": ["finding.new"]}"#,
        #"{"url": "http://user:pw@x/h", "secret": "0123456789abcdef", "events": ["finding.new"]}"#,
        #"{"url": "http://x/h", "secret": "short", "events": ["finding.new"]}"#,
        #"{"url": "http://x/h", "secret": "0123456789abcdef", "events": []}"#,
        #"{"url": "http://x/h", "secret": "0123456789abcdef", "events": ["finding.eaten"]}"#,
      ] {
        let answer = try await client.post("/api/v1/webhooks", json: bad, role: .admin)
        #expect(answer.status == 400, "\(bad): \(answer.text)")
      }
      let id = try #require(items.first?["id"] as? Int)
      #expect(
        try await client.request(.delete, "/api/v1/webhooks/\(id)", role: .admin).status == 200)
      #expect(
        try await client.request(.delete, "/api/v1/webhooks/\(id)", role: .admin).status == 404)
      #expect(try await client.request(.delete, "/api/v1/webhooks/abc", role: .admin).status == 400)
      #expect(try await client.get("/api/v1/notifications/failed").status == 200)
    }
  }
}

/// Webhooks end to end: the server indexes a real image, its outbox events reach a real receiver
/// signed, and a destination that answers 410 lands in the dead letters — on both databases.
@Suite(.serialized)
struct ServerWebhookDeliveryTests {
  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(5)),
    arguments: StoreBackend.available)
  func indexedImagesNotifySignedAndGoneDestinationsDeadLetter(_ backend: StoreBackend) async throws
  {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], backend: backend)
    let configuration = {
      var c = harness.configuration()
      c.webhookDelivery = .testing
      return c
    }()
    let secret = "s3cret-0123456789abcdef"
    try await withReceiver { port, recorder in
      try await harness.run(configuration) { client in
        for (path, events) in [
          ("ok", #"["image.indexed", "finding.new", "finding.fixed"]"#),
          ("gone", #"["finding.new"]"#),
        ] {
          let created = try await client.post(
            "/api/v1/webhooks",
            json:
              #"{"url": "http://127.0.0.1:\#(port)/\#(path)", "secret": "\#(secret)", "events": \#(events)}"#,
            role: .admin)
          #expect(created.status == 201, "\(created.text)")
        }
        let (_, digest) = try await client.submit("oci:\(ServerHarness.layout):planted")
        #expect(try await client.waitIndexed(digest)["status"] as? String == "indexed")

        // Both events of the index reach the healthy receiver, each signed over its body.
        let deadline = ContinuousClock.now + .seconds(30)
        var hits: [Recorder.Hit] = []
        while ContinuousClock.now < deadline {
          hits = await recorder.hits("/ok")
          if hits.count >= 2 { break }
          try await Task.sleep(for: .milliseconds(50))
        }
        let events = Set(hits.compactMap { $0.headers["x-tailguard-event"] })
        #expect(events == ["image.indexed", "finding.new"], "\(hits.map(\.headers))")
        for hit in hits {
          let signature = try #require(hit.headers["x-tailguard-signature"])
          #expect(WebhookSignature.verify(signature: signature, body: hit.body, secret: secret))
          #expect(!WebhookSignature.verify(signature: signature, body: hit.body, secret: "other"))
          let json = try #require(
            try JSONSerialization.jsonObject(with: hit.body) as? [String: Any])
          #expect(json["id"] as? String == hit.headers["x-tailguard-delivery"])
          #expect((json["data"] as? [String: Any])?["digest"] as? String == digest)
        }
        let new = try #require(hits.first { $0.headers["x-tailguard-event"] == "finding.new" })
        let data = try #require(
          (try JSONSerialization.jsonObject(with: new.body) as? [String: Any])?["data"]
            as? [String: Any])
        let findings = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
        #expect((data["findings"] as? [Any])?.count == findings.count)

        // 410 Gone: dead at once, listed with its error.
        var failed: [[String: Any]] = []
        while ContinuousClock.now < deadline {
          failed = try await client.all("/api/v1/notifications/failed", limit: 50)
          if !failed.isEmpty { break }
          try await Task.sleep(for: .milliseconds(50))
        }
        #expect(failed.count == 1)
        #expect((failed.first?["url"] as? String)?.hasSuffix("/gone") == true)
        #expect(failed.first?["event"] as? String == "finding.new")
        let metrics = try await client.get("/metrics", role: nil).text
        #expect(
          metrics.contains(#"tailguard_notifications_total{outcome="delivered"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"tailguard_notifications_total{outcome="dead"} 1"#))
      }
    }
  }
}
