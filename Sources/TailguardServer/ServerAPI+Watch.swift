import Foundation
import Hummingbird
import NIOCore
import Scanner
import TailguardModel

/// The routes of watching: SBOM and fleet uploads, the live fleet, SLA, ignore rules, webhooks
/// and their dead letters.
extension ServerAPI {
  struct FleetBody: Decodable {
    var source: String?
    var files: [UploadedFile]?
    var usage: String?
    var head: Int?
    var priority: Int?
  }

  struct WebhookBody: Decodable {
    var url: String
    var secret: String
    var events: [WebhookEvent]
  }

  struct SuppressionBody: Decodable {
    var vulnerability: String
    var digest: String?
    var reason: String
    var author: String?
  }

  /// What `POST /api/v1/vex` did with an OpenVEX document.
  struct VEXAnswer: Encodable {
    struct Skipped: Encodable {
      var vulnerability: String
      var reason: String
    }
    var suppressions: [Suppression]
    var skipped: [Skipped]
    var diagnostics: [String]
  }

  /// The image digest an OpenVEX product names: `pkg:oci/NAME@sha256:…` (the purl of an image,
  /// its version the manifest digest), or nil for any other product.
  static func imageDigest(_ purl: PackageURL) -> String? {
    guard purl.type == "oci", let version = purl.version,
      let digest = try? Digest(parsing: version), digest.algorithm == "sha256"
    else { return nil }
    return digest.description
  }

  struct Deleted: Encodable {
    var deleted: Int64
  }

  static func addWatchRoutes(
    _ api: RouterGroup<ServerContext>, engine: ServerEngine, limits: BodyLimits
  ) {
    let store = engine.store
    api.post("sboms") { request, context in
      try context.require(.write)
      let params = request.uri.queryParameters
      if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.sbom {
        throw Problem(.contentTooLarge, detail: "SBOM is over \(limits.sbom) bytes")
      }
      let buffer = try await request.body.collect(upTo: limits.sbom)
      let answer = try await engine.indexSBOM(
        data: Data(buffer.readableBytesView), reference: params.get("reference"),
        digest: params.get("digest"))
      var response = try json(answer, status: .created)
      response.headers[.location] = "/api/v1/images/\(answer.digest)"
      return response
    }
    api.post("fleet") { request, context in
      try context.require(.write)
      let body: FleetBody = try await decode(request, limit: limits.sbom)
      let files = body.files ?? []
      guard !files.isEmpty || body.usage != nil else {
        throw Problem(.badRequest, detail: "give deployment files, a usage file, or both")
      }
      guard files.count <= 10_000 else {
        throw Problem(.badRequest, detail: "at most 10000 files per upload")
      }
      let source = body.source ?? "default"
      guard !source.isEmpty, source.utf8.count <= 256 else {
        throw Problem(.badRequest, detail: "source must be 1 to 256 bytes")
      }
      let head = body.head ?? 20
      guard (0...100_000).contains(head) else {
        throw Problem(.badRequest, detail: "head must be from 0 to 100000")
      }
      let priority = body.priority ?? 0
      guard (-100...100).contains(priority) else {
        throw Problem(.badRequest, detail: "priority must be between -100 and 100")
      }
      let answer = try await engine.indexFleet(
        files: files, usage: body.usage, source: source, head: head, priority: priority)
      return try json(answer, status: .accepted)
    }
    api.get("fleet/summary") { _, _ in
      try json(try await db { try store.fleetSummary(now: Date()) })
    }
    api.get("sla") { request, _ in
      let (limit, _) = try paging(request)
      return try json(try await db { try store.slaReport(now: Date(), limit: limit) })
    }

    api.get("suppressions") { request, _ in
      let (limit, cursor) = try paging(request)
      let after = try intCursor(cursor)
      return try json(try await db { try store.suppressions(limit: limit, after: after) })
    }
    api.post("suppressions") { request, context in
      try context.require(.write)
      let body: SuppressionBody = try await decode(request, limit: limits.json)
      let id = body.vulnerability.trimmingCharacters(in: .whitespaces)
      guard !id.isEmpty, id.utf8.count <= 256 else {
        throw Problem(.badRequest, detail: "vulnerability must be 1 to 256 bytes")
      }
      guard !body.reason.isEmpty, body.reason.utf8.count <= 4096 else {
        throw Problem(.badRequest, detail: "reason must be 1 to 4096 bytes")
      }
      var digest: String?
      if let text = body.digest {
        guard let parsed = try? Digest(parsing: text), parsed.algorithm == "sha256" else {
          throw Problem(.badRequest, detail: "digest '\(text)' is not a sha256:… digest")
        }
        digest = parsed.description
      }
      let author = body.author ?? "api"
      guard !author.isEmpty, author.utf8.count <= 256 else {
        throw Problem(.badRequest, detail: "author must be 1 to 256 bytes")
      }
      let reason = body.reason
      let rule = try await db { [digest] in
        try store.addSuppression(
          vulnerabilityID: id, digest: digest, reason: reason, author: author, now: Date())
      }
      return try json(rule, status: .created)
    }
    // OpenVEX: `not_affected` and `fixed` statements about images (products `pkg:oci/…@sha256:…`)
    // become ignore rules for those images, under the statement's id and each alias, with the
    // status and justification as the reason; anything else is listed as skipped, with why.
    api.post("vex") { request, context in
      try context.require(.write)
      if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.sbom {
        throw Problem(.contentTooLarge, detail: "VEX document is over \(limits.sbom) bytes")
      }
      let buffer = try await request.body.collect(upTo: limits.sbom)
      let vex: VEXStatements
      do {
        vex = try VEXStatements.parse(Data(buffer.readableBytesView), file: "request body")
      } catch let error as ScannerError {
        throw Problem(.badRequest, detail: error.message)
      }
      let author = request.uri.queryParameters.get("author") ?? "vex"
      guard !author.isEmpty, author.utf8.count <= 256 else {
        throw Problem(.badRequest, detail: "author must be 1 to 256 bytes")
      }
      var rules: [(id: String, digest: String, reason: String)] = []
      var skipped: [VEXAnswer.Skipped] = []
      for statement in vex.statements {
        guard statement.status == "not_affected" || statement.status == "fixed" else {
          skipped.append(
            .init(
              vulnerability: statement.vulnerability,
              reason: "status '\(statement.status)' suppresses nothing"))
          continue
        }
        let digests = Set(statement.products.compactMap(imageDigest)).sorted()
        let others = statement.products.filter { imageDigest($0) == nil }
        if !others.isEmpty {
          skipped.append(
            .init(
              vulnerability: statement.vulnerability,
              reason:
                "products \(others.prefix(3).map(\.description).joined(separator: ", ")) are not images (pkg:oci/NAME@sha256:…): the server suppresses per image"
            ))
        }
        let ids = ([statement.vulnerability] + statement.aliases).filter {
          !$0.isEmpty && $0.utf8.count <= 256
        }
        let reason = String(
          "VEX \(statement.status)\(statement.justification.map { ": \($0)" } ?? "")".prefix(4096))
        for digest in digests {
          for id in Set(ids).sorted() { rules.append((id, digest, reason)) }
        }
      }
      guard rules.count <= 10_000 else {
        throw Problem(.badRequest, detail: "at most 10000 suppressions per VEX document")
      }
      let toAdd = rules
      let created = try await db {
        try toAdd.map {
          try store.addSuppression(
            vulnerabilityID: $0.id, digest: $0.digest, reason: $0.reason, author: author,
            now: Date())
        }
      }
      return try json(
        VEXAnswer(
          suppressions: created, skipped: skipped, diagnostics: vex.diagnostics.map(\.message)),
        status: .created)
    }
    api.delete("suppressions/:id") { _, context in
      try context.require(.write)
      let id = try idParameter(context)
      guard try await db({ try store.removeSuppression(id: id, now: Date()) }) else {
        throw Problem(.notFound, detail: "no suppression \(id)")
      }
      return try json(Deleted(deleted: id))
    }

    api.get("webhooks") { _, context in
      try context.require(.admin)
      return try json(Page(items: try await db { try store.webhooks() }, next: nil))
    }
    api.post("webhooks") { request, context in
      try context.require(.admin)
      let body: WebhookBody = try await decode(request, limit: limits.json)
      try validateWebhook(url: body.url, secret: body.secret, events: body.events)
      let webhook = try await db {
        try store.addWebhook(
          url: body.url, secret: body.secret, events: body.events, origin: "api", now: Date())
      }
      var response = try json(webhook, status: .created)
      response.headers[.location] = "/api/v1/webhooks"
      return response
    }
    api.delete("webhooks/:id") { _, context in
      try context.require(.admin)
      let id = try idParameter(context)
      guard try await db({ try store.removeWebhook(id: id) }) else {
        throw Problem(.notFound, detail: "no webhook \(id)")
      }
      return try json(Deleted(deleted: id))
    }
    api.get("notifications/failed") { request, _ in
      let (limit, cursor) = try paging(request)
      let after = try intCursor(cursor)
      return try json(try await db { try store.failedDeliveries(limit: limit, after: after) })
    }
  }

