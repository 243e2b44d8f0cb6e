import ByteFormats
import Foundation
import Hummingbird
import Logging
import NIOCore
import SBOMFormats
import Scanner
import TailguardModel

/// Per-request state: the role of the token that authenticated it (nil on public routes).
public struct ServerContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  public var role: Role?
  public init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    role = nil
  }

  /// Refuses (403) a request whose token's role is below ROLE.
  func require(_ role: Role) throws {
    guard let have = self.role, have >= role else {
      throw Problem(.forbidden, detail: "this endpoint needs a \(role.rawValue) token")
    }
  }
}

/// An RFC 9457 problem document; thrown by handlers and middleware, rendered by
/// `ProblemMiddleware` as `application/problem+json`.
public struct Problem: Error, Sendable, Codable {
  public var type: String = "about:blank"
  public var title: String
  public var status: Int
  public var detail: String?

  init(_ status: HTTPResponse.Status, detail: String? = nil) {
    title = status.reasonPhrase
    self.status = status.code
    self.detail = detail
  }

  func response() -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = (try? encoder.encode(self)) ?? Data()
    var headers: HTTPFields = [.contentType: "application/problem+json"]
    if status == 401 { headers[.wwwAuthenticate] = "Bearer" }
    return Response(
      status: HTTPResponse.Status(code: status), headers: headers,
      body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }
}

/// Turns every error into a problem document and records the request's duration under its
/// route template. Internal errors are logged in full and answered without their text.
struct ProblemMiddleware: RouterMiddleware {
  typealias Context = ServerContext
  let metrics: ServerMetrics

  func handle(
    _ request: Request, context: ServerContext,
    next: (Request, ServerContext) async throws -> Response
  ) async throws -> Response {
    let started = ContinuousClock.now
    let response: Response
    do { response = try await next(request, context) } catch let problem as Problem {
      response = problem.response()
    } catch is NIOTooManyBytesError {
      response = Problem(.contentTooLarge, detail: "request body is over the limit").response()
    } catch let failure as ServerFailure {
      switch failure.kind {
      case .badRequest: response = Problem(.badRequest, detail: failure.message).response()
      case .notFound: response = Problem(.notFound, detail: failure.message).response()
      case .unavailable: response = Problem(.serviceUnavailable, detail: failure.message).response()
      }
    } catch let error as StoreError {
      context.logger.error("store: \(error)")
      response = Problem(.serviceUnavailable, detail: "the database is unavailable").response()
    } catch let error as HTTPResponseError {
      response = Problem(error.status).response()
    } catch {
      context.logger.error("internal error: \(error)")
      response = Problem(.internalServerError).response()
    }
    metrics.request(
      method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
      status: response.status.code, duration: ContinuousClock.now - started)
    return response
  }
}

/// `Authorization: Bearer TOKEN`: the token's SHA-256 is looked up; missing, malformed or unknown
/// tokens all get the same bare 401.
struct AuthMiddleware: RouterMiddleware {
  typealias Context = ServerContext
  let tokens: TokenAuthenticator

  func handle(
    _ request: Request, context: ServerContext,
    next: (Request, ServerContext) async throws -> Response
  ) async throws -> Response {
    guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
      throw Problem(.unauthorized)
    }
    guard let role = try await tokens.role(forToken: String(header.dropFirst(7))) else {
      throw Problem(.unauthorized)
    }
    var context = context
    context.role = role
    return try await next(request, context)
  }
}

/// Token → role, for the API's bearer tokens and the dashboard's sessions alike (one check).
/// A known token's role is remembered for 30 s, so a request costs no database read for its
/// token; unknown tokens are always looked up (and never remembered).
final class TokenAuthenticator: Sendable {
  let store: any ServerStore
  /// Token hash → role.
  let cache = TTLCache<Role>(ttl: .seconds(30))
  init(store: any ServerStore) { self.store = store }

  func role(forToken token: String) async throws -> Role? {
    try await role(forHash: Tokens.hash(token))
  }

