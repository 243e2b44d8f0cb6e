import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Scanner
import TailguardModel
import TailguardServer
import TailguardTesting
import Testing

/// The dashboard on a live server over a known fleet: the login (CSRF, cookie attributes), the
/// security headers, escaping, pages and their 404s, logout; and the same pages in headless
/// Chromium (`scripts/check-dashboard-in-chromium.py`).
@Suite(.serialized)
struct DashboardTests {
  /// The known fleet: four images. `web` (50 replicas, pinned, the head) has a KEV critical and a
  /// high; `api` (10) the same critical, a medium and a low; the image whose reference is a
  /// `<script>` (2) the medium; `batch` (1) none.
  enum Fleet {
    static let web = "sha256:" + String(repeating: "a", count: 64)
    static let api = "sha256:" + String(repeating: "b", count: 64)
    static let hostile = "sha256:" + String(repeating: "c", count: 64)
    static let batch = "sha256:" + String(repeating: "d", count: 64)
    static let script = "<script>alert(1)</script>"
    static let hostileReference = "registry.example/\(script):1"

    static func sbom(_ reference: String, packages: [(String, String)]) throws -> SoftwareBOM {
      let layer = try Digest(parsing: "sha256:" + String(repeating: "e", count: 64))
      let layers = [
        LayerInfo(
          index: 0, digest: layer, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          compression: .gzip, size: 31_457_280, createdBy: "ADD rootfs.tar / # \(script)")
      ]
      return SoftwareBOM(
        image: ImageMetadata(target: reference, sourceKind: "sbom", layers: layers),
        packages: packages.map { name, version in
          Package(
            name: name, version: version, ecosystem: .pypi,
            purl: PackageURL(type: "pypi", name: name, version: version),
            locations: [
              Location(path: "/usr/lib/python3/site-packages/\(name)", layer: layer, layerIndex: 0)
            ], foundBy: "test", introducedBy: layer, introducedByIndex: 0)
        })
    }

    static func vuln(
      _ id: String, _ severity: Severity, kev: Bool = false, fixed: String? = nil,
      packages: [String]
    ) -> MatchedVulnerability {
      MatchedVulnerability(
        vulnerabilityID: id, severity: severity, kev: kev, fixable: fixed != nil,
        fixedVersion: fixed, packages: packages, summary: "summary of \(id) \(script)",
        risk: Double(severity.rank), kevDate: kev ? "2026-01-01" : nil)
    }

    static func seed(_ store: SQLServerStore) throws {
      let now = Date()
      let images: [(String, String, [(String, String)], [MatchedVulnerability])] = [
        (
          web, "registry.example/web:1.0", [("jinja2", "2.10"), ("flask", "1.0")],
          [
            vuln("CVE-TEST-0001", .critical, kev: true, fixed: "2.11.3", packages: ["jinja2@2.10"]),
            vuln("CVE-TEST-0002", .high, packages: ["flask@1.0"]),
          ]
        ),
        (
          api, "registry.example/api:2.0", [("jinja2", "2.10"), ("urllib3", "1.0"), ("six", "1")],
          [
            vuln("CVE-TEST-0001", .critical, kev: true, fixed: "2.11.3", packages: ["jinja2@2.10"]),
            vuln("CVE-TEST-0003", .medium, fixed: "1.26", packages: ["urllib3@1.0"]),
            vuln("CVE-TEST-0004", .low, packages: ["six@1"]),
          ]
        ),
        (
          hostile, hostileReference, [(script, "6.6.6"), ("urllib3", "1.0")],
          [vuln("CVE-TEST-0003", .medium, fixed: "1.26", packages: ["\(script)@6.6.6"])]
        ),
        (batch, "registry.example/batch:2", [("six", "1")], []),
      ]
      for (digest, reference, packages, matched) in images {
        try store.storeUploadedSBOM(
          digest: digest, reference: reference, sbom: try sbom(reference, packages: packages),
          keys: [], fingerprints: [:], matched: matched, now: now)
      }
      _ = try store.replaceUsage(
        source: "prod",
        entries: [
          UsageEntry(
            digest: web, reference: "registry.example/web:1.0@\(web)", namespace: "shop",
            workload: "web", kind: "Deployment", replicas: 50, exposure: ["internet-facing"],
            team: "storefront"),
          UsageEntry(
            digest: api, reference: "registry.example/api:2.0", namespace: "shop", workload: "api",
            kind: "Deployment", replicas: 10, team: "storefront"),
          UsageEntry(
            digest: hostile, reference: hostileReference, workload: script, kind: "Job",
            replicas: 2),
          UsageEntry(
            digest: batch, reference: "registry.example/batch:2", workload: "nightly",
            kind: "CronJob", replicas: 1, team: "data"),
        ], head: 1, now: now)
    }
  }

