import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scanner
import TailguardTesting
import Testing

@testable import TailguardServer

let hasOpenAPIValidator = ProcessRunner.which("openapi-spec-validator") != nil

/// The OpenAPI document of `tailguard serve` (Sources/TailguardServer/Resources/openapi.json):
/// served as embedded without a token, an OpenAPI 3.1 document by a real validator, and exactly
/// the router's routes and methods.
struct OpenAPIDocumentTests {
  static let file = SharedData.packageRoot + "/Sources/TailguardServer/Resources/openapi.json"

  /// The router as `tailguard serve` builds it, over an empty store (no advisory data is opened).
  static func router(in dir: TemporaryDirectory, store: SQLServerStore? = nil) throws -> Router<
    ServerContext
  > {
    let store = try store ?? SQLServerStore.open(dir.file("server.db"))
    let metrics = ServerMetrics()
    let engine = ServerEngine(
      store: store, choice: AdvisoryChoice(path: dir.file("advisories.db"), named: true),
      scanOptions: ScanOptions(), allowLocalTargets: false, metrics: metrics,
      logger: Logger(label: "tailguard.openapi.test"))
    return ServerAPI.build(engine: engine, metrics: metrics, limits: BodyLimits())
  }

  static func document() throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: file))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test func servedDocumentIsTheCheckedInFileWithoutAToken() async throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.file)))
    #expect(OpenAPIDocument.bytes == bytes)
    let dir = try TemporaryDirectory(prefix: "tailguard-openapi")
    let app = Application(router: try Self.router(in: dir))
    try await app.test(.router) { client in
      try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json")
        #expect([UInt8](response.body.readableBytesView) == bytes)
      }
      // Its neighbours under /api/v1 still need a token.
      try await client.execute(uri: "/api/v1/images", method: .get) { response in
        #expect(response.status == .unauthorized)
      }
    }
  }

  /// Found by schemathesis: clients may send the digest's colon percent-encoded (`sha256%3A…`);
  /// it is the same digest (here: unknown, 404), not a malformed one (400).
  @Test func percentEncodedDigestInThePathIsTheDigest() async throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-openapi")
    let store = try SQLServerStore.open(dir.file("server.db"))
    let token = try Tokens.create(role: .read, store: store)
    let app = Application(router: try Self.router(in: dir, store: store))
    let hex = String(repeating: "3f", count: 32)
    try await app.test(.router) { client in
      for path in [
        "/api/v1/images/sha256:\(hex)", "/api/v1/images/sha256%3A\(hex)",
        "/api/v1/images/sha256%3a\(hex)/findings", "/api/v1/images/sha256%3A\(hex)/history",
        "/api/v1/images/sha256%3A\(hex)/sbom",
      ] {
        try await client.execute(
          uri: path, method: .get, headers: [.authorization: "Bearer \(token)"]
        ) { response in
          #expect(response.status == .notFound, "\(path)")
        }
      }
      try await client.execute(
        uri: "/api/v1/images/sha256%3Azz", method: .get,
        headers: [.authorization: "Bearer \(token)"]
      ) { response in
        #expect(response.status == .badRequest)
      }
    }
  }

  @Test func isOpenAPI31WithBearerAuthAndOperationIDs() throws {
    let doc = try Self.document()
    #expect(doc["openapi"] as? String == "3.1.0")
    #expect((doc["servers"] as? [[String: Any]])?.first?["url"] as? String == "/")
    let components = try #require(doc["components"] as? [String: Any])
    let schemes = try #require(components["securitySchemes"] as? [String: [String: Any]])
    #expect(schemes["bearer"]?["type"] as? String == "http")
    #expect(schemes["bearer"]?["scheme"] as? String == "bearer")
    let paths = try #require(doc["paths"] as? [String: [String: Any]])
    var ids: [String] = []
    for (path, item) in paths {
      for (method, value) in item where Self.methods.contains(method) {
        let operation = try #require(value as? [String: Any])
        ids.append(try #require(operation["operationId"] as? String, "\(method) \(path)"))
        let responses = try #require(operation["responses"] as? [String: Any])
        let isPublic = (operation["security"] as? [Any])?.isEmpty == true
        // Exactly the public routes go without a token; every other one documents its 401.
        #expect(
          isPublic == (Self.publicRoutes.contains(path)), "\(method) \(path): security")
        #expect(isPublic || responses["401"] != nil, "\(method) \(path): no 401")
      }
    }
    #expect(Set(ids).count == ids.count, "operationIds repeat: \(ids.sorted())")
  }

  static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
  static let publicRoutes: Set<String> = [
    "/healthz", "/readyz", "/metrics", "/api/v1/openapi.json",
    // The Kubernetes API server sends no token (TLS, optionally client certificates).
    "/admission/validate", "/admission/mutate",
  ]

  /// The dashboard's HTML pages for browsers (README "Dashboard"): not part of the API.
  static let dashboardRoutes: Set<String> = [
    "GET /", "GET /login", "POST /login", "POST /logout", "GET /images", "GET /images/{digest}",
    "GET /findings/{id}", "GET /graph", "GET /assets/dashboard.css", "GET /assets/dashboard.js",
  ]

  @Test func documentsExactlyTheRoutesTheRouterServes() throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-openapi")
    let served = Set(
      try Self.router(in: dir).routes.map { "\($0.method.rawValue) \($0.path.description)" }
    ).subtracting(Self.dashboardRoutes)
    let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
    let documented = Set(
      paths.flatMap { path, item in
        item.keys.filter { Self.methods.contains($0) }.map { "\($0.uppercased()) \(path)" }
      })
    #expect(served.count > 20)
    #expect(
      served.subtracting(documented).isEmpty,
      "served, not documented: \(served.subtracting(documented).sorted())")
    #expect(
      documented.subtracting(served).isEmpty,
      "documented, not served: \(documented.subtracting(served).sorted())")
  }

  @Test(
    .enabled(
      if: Oracles.gate(hasOpenAPIValidator),
      "openapi-spec-validator not installed (run scripts/install-test-deps.sh)"))
  func passesOpenAPISpecValidator() throws {
    let r = try OracleProcess.run("openapi-spec-validator", ["--schema", "3.1", Self.file])
    #expect(r.status == 0, "\(r.output.prefix(4000))")
    #expect(r.output.contains("OK"), "\(r.output.prefix(4000))")

    // The oracle bites: the same document without its title is refused.
    let dir = try TemporaryDirectory(prefix: "tailguard-openapi")
    var doc = try Self.document()
    var info = try #require(doc["info"] as? [String: Any])
    info["title"] = nil
    doc["info"] = info
    try JSONSerialization.data(withJSONObject: doc).write(
      to: URL(fileURLWithPath: dir.file("broken.json")))
    let broken = try OracleProcess.run(
      "openapi-spec-validator", ["--schema", "3.1", dir.file("broken.json")])
    #expect(broken.status != 0, "\(broken.output.prefix(2000))")
  }
}
