import Foundation
import Hummingbird
import HummingbirdTesting
import Scanner
import TailguardServer
import TailguardTesting
import Testing

/// The server end to end on real images: index once over HTTP, findings and history, idempotent
/// re-submission, re-match on advisory change without reading the image again.
@Suite(.serialized)
struct ServerAPITests {
  @Test(
    .enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(10)),
    arguments: StoreBackend.available)
  func indexOnceThenRematchOnAdvisoryChange(_ backend: StoreBackend) async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], backend: backend)
    // A private copy of the layout: after indexing it is deleted, so the re-match provably
    // reads no image.
    let layout = harness.dir.file("layout")
    try FileManager.default.copyItem(atPath: ServerHarness.layout, toPath: layout)
    let advisoryDB = harness.advisoryDB

    try await harness.run { client in
      // Health is public; the API is not.
      #expect(try await client.get("/healthz", role: nil).status == 200)
      #expect(try await client.get("/readyz", role: nil).status == 200)

      let (status, digest) = try await client.submit("oci:\(layout):planted")
      #expect(status == 202)
      #expect(digest.hasPrefix("sha256:"))
      let (status2, base) = try await client.submit("oci:\(layout):bookworm-minbase")
      #expect(status2 == 202)
      #expect(base != digest)

      let image = try await client.waitIndexed(digest)
      #expect(image["status"] as? String == "indexed", "\(image)")
      #expect((image["packages"] as? Int ?? 0) > 50)
      #expect((image["references"] as? [String])?.contains("oci:\(layout):planted") == true)
      #expect(try await client.waitIndexed(base)["status"] as? String == "indexed")

      // Jinja2 2.10 in the planted image: its PyPA advisories are open findings, first seen now.
      let findings = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
      #expect(!findings.isEmpty)
      for f in findings {
        #expect((f["packages"] as? [String])?.contains("Jinja2@2.10") == true, "\(f)")
        #expect(f["state"] as? String == "open")
        #expect(f["firstSeen"] as? String != nil)
      }
      let ids = Set(findings.compactMap { $0["vulnerabilityID"] as? String })
      #expect(ids.count == findings.count)
      let history = try await client.all("/api/v1/images/\(digest)/history", limit: 500)
      #expect(history.count == findings.count)
      #expect(history.allSatisfy { $0["event"] as? String == "first_seen" })
      #expect(history.allSatisfy { $0["cause"] as? String == "index" })

      // Submitting an indexed digest again reads nothing and queues nothing.
      let again = try await client.post(
        "/api/v1/images", json: #"{"reference": "oci:\#(layout):planted"}"#)
      #expect(again.status == 200)
      #expect(try again.json()["status"] as? String == "indexed")
      let jobs = try await client.all("/api/v1/jobs", limit: 10)
      #expect(jobs.count == 2)
      #expect(jobs.allSatisfy { $0["state"] as? String == "done" && $0["attempts"] as? Int == 1 })
      #expect(
        try await client.all("/api/v1/images/\(digest)/history", limit: 500).count == history.count)

      // An update with no advisory change changes nothing.
      let idle = try await client.post("/api/v1/advisories/update", json: "")
      #expect(idle.status == 200, "\(idle.text)")
      #expect(try idle.json()["keysChanged"] as? Int == 0)
      #expect(try idle.json()["historyEvents"] as? Int == 0)

      // New advisories arrive for urllib3 (planted has 1.24.1); the image is gone from disk.
      try FileManager.default.removeItem(atPath: layout)
      try ServerHarness.importAdvisories(["advisories/pypa-osv-json/urllib3"], into: advisoryDB)
      let update = try await client.post("/api/v1/advisories/update", json: "")
      #expect(update.status == 200, "\(update.text)")
      let summary = try update.json()
      #expect(summary["keysChanged"] as? Int == 1, "\(summary)")
      #expect(summary["imagesRematched"] as? Int == 1, "\(summary)")
      let added = summary["historyEvents"] as? Int ?? 0
      #expect(added > 0)

      let after = try await client.all("/api/v1/images/\(digest)/findings", limit: 500)
      let urllib3 = after.filter {
        ($0["packages"] as? [String])?.contains("urllib3@1.24.1") == true
      }
      #expect(urllib3.count == added)
      #expect(after.count == findings.count + added)
      let newHistory = try await client.all("/api/v1/images/\(digest)/history", limit: 500)
      let fromUpdate = newHistory.filter { $0["cause"] as? String == "advisory-update" }
      #expect(fromUpdate.count == added)
      #expect(fromUpdate.allSatisfy { $0["event"] as? String == "first_seen" })
      // The base image holds no urllib3: untouched. No job was queued for the re-match.
      #expect(try await client.all("/api/v1/images/\(base)/history", limit: 500).isEmpty)
      #expect(try await client.all("/api/v1/jobs", limit: 10).count == 2)

      // Fleet-wide findings with filters, paged in pages of 2 without loss or duplicates.
      let all = try await client.all("/api/v1/findings", limit: 500)
      let paged = try await client.all("/api/v1/findings", limit: 2)
      #expect(paged.count == all.count)
      let keys = paged.map { "\($0["digest"] ?? "")|\($0["vulnerabilityID"] ?? "")" }
      #expect(Set(keys).count == keys.count)
      let high = try await client.all("/api/v1/findings?severity=critical,high", limit: 500)
      #expect(high.allSatisfy { ["critical", "high"].contains($0["severity"] as? String ?? "") })
      let fixable = try await client.all("/api/v1/findings?fixable=true", limit: 500)
      #expect(fixable.allSatisfy { $0["fixable"] as? Bool == true })
      #expect(!fixable.isEmpty)
      let images = try await client.all("/api/v1/images", limit: 1)
      #expect(Set(images.compactMap { $0["digest"] as? String }) == [digest, base])

      // The stored SBOM in both standard formats.
      let cdx = try await client.get("/api/v1/images/\(digest)/sbom?format=cyclonedx-json")
      #expect(cdx.status == 200)
      #expect(try cdx.json()["bomFormat"] as? String == "CycloneDX")
      let spdx = try await client.get("/api/v1/images/\(digest)/sbom?format=spdx-json")
      #expect(try spdx.json()["spdxVersion"] as? String == "SPDX-2.3")
      #expect(try await client.get("/api/v1/images/\(digest)/sbom?format=xml").status == 400)

      // Metrics: public, Prometheus text, tailguard_ names, no digest in any series.
      let metrics = try await client.get("/metrics", role: nil)
      #expect(metrics.status == 200)
      #expect(metrics.text.contains("tailguard_build_info{version="))
      #expect(metrics.text.contains("tailguard_jobs_queued 0"))
      #expect(metrics.text.contains("tailguard_job_duration_seconds_count 2"))
      #expect(metrics.text.contains("tailguard_http_request_duration_seconds_bucket"))
      #expect(metrics.text.contains("tailguard_findings{severity="))
      #expect(!metrics.text.contains("sha256:"))
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(5)))
  func authProblemsAndLimits() async throws {
    let harness = try ServerHarness(advisories: ["advisories/pypa-osv-json/jinja2"])
    try await harness.run { client in
      // 401 without detail, whatever is wrong; with a WWW-Authenticate challenge.
      for token in [nil, "nonsense", harness.tokens[.admin].map { $0 + "x" }] {
        let answer = try await client.request(.get, "/api/v1/images", role: nil, token: token)
        #expect(answer.status == 401)
        #expect(answer.headers[.contentType] == "application/problem+json")
        #expect(try answer.json()["detail"] == nil)
        #expect(answer.headers[.wwwAuthenticate] == "Bearer")
      }
      let basic = try await client.request(
        .get, "/api/v1/images", role: nil, headers: [.authorization: "Basic YTpi"])
      #expect(basic.status == 401)

      // A read token reads but cannot write.
      #expect(try await client.get("/api/v1/images", role: .read).status == 200)
      let forbidden = try await client.post(
        "/api/v1/images", json: #"{"reference": "oci:/nowhere:x"}"#, role: .read)
      #expect(forbidden.status == 403)
      #expect(try forbidden.json()["status"] as? Int == 403)
      #expect(
        try await client.post("/api/v1/advisories/update", json: "", role: .read).status == 403)

      // Malformed bodies: 400 naming the problem.
      let notJSON = try await client.post("/api/v1/images", json: "{reference:")
      #expect(notJSON.status == 400)
      #expect(try notJSON.json()["detail"] as? String == "body is not valid JSON")
      let missing = try await client.post("/api/v1/images", json: #"{"ref": "x"}"#)
      #expect(missing.status == 400)
      #expect(try missing.json()["detail"] as? String == "missing field 'reference'")
      let wrongType = try await client.post("/api/v1/images", json: #"{"reference": 7}"#)
      #expect(try wrongType.json()["detail"] as? String == "field 'reference' must be a string")
      let array = try await client.post("/api/v1/images", json: "[]")
      #expect(try array.json()["detail"] as? String == "body must be a JSON object")
      let unresolvable = try await client.post(
        "/api/v1/images", json: #"{"reference": "oci:\#(harness.dir.path)/missing:tag"}"#)
      #expect(unresolvable.status == 400)
      #expect((try unresolvable.json()["detail"] as? String)?.hasPrefix("cannot resolve") == true)
      let path = try await client.post("/api/v1/images", json: #"{"reference": "/etc"}"#)
      #expect(path.status == 400)

      // Over the 1 MiB limit: 413.
      let big = "{\"reference\": \"" + String(repeating: "a", count: 1 << 21) + "\"}"
      let tooLarge = try await client.post("/api/v1/images", json: big)
      #expect(tooLarge.status == 413)
      #expect(tooLarge.headers[.contentType] == "application/problem+json")

      // Bad parameters and unknown things.
      #expect(try await client.get("/api/v1/images/not-a-digest").status == 400)
      let unknown = "sha256:" + String(repeating: "0", count: 64)
      #expect(try await client.get("/api/v1/images/\(unknown)").status == 404)
      #expect(try await client.get("/api/v1/images/\(unknown)/findings").status == 404)
      #expect(try await client.get("/api/v1/images?limit=0").status == 400)
      #expect(try await client.get("/api/v1/images?limit=501").status == 400)
      #expect(try await client.get("/api/v1/jobs?cursor=x").status == 400)
      #expect(try await client.get("/api/v1/jobs?state=lost").status == 400)
      #expect(try await client.get("/api/v1/findings?severity=urgent").status == 400)
      #expect(try await client.get("/api/v1/findings?kev=yes").status == 400)
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(5)))
  func localTargetsAreRefusedUnlessAllowed() async throws {
    let harness = try ServerHarness(advisories: ["advisories/pypa-osv-json/jinja2"])
    var configuration = harness.configuration()
    configuration.allowLocalTargets = false
    try await harness.run(configuration) { client in
      let answer = try await client.post(
        "/api/v1/images", json: #"{"reference": "oci:\#(ServerHarness.layout):planted"}"#)
      #expect(answer.status == 400)
      #expect((try answer.json()["detail"] as? String)?.contains("disabled") == true)
    }
  }
}