  /// Letters, digits and inner hyphens in dot-separated labels of at most 63 bytes (an IPv4
  /// address is one too).
  static func isHostName(_ host: String) -> Bool {
    guard !host.isEmpty, host.utf8.count <= 253 else { return false }
    return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
      guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-" else {
        return false
      }
      return label.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || $0 == "-"
      }
    }
  }

  static func isIPv6Literal(_ host: String) -> Bool {
    let inner = host.hasPrefix("[") && host.hasSuffix("]") ? host.dropFirst().dropLast() : host[...]
    return inner.contains(":") && inner.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
  }

  static func idParameter(_ context: ServerContext) throws -> Int64 {
    let text = context.parameters.get("id") ?? ""
    guard let id = Int64(text), id > 0 else {
      throw Problem(.badRequest, detail: "'\(text)' is not an id")
    }
    return id
  }

  /// A destination must be an absolute http(s) URL with a host, with a secret to sign with and at
  /// least one event.
  public static func validateWebhook(url: String, secret: String, events: [WebhookEvent]) throws {
    guard url.utf8.count <= 2048, let parsed = URLComponents(string: url),
      let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
      let host = parsed.host, isHostName(host) || isIPv6Literal(host)
    else {
      throw Problem(
        .badRequest, detail: "url must be an absolute http or https URL with a valid host")
    }
    guard parsed.user == nil, parsed.password == nil else {
      throw Problem(.badRequest, detail: "url must not carry credentials (use the secret)")
    }
    guard secret.utf8.count >= 16, secret.utf8.count <= 1024 else {
      throw Problem(.badRequest, detail: "secret must be 16 to 1024 bytes")
    }
    guard !events.isEmpty else {
      throw Problem(.badRequest, detail: "events must name at least one event")
    }
  }
}