  /// Cookie and form helpers over the harness client.
  struct Browser {
    let client: ServerHarness.Client

    func get(_ uri: String, cookie: String? = nil) async throws -> ServerHarness.Client.Answer {
      var headers: HTTPFields = [:]
      if let cookie { headers[.cookie] = cookie }
      return try await client.request(.get, uri, role: nil, headers: headers)
    }

    func post(_ uri: String, form: [(String, String)], cookie: String?) async throws
      -> ServerHarness.Client.Answer
    {
      var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
      if let cookie { headers[.cookie] = cookie }
      let body = form.map { k, v in
        "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? v)"
      }.joined(separator: "&")
      return try await client.request(
        .post, uri, role: nil, body: Data(body.utf8), headers: headers)
    }

    /// NAME=VALUE of the Set-Cookie header that sets NAME, with its attributes.
    static func setCookie(_ answer: ServerHarness.Client.Answer, _ name: String) -> String? {
      answer.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    static func value(_ setCookie: String?) -> String? {
      setCookie?.split(separator: ";").first.map(String.init)
    }

    /// The value of the hidden `csrf` field of the page's form.
    static func csrf(_ page: String) -> String? {
      guard let range = page.range(of: #"name="csrf" value=""#) else { return nil }
      return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Logs in through the form with TOKEN; returns the session cookie (`tg_session=…`).
    func login(token: String) async throws -> String {
      let form = try await get("/login")
      let csrfCookie = try #require(Self.value(Self.setCookie(form, "tg_csrf")))
      let csrf = try #require(Self.csrf(form.text))
      let answer = try await post(
        "/login", form: [("csrf", csrf), ("token", token)], cookie: csrfCookie)
      #expect(answer.status == 303)
      return try #require(Self.value(Self.setCookie(answer, "tg_session")))
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(5)))
  func loginHeadersEscapingPagesAndLogout() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-dashboard")
    try await harness.run { client in
      try Fleet.seed(harness.store)
      let browser = Browser(client: client)

      // No session: every page redirects to the login form; the API's bearer token is no session.
      for path in ["/", "/images", "/images/\(Fleet.web)", "/findings/CVE-TEST-0001"] {
        let answer = try await browser.get(path)
        #expect(answer.status == 303, "\(path)")
        #expect(answer.headers[.location] == "/login", "\(path)")
      }
      #expect(try await client.get("/", role: .admin).status == 303)

      // The form: security headers, a CSRF cookie bound to the hidden field.
      let form = try await browser.get("/login")
      #expect(form.status == 200)
      let csp = try #require(form.headers[.contentSecurityPolicy])
      #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"))
      #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
      #expect(form.headers[.xContentTypeOptions] == "nosniff")
      #expect(form.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
      #expect(!form.text.contains("<script>") && !form.text.contains("style="))
      let csrfSet = try #require(Browser.setCookie(form, "tg_csrf"))
      #expect(csrfSet.contains("HttpOnly") && csrfSet.contains("SameSite=Strict"))
      let csrfCookie = try #require(Browser.value(csrfSet))
      let csrf = try #require(Browser.csrf(form.text))
      let token = try #require(harness.tokens[.read])

      // CSRF: a wrong field, or no cookie, is refused before the token is looked at. (The wrong
      // field differs from the right one in its first character, whatever that is.)
      let forged = (csrf.first == "0" ? "1" : "0") + csrf.dropFirst()
      #expect(
        try await browser.post(
          "/login", form: [("csrf", forged), ("token", token)], cookie: csrfCookie
        ).status == 403)
      #expect(
        try await browser.post("/login", form: [("csrf", csrf), ("token", token)], cookie: nil)
          .status == 403)
      // A wrong token: 401 and the form again.
      let wrong = try await browser.post(
        "/login", form: [("csrf", csrf), ("token", "tgk_nope")], cookie: csrfCookie)
      #expect(wrong.status == 401 && wrong.text.contains("not valid"))

      // The read token logs in: a session cookie, HttpOnly, SameSite=Strict, Path=/, not Secure
      // (plain HTTP here).
      let ok = try await browser.post(
        "/login", form: [("csrf", csrf), ("token", token)], cookie: csrfCookie)
      #expect(ok.status == 303 && ok.headers[.location] == "/")
      let sessionSet = try #require(Browser.setCookie(ok, "tg_session"))
      #expect(sessionSet.contains("HttpOnly") && sessionSet.contains("SameSite=Strict"))
      #expect(sessionSet.contains("Path=/") && !sessionSet.contains("Secure"))
      #expect(!sessionSet.contains(token))
      let session = try #require(Browser.value(sessionSet))

      // A tampered session is no session.
      #expect(try await browser.get("/", cookie: session + "0").status == 303)
      #expect(try await browser.get("/", cookie: String(session.dropLast()) + "x").status == 303)

      // The overview: headline, charts with titles and their tables, alerts.
      let overview = try await browser.get("/", cookie: session)
      #expect(overview.status == 200, "\(overview.text)")
      #expect(overview.headers[.contentType] == "text/html; charset=utf-8")
      #expect(overview.headers[.contentSecurityPolicy] == csp)
      #expect(overview.text.contains("The long tail is 75.0% of images in use (3 of 4)"))
      #expect(overview.text.components(separatedBy: "class=\"usage-bar ").count - 1 == 4)
      #expect(overview.text.contains("<title id=\"long-tail-title\">"))
      #expect(overview.text.contains("id=\"long-tail-table\""))
      #expect(overview.text.contains("id=\"severity-table\""))
      #expect(!overview.text.contains(Fleet.script))
      #expect(overview.body.count < 300_000)

      // Escaping: the hostile reference, package, workload and summary show as text.
      let hostile = try await browser.get("/images/\(Fleet.hostile)", cookie: session)
      #expect(hostile.status == 200)
      #expect(!hostile.text.contains(Fleet.script), "\(hostile.text)")
      #expect(hostile.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
      #expect(hostile.text.contains("<section id=\"graph\""))
      #expect(hostile.text.contains("30.0 MiB"))
      #expect(hostile.text.contains("ADD rootfs.tar / # &lt;script&gt;"))
      let web = try await browser.get("/images/\(Fleet.web)", cookie: session)
      #expect(web.text.contains("CVE-TEST-0001") && web.text.contains("2.11.3"))
      #expect(web.text.contains("/usr/lib/python3/site-packages/jinja2 (layer 0)"))
      #expect(web.text.contains("first_seen"))
      // The dependency graph (Reports' renderer): image, layer, two packages, two vulnerabilities.
      #expect(web.text.contains("<svg class=\"dependency-graph\""))
      #expect(web.text.components(separatedBy: "<g class=\"node ").count - 1 == 6)
      #expect(web.text.components(separatedBy: "<path class=\"edge ").count - 1 == 5)
      #expect(!web.text.contains("data-no-sbom"))

      // A segment's graph: its images together, shared layers once, values escaped.
      let tail = try await browser.get("/graph?segment=tail", cookie: session)
      #expect(tail.status == 200)
      #expect(tail.text.components(separatedBy: "<g class=\"node image ").count - 1 == 3)
      #expect(tail.text.contains("The 3 most used of the segment&#39;s 3 images"))
      #expect(!tail.text.contains(Fleet.script) && tail.text.contains("&lt;script&gt;"))
      #expect(tail.text.contains("aria-current=\"page\">Graph</a>"))
      let head = try await browser.get("/graph?segment=head", cookie: session)
      #expect(head.text.components(separatedBy: "<g class=\"node image ").count - 1 == 1)
      #expect(head.text.contains("CVE-TEST-0001"))
      // The head's graph is the head image's own graph.
      #expect(
        head.text.components(separatedBy: "<g class=\"node ").count
          == web.text.components(separatedBy: "<g class=\"node ").count)
      #expect(head.body.count < 300_000 && tail.body.count < 300_000)