  func role(forHash hash: String) async throws -> Role? {
    if let found = cache.get(hash) { return found }
    let store = self.store
    let found = try await ServerAPI.db { try store.role(forTokenHash: hash) }
    if let found { cache.put(hash, found) }
    return found
  }
}

/// API tokens: 32 random bytes, shown once; only their SHA-256 is stored.
public enum Tokens {
  public static func generate() -> String {
    var rng = SystemRandomNumberGenerator()
    let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
    return "tgk_" + Hex.encode(bytes)
  }
  public static func hash(_ token: String) -> String {
    BlobHasher.sha256Hex(Array(token.utf8))
  }
  /// Creates a token with ROLE in STORE and returns it (the only time it is visible).
  public static func create(role: Role, store: any ServerStore) throws -> String {
    let token = generate()
    try store.addToken(hash: hash(token), role: role, now: Date())
    return token
  }
}

/// The routes. Handlers stay thin: parse and check input, call the engine or the store, encode.
enum ServerAPI {
  struct SubmitBody: Decodable {
    var reference: String
    var priority: Int?
  }

  struct SubmitAnswer: Encodable {
    var digest: String
    var status: String
    var job: Int64?
  }

  /// Runs a store call on the blocking-work threads (`BlockingWork`), off Swift concurrency's.
  static func db<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingWork.run(body)
  }

  static func build(
    engine: ServerEngine, metrics: ServerMetrics, limits: BodyLimits,
    admission: AdmissionController? = nil, tls: Bool = false
  ) -> Router<ServerContext> {
    let store = engine.store
    let router = Router(context: ServerContext.self)
    router.add(middleware: ProblemMiddleware(metrics: metrics))

    addHealthRoutes(router, engine: engine, metrics: metrics, mode: "server")

    router.get("/api/v1/openapi.json") { _, _ in OpenAPIDocument.response() }
    let tokens = TokenAuthenticator(store: store)
    let api = router.group("api/v1").add(middleware: AuthMiddleware(tokens: tokens))

    api.post("images") { request, context in
      try context.require(.write)
      let body: SubmitBody = try await decode(request, limit: limits.json)
      let priority = body.priority ?? 0
      guard (-100...100).contains(priority) else {
        throw Problem(.badRequest, detail: "priority must be between -100 and 100")
      }
      let (digest, outcome) = try await engine.submit(reference: body.reference, priority: priority)
      switch outcome {
      case .alreadyIndexed:
        return try json(SubmitAnswer(digest: digest, status: "indexed", job: nil))
      case .queued(let job):
        var response = try json(
          SubmitAnswer(digest: digest, status: "queued", job: job), status: .accepted)
        response.headers[.location] = "/api/v1/images/\(digest)"
        return response
      }
    }
    api.get("images") { request, _ in
      let (limit, cursor) = try paging(request)
      return try json(try await db { try store.images(limit: limit, after: cursor) })
    }
    api.get("images/:digest") { _, context in
      let digest = try digestParameter(context)
      guard let image = try await db({ try store.image(digest: digest) }) else {
        throw Problem(.notFound, detail: "no image \(digest)")
      }
      return try json(image)
    }
    api.get("images/:digest/findings") { request, context in
      let digest = try digestParameter(context)
      var query = try findingQuery(request)
      query.digest = digest
      let (limit, cursor) = try paging(request)
      let page = try await db { [query] () throws -> Page<FindingRecord>? in
        guard try store.imageExists(digest: digest) else { return nil }
        return try store.findings(query, limit: limit, after: cursor)
      }
      guard let page else { throw Problem(.notFound, detail: "no image \(digest)") }
      return try json(page)
    }
    api.get("images/:digest/history") { request, context in
      let digest = try digestParameter(context)
      let (limit, cursor) = try paging(request)
      let after = try intCursor(cursor)
      let page = try await db { () throws -> Page<HistoryEvent>? in
        guard try store.imageExists(digest: digest) else { return nil }
        return try store.history(digest: digest, limit: limit, after: after)
      }
      guard let page else { throw Problem(.notFound, detail: "no image \(digest)") }
      return try json(page)
    }
    api.get("images/:digest/sbom") { request, context in
      let digest = try digestParameter(context)
      guard let sbom = try await db({ try store.sbom(digest: digest) }) else {
        throw Problem(.notFound, detail: "no indexed image \(digest)")
      }
      let format = request.uri.queryParameters.get("format") ?? "cyclonedx-json"
      let (data, type): (Data, String)
      switch format {
      case "cyclonedx-json":
        (data, type) = (try CycloneDXWriter().write(sbom), "application/vnd.cyclonedx+json")
      case "spdx-json": (data, type) = (try SPDXWriter().write(sbom), "application/spdx+json")
      default:
        throw Problem(
          .badRequest, detail: "format '\(format)' is not one of cyclonedx-json, spdx-json")
      }
      return Response(
        status: .ok, headers: [.contentType: type],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    api.get("findings") { request, _ in
      let query = try findingQuery(request)
      let (limit, cursor) = try paging(request)
      return try json(try await db { try store.findings(query, limit: limit, after: cursor) })
    }
    api.get("jobs") { request, _ in
      let state = request.uri.queryParameters.get("state")
      if let state, !["queued", "running", "done", "failed"].contains(state) {
        throw Problem(.badRequest, detail: "state must be queued, running, done or failed")
      }
      let (limit, cursor) = try paging(request)
      let after = try intCursor(cursor)
      return try json(try await db { try store.jobs(state: state, limit: limit, after: after) })
    }
    api.post("advisories/update") { _, context in
      try context.require(.write)
      return try json(try await engine.updateAdvisories())
    }
    addWatchRoutes(api, engine: engine, limits: limits)
    AdmissionAPI.add(router, api: api, admission: admission, store: store)
    Dashboard.add(router, store: store, tokens: tokens, tls: tls)
    return router
  }

  /// `/healthz` (liveness), `/readyz` (database readable, advisory data open) and `/metrics`:
  /// public, on the API server and on `--worker` processes alike.
  static func addHealthRoutes(
    _ router: Router<ServerContext>, engine: ServerEngine, metrics: ServerMetrics, mode: String
  ) {
    let store = engine.store
    router.get("/healthz") { _, _ in try json(["status": "ok", "mode": mode]) }
    router.get("/readyz") { _, _ in
      _ = try await db { try store.queuedJobCount() }
      guard await engine.ready() else {
        throw Problem(.serviceUnavailable, detail: "advisory data is not open")
      }
      return try json(["status": "ready"])
    }
    router.get("/metrics") { _, _ in
      let (queued, open) = try await db {
        (try store.queuedJobCount(), try store.openFindingCounts(now: Date()))
      }
      metrics.jobsQueued.set(to: Double(queued))
      metrics.findings(open)
      if let info = engine.advisoryInfo() { metrics.advisoryAge(info, now: Date()) }
      return Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }
  }

  // MARK: - Helpers

  static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return Response(
      status: status, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
  }

  /// Reads at most LIMIT bytes (413 beyond) and decodes them, naming what is wrong (400).
  static func decode<T: Decodable>(_ request: Request, limit: Int) async throws -> T {
    if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
      throw Problem(.contentTooLarge, detail: "request body is over \(limit) bytes")
    }
    let buffer = try await request.body.collect(upTo: limit)
    do { return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch let e
      as DecodingError
    {
      throw Problem(.badRequest, detail: describe(e))
    }
  }

  static func describe(_ error: DecodingError) -> String {
    func path(_ c: DecodingError.Context) -> String {
      c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .dataCorrupted(let c):
      return c.codingPath.isEmpty ? "body is not valid JSON" : "field '\(path(c))' is invalid"
    case .keyNotFound(let key, let c):
      let prefix = path(c)
      return "missing field '\(prefix.isEmpty ? key.stringValue : prefix + "." + key.stringValue)'"
    case .typeMismatch(let type, let c):
      return c.codingPath.isEmpty
        ? "body must be a JSON object" : "field '\(path(c))' must be \(typeName(type))"
    case .valueNotFound(let type, let c):
      return "field '\(path(c))' must be \(typeName(type)), not null"
    @unknown default: return "body does not decode"
    }
  }

  // `Any.Type` because DecodingError names the expected type that way; only its name is used.
  static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type: "an integer"
    case is Bool.Type: "a boolean"
    default: "\(type)"
    }
  }

  static let maxPage = 500

  /// `limit` (1…500, default 50) and the opaque `cursor` of the previous page's `next`.
  static func paging(_ request: Request) throws -> (Int, String?) {
    let params = request.uri.queryParameters
    var limit = 50
    if let text = params.get("limit") {
      guard let n = Int(text), (1...maxPage).contains(n) else {
        throw Problem(.badRequest, detail: "limit must be an integer from 1 to \(maxPage)")
      }
      limit = n
    }
    let cursor = params.get("cursor")
    if let cursor, cursor.utf8.count > 512 {
      throw Problem(.badRequest, detail: "cursor is too long")
    }
    return (limit, cursor)
  }

  static func intCursor(_ cursor: String?) throws -> Int64? {
    guard let cursor else { return nil }
    guard let n = Int64(cursor), n >= 0 else {
      throw Problem(.badRequest, detail: "cursor '\(cursor)' is not one this list returned")
    }
    return n
  }

  static func digestParameter(_ context: ServerContext) throws -> String {
    // Path parameters arrive as sent: clients may percent-encode the colon (`sha256%3A…`).
    let raw = context.parameters.get("digest") ?? ""
    let text = raw.removingPercentEncoding ?? raw
    guard let digest = try? Digest(parsing: text), digest.algorithm == "sha256" else {
      throw Problem(.badRequest, detail: "'\(text)' is not a sha256:… digest")
    }
    return digest.description
  }

  static func findingQuery(_ request: Request) throws -> FindingQuery {
    let params = request.uri.queryParameters
    var query = FindingQuery()
    if let text = params.get("severity") {
      for part in text.split(separator: ",") {
        guard let s = Severity(rawValue: String(part).lowercased()) else {
          throw Problem(
            .badRequest,
            detail:
              "severity '\(part)' is not one of critical, high, medium, low, negligible, unknown"
          )
        }
        query.severities.append(s)
      }
    }
    func bool(_ name: String) throws -> Bool? {
      guard let text = params.get(name) else { return nil }
      switch text {
      case "true": return true
      case "false": return false
      default: throw Problem(.badRequest, detail: "\(name) must be true or false")
      }
    }
    query.kev = try bool("kev")
    query.fixable = try bool("fixable")
    switch params.get("state") ?? "open" {
    case "all": query.state = nil
    case let state where ["open", "fixed", "suppressed", "retracted"].contains(state):
      query.state = state
    default:
      throw Problem(
        .badRequest, detail: "state must be open, fixed, suppressed, retracted or all")
    }
    if let segment = params.get("segment") {
      guard ["head", "tail"].contains(segment) else {
        throw Problem(.badRequest, detail: "segment must be head or tail")
      }
      query.segment = segment
    }
    if let team = params.get("team") {
      guard !team.isEmpty, team.utf8.count <= 256 else {
        throw Problem(.badRequest, detail: "team must be 1 to 256 bytes")
      }
      query.team = team
    }
    if let sla = params.get("sla") {
      guard ["ok", "at_risk", "breached"].contains(sla) else {
        throw Problem(.badRequest, detail: "sla must be ok, at_risk or breached")
      }
      query.sla = sla
    }
    return query
  }
}

/// Request body limits: JSON bodies, and SBOM documents (`POST /api/v1/sboms`, not yet served).
public struct BodyLimits: Sendable {
  public var json: Int
  public var sbom: Int
  public init(json: Int = 1 << 20, sbom: Int = 64 << 20) {
    self.json = json
    self.sbom = sbom
  }
}
