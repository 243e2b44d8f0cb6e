import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scanner
import TailguardServer
import TailguardTesting
import Testing

/// A server on a free loopback port over a store and an advisory database in a temporary
/// directory, with one token per role.
struct ServerHarness: Sendable {
  let dir: TemporaryDirectory
  let store: SQLServerStore
  let advisoryDB: String
  let tokens: [Role: String]

  static let layout = SharedData.path("images/built/oci-layout")

  /// Imports ADVISORIES (paths relative to the shared data) into a fresh advisory database.
  init(
    advisories: [String], prefix: String = "tailguard-serve", backend: StoreBackend = .sqlite
  ) throws {
    dir = try TemporaryDirectory(prefix: prefix)
    advisoryDB = dir.file("advisories.db")
    try Self.importAdvisories(advisories, into: advisoryDB)
    store = try backend.open(in: dir)
    var tokens: [Role: String] = [:]
    for role in Role.allCases { tokens[role] = try Tokens.create(role: role, store: store) }
    self.tokens = tokens
  }

  static func importAdvisories(_ relative: [String], into db: String) throws {
    let outcome = AdvisoryDatabase.importFiles(
      AdvisoryDatabase.ImportRequest(path: db, paths: relative.map { SharedData.path($0) }))
    #expect(outcome.failure == nil && !outcome.empty, "import failed: \(outcome.diagnostics)")
  }

  func configuration() -> ServerConfiguration {
    var options = ScanOptions()
    options.cache = nil
    return ServerConfiguration(
      port: 0, databasePath: store.location,
      advisories: AdvisoryChoice(path: advisoryDB, named: true), scanOptions: options,
      allowLocalTargets: true, workers: 1, lease: 30, pollInterval: .milliseconds(50))
  }

  /// Runs BODY against the live server (real sockets on loopback).
  func run<Value: Sendable>(
    _ configuration: ServerConfiguration? = nil,
    _ body: @Sendable (Client) async throws -> Value
  ) async throws -> Value {
    var logger = Logger(label: "tailguard.serve.test")
    logger.logLevel = .warning
    let app = try await ServerRunner.makeApplication(
      configuration: configuration ?? self.configuration(), store: store, logger: logger)
    let tokens = self.tokens
    return try await app.test(.live) { client in
      try await body(Client(client: client, tokens: tokens))
    }
  }

  /// A small HTTP client with JSON helpers.
  struct Client: Sendable {
    let client: any TestClientProtocol
    let tokens: [Role: String]

    struct Answer: Sendable {
      var status: Int
      var headers: HTTPFields
      var body: Data
      var text: String { String(decoding: body, as: UTF8.self) }
      func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any], "\(text)")
      }
      func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: body)
      }
    }

    func request(
      _ method: HTTPRequest.Method, _ uri: String, role: Role? = .admin, token: String? = nil,
      body: Data? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Answer {
      var headers = extra
      if let token = token ?? role.flatMap({ tokens[$0] }) {
        headers[.authorization] = "Bearer \(token)"
      }
      if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
      let response = try await client.executeRequest(
        uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
      return Answer(
        status: Int(response.status.code), headers: response.headers,
        body: Data(response.body.readableBytesView))
    }

    func get(_ uri: String, role: Role? = .read) async throws -> Answer {
      try await request(.get, uri, role: role)
    }

    func post(_ uri: String, json: String, role: Role? = .write) async throws -> Answer {
      try await request(.post, uri, role: role, body: Data(json.utf8))
    }

    /// Submits REFERENCE and returns (status code, digest).
    func submit(_ reference: String) async throws -> (Int, String) {
      let answer = try await post(
        "/api/v1/images", json: #"{"reference": "\#(reference)"}"#)
      let digest = try #require(try answer.json()["digest"] as? String, "\(answer.text)")
      return (answer.status, digest)
    }

    /// Polls the image until it is indexed (or failed, or the time is up).
    func waitIndexed(_ digest: String, seconds: Double = 300) async throws -> [String: Any] {
      let deadline = Date().addingTimeInterval(seconds)
      while Date() < deadline {
        let image = try await get("/api/v1/images/\(digest)").json()
        if let status = image["status"] as? String, status == "indexed" || status == "failed" {
          return image
        }
        try await Task.sleep(for: .milliseconds(100))
      }
      Issue.record("\(digest) not indexed in \(seconds) s")
      return [:]
    }

    /// Every item of a paged list, following `next` with pages of LIMIT.
    func all(_ path: String, limit: Int) async throws -> [[String: Any]] {
      var items: [[String: Any]] = []
      var cursor: String?
      var pages = 0
      repeat {
        let sep = path.contains("?") ? "&" : "?"
        var uri = "\(path)\(sep)limit=\(limit)"
        if let cursor {
          uri +=
            "&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)"
        }
        let page = try await get(uri).json()
        let got = try #require(page["items"] as? [[String: Any]])
        #expect(got.count <= limit)
        items += got
        cursor = page["next"] as? String
        pages += 1
      } while cursor != nil && pages < 1000
      return items
    }
  }
}