      // The images table: filters as GET parameters, keyset pages.
      func rows(_ uri: String) async throws -> Int {
        let page = try await browser.get(uri, cookie: session)
        #expect(page.status == 200)
        return page.text.components(separatedBy: "<tr").count - 2  // minus the header row
      }
      #expect(try await rows("/images") == 4)
      #expect(try await rows("/images?segment=tail") == 3)
      #expect(try await rows("/images?severity=critical") == 2)
      #expect(try await rows("/images?severity=medium&segment=tail") == 2)
      #expect(try await rows("/images?kev=1") == 2)
      #expect(try await rows("/images?q=BATCH") == 1)
      #expect(try await rows("/images?q=%25") == 0)
      #expect(try await rows("/images?limit=3") == 3)
      let first = try await browser.get("/images?limit=3", cookie: session)
      #expect(first.text.contains("after=\(Fleet.hostile)"))
      #expect(try await rows("/images?limit=3&after=\(Fleet.hostile)") == 1)

      // One vulnerability across the fleet.
      let finding = try await browser.get("/findings/CVE-TEST-0001", cookie: session)
      #expect(finding.status == 200)
      #expect(finding.text.contains("Open in 2 images (1 head, 1 tail)"))
      #expect(finding.text.contains("2.11.3"))

      // Unknown things are 404 pages (with the headers).
      for path in [
        "/images/sha256:" + String(repeating: "0", count: 64), "/images/nonsense",
        "/findings/CVE-NOPE-1",
      ] {
        let answer = try await browser.get(path, cookie: session)
        #expect(answer.status == 404, "\(path)")
        #expect(answer.headers[.contentSecurityPolicy] == csp)
      }

