import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TailguardModel

/// The web dashboard (issue 19): `/login`, `/logout`, `/`, `/images`, `/images/{digest}`,
/// `/findings/{id}` and `/assets/…`, on the API server. Pages need a session made from an API
/// token (read role is enough); nothing changes state over GET.
enum Dashboard {
  static func add(
    _ router: Router<ServerContext>, store: any ServerStore, tokens: TokenAuthenticator, tls: Bool
  ) {
    guard let store = store as? any DashboardStore else { return }
    let sessions = DashboardSessions(
      key: DashboardSessions.loadKey(store), tokens: tokens, secure: tls)
    let open = router.group("").add(middleware: DashboardHeadersMiddleware())

    open.get("assets/dashboard.css") { request, _ in
      DashboardAssets.asset(
        DashboardAssets.css, type: "text/css; charset=utf-8", version: DashboardAssets.cssVersion,
        request: request)
    }
    open.get("assets/dashboard.js") { request, _ in
      DashboardAssets.asset(
        DashboardAssets.js, type: "text/javascript; charset=utf-8",
        version: DashboardAssets.jsVersion, request: request)
    }
    open.get("login") { _, _ in loginForm(sessions, error: nil, status: .ok) }
    open.post("login") { request, _ in
      let form = try await FormBody.read(request)
      guard let nonce = request.cookies[DashboardSessions.csrfCookie]?.value,
        let sent = form["csrf"], DashboardSessions.same(sessions.loginCSRF(nonce: nonce), sent)
      else {
        return html(
          DashboardPages.page(title: "Forbidden", current: nil, logoutCSRF: nil) { html in
            html.element("h1", text: "Forbidden")
            html.element("p") { html in
              html.text("The form was stale or not sent by this dashboard. ")
              html.element("a", ["href": "/login"], text: "Log in again")
            }
          }, status: .forbidden)
      }
      let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
      guard !token.isEmpty, token.utf8.count <= 256,
        let role = try await tokens.role(forToken: token), role >= .read
      else {
        return loginForm(sessions, error: "That token is not valid.", status: .unauthorized)
      }
      let session = sessions.sessionValue(tokenHash: Tokens.hash(token), now: Date())
      var response = Response(
        status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
      response.headers.append(
        HTTPField(
          name: .setCookie,
          value: sessions.cookie(
            DashboardSessions.sessionCookie, session, maxAge: Int(DashboardSessions.lifetime))))
      response.headers.append(
        HTTPField(
          name: .setCookie, value: sessions.cookie(DashboardSessions.csrfCookie, "", maxAge: 0)))
      return response
    }
    open.post("logout") { request, _ in
      let form = try await FormBody.read(request)
      guard let session = request.cookies[DashboardSessions.sessionCookie]?.value,
        let sent = form["csrf"], DashboardSessions.same(sessions.logoutCSRF(session: session), sent)
      else {
        return Response(
          status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
          body: .init(byteBuffer: ByteBuffer(string: "forbidden: stale or foreign form\n")))
      }
      var response = Response(
        status: .seeOther, headers: [.location: "/login", .cacheControl: "no-store"])
      response.headers.append(
        HTTPField(
          name: .setCookie, value: sessions.cookie(DashboardSessions.sessionCookie, "", maxAge: 0)))
      return response
    }

    let pages = open.add(middleware: DashboardSessionMiddleware(sessions: sessions))

    let overview = DashboardSnapshot(maxAge: overviewMaxAge) {
      try await ServerAPI.db { try store.dashboardOverview(now: Date()) }
    }
    pages.get("/") { request, _ in
      let (figures, at) = try await overview.get()
      return html(
        DashboardPages.overview(figures, at: at, logoutCSRF: sessions.logoutCSRF(request)))
    }
    pages.get("images") { request, _ in
      let params = request.uri.queryParameters
      var query = DashboardImageQuery()
      if let q = params.get("q"), !q.isEmpty { query.search = String(q.prefix(256)) }
      if let s = params.get("segment"), ["head", "tail", "none", "retired"].contains(s) {
        query.segment = s
      }
      if let s = params.get("severity"), let severity = Severity(rawValue: s) {
        query.severity = severity
      }
      query.kev = params.get("kev") == "1"
      let limit =
        params.get("limit").flatMap(Int.init).map {
          min(
            max($0, DashboardPages.imagePageSizes.lowerBound),
            DashboardPages.imagePageSizes.upperBound)
        } ?? 50
      let after = params.get("after").map { String($0.prefix(200)) }
      let (list, total) = try await ServerAPI.db { [query] in
        (
          try store.dashboardImages(query, limit: limit, after: after),
          try store.dashboardImageCount()
        )
      }
      return html(
        DashboardPages.images(
          list, query: query, limit: limit, total: total, logoutCSRF: sessions.logoutCSRF(request)))
    }
    pages.get("graph") { request, _ in
      let segment = request.uri.queryParameters.get("segment") == "head" ? "head" : "tail"
      let (figures, at) = try await overview.get()
      let members = figures.ranked.filter { $0.segment == segment }
      let chosen = Array(members.prefix(DashboardGraph.segmentLimit))
      // Read and laid out off the request threads, like the image page's graph.
      let graph: String? = try await ServerAPI.db {
        let details = try chosen.compactMap { try store.dashboardImage(digest: $0.digest) }
        return DashboardGraph.fragment(details, title: "Dependency graph of the \(segment)")
      }
      return html(
        DashboardPages.segmentGraph(
          segment: segment, images: chosen, of: members.count, graph: graph, at: at,
          logoutCSRF: sessions.logoutCSRF(request)))
    }
    pages.get("images/:digest") { request, context in
      let raw = context.parameters.get("digest") ?? ""
      let text = raw.removingPercentEncoding ?? raw
      // The graph is laid out off the request threads too (CPU work for large images).
      let found: (DashboardImageDetail, String?)? =
        if let digest = try? Digest(parsing: text), digest.algorithm == "sha256" {
          try await ServerAPI.db {
            guard let detail = try store.dashboardImage(digest: digest.description) else {
              return nil
            }
            return (detail, DashboardGraph.fragment(detail))
          }
        } else { nil }
      guard let (detail, graph) = found else {
        return html(
          DashboardPages.notFound(
            "No image \(text) is known.", logoutCSRF: sessions.logoutCSRF(request)),
          status: .notFound)
      }
      return html(
        DashboardPages.image(detail, graph: graph, logoutCSRF: sessions.logoutCSRF(request)))
    }
    pages.get("findings/:id") { request, context in
      let raw = context.parameters.get("id") ?? ""
      let id = raw.removingPercentEncoding ?? raw
      let rows =
        id.utf8.count <= 256
        ? try await ServerAPI.db {
          try store.dashboardFinding(vulnerabilityID: id, now: Date(), limit: 2000)
        } : []
      guard !rows.isEmpty else {
        return html(
          DashboardPages.notFound(
            "No image has or had \(id).", logoutCSRF: sessions.logoutCSRF(request)),
          status: .notFound)
      }
      return html(DashboardPages.finding(id, rows: rows, logoutCSRF: sessions.logoutCSRF(request)))
    }
  }

  /// How old the overview's figures may get before a page refreshes them (in the background).
  static let overviewMaxAge: Duration = .seconds(15)

  static func loginForm(_ sessions: DashboardSessions, error: String?, status: HTTPResponse.Status)
    -> Response
  {
    let nonce = DashboardSessions.nonce()
    var response = html(
      DashboardPages.login(csrf: sessions.loginCSRF(nonce: nonce), error: error), status: status)
    response.headers.append(
      HTTPField(
        name: .setCookie,
        value: sessions.cookie(DashboardSessions.csrfCookie, nonce, maxAge: 3600)))
    return response
  }

  static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
      status: status,
      headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
      body: .init(byteBuffer: ByteBuffer(string: text)))
  }
}