      // Assets: served here, cacheable, nosniff; the page names them by version.
      let js = try await browser.get("/assets/dashboard.js")
      #expect(js.status == 200 && js.headers[.contentType] == "text/javascript; charset=utf-8")
      #expect(js.headers[.cacheControl]?.contains("max-age=") == true)
      #expect(js.headers[.xContentTypeOptions] == "nosniff")
      let etag = try #require(js.headers[.eTag])
      var conditional = HTTPFields()
      conditional[.ifNoneMatch] = etag
      #expect(
        try await client.request(.get, "/assets/dashboard.js", role: nil, headers: conditional)
          .status == 304)
      #expect(try await browser.get("/assets/dashboard.css").status == 200)

      // No state change over GET: logout is POST only, with the page's CSRF field.
      #expect(try await browser.get("/logout", cookie: session).status != 303)
      let logoutCSRF = try #require(Browser.csrf(overview.text))
      #expect(
        try await browser.post("/logout", form: [("csrf", "x")], cookie: session).status == 403)
      let out = try await browser.post("/logout", form: [("csrf", logoutCSRF)], cookie: session)
      #expect(out.status == 303 && out.headers[.location] == "/login")
      #expect(Browser.setCookie(out, "tg_session")?.contains("Max-Age=0") == true)
    }
  }

  static var browserAvailable: Bool {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
      && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
      && OracleProcess.pythonHas("selenium")
  }

  /// The dashboard in headless Chromium: logs in through the form, visits every page, counts the
  /// chart's bars and the tables' rows for the known fleet, sorts and filters, checks the console
  /// stays clean, and saves a screenshot of each page (under `$TAILGUARD_SCREENSHOTS` if set).
  @Test(
    .enabled(if: Oracles.gate(browserAvailable && SharedData.isAvailable)),
    .timeLimit(.minutes(5)))
  func dashboardInChromium() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-dashboard-browser")
    let shots =
      ProcessInfo.processInfo.environment["TAILGUARD_SCREENSHOTS"]
      ?? harness.dir.file("screenshots")
    try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
    try await harness.run { client in
      try Fleet.seed(harness.store)
      let port = try #require(client.client.port)
      let token = try #require(harness.tokens[.read])
      let script = SharedData.packageRoot + "/scripts/check-dashboard-in-chromium.py"
      let args = [
        script, "http://127.0.0.1:\(port)", token, shots, Fleet.web, Fleet.hostile,
        "CVE-TEST-0001",
      ]
      // Off Swift's cooperative threads: the server answers the browser meanwhile.
      let run = try await withCheckedThrowingContinuation {
        (c: CheckedContinuation<ProcessRunner.Result, any Error>) in
        Thread.detachNewThread {
          c.resume(with: Result { try ProcessRunner.run("python3", args, timeout: 240) })
        }
      }
      #expect(run.status == 0, "\(run.output)")
      struct Seen: Decodable {
        var counts: [String: Int]
        var sorted: [String: Bool]
        var console: [String]
        var screenshots: [String]
        var escaped: Bool
        var redirectedToLogin: Bool
        var loggedOut: Bool
      }
      let seen = try JSONDecoder().decode(Seen.self, from: Data(run.stdout.utf8))
      #expect(seen.redirectedToLogin)
      #expect(seen.console.isEmpty, "\(seen.console)")
      #expect(seen.counts["overview #long-tail-chart rect.usage-bar"] == 4)
      #expect(seen.counts["overview #long-tail-chart circle.finding-point"] == 4)
      #expect(seen.counts["overview #severity-chart rect.severity-bar"] == 10)
      #expect(seen.counts["overview #long-tail-chart > title"] == 1)
      #expect(seen.counts["overview #alerts > li"] == 2)
      #expect(seen.counts["images table#images tbody tr"] == 4)
      #expect(seen.counts["images?segment=tail table#images tbody tr"] == 3)
      #expect(seen.counts["images?kev=1 (form) table#images tbody tr"] == 2)
      #expect(seen.counts["images quick filter 'batch' visible rows"] == 1)
      #expect(seen.counts["image #findings-table tbody tr"] == 2)
      #expect(seen.counts["finding table#finding-images tbody tr"] == 2)
      #expect(seen.counts["image section#graph svg.dependency-graph g.node"] == 6)
      #expect(seen.counts["image section#graph svg.dependency-graph path.edge"] == 5)
      #expect(seen.counts["image section#graph svg.dependency-graph g.node.hl"] == 4)
      #expect(seen.counts["graph section#graph svg.dependency-graph g.node.image"] == 3)
      #expect((seen.counts["graph section#graph svg.dependency-graph g.node"] ?? 0) > 6)
      #expect(seen.counts["image graph folded layer: hidden packages"] == 2)
      #expect(seen.sorted["replicas ascending"] == true)
      #expect(seen.sorted["replicas descending"] == true)
      #expect(seen.sorted["keyboard sort aria-sort"] == true)
      #expect(seen.escaped)
      #expect(seen.loggedOut)
      #expect(seen.screenshots.count == 6)
      for file in seen.screenshots {
        #expect(
          ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) > 1000,
          "\(file)")
      }
    }
  }
}
