import Foundation
import Hummingbird
import NIOCore

/// `POST /admission/validate` and `POST /admission/mutate` (no token: the Kubernetes API server
/// sends none; `serve` requires TLS for them, optionally client certificates) and
/// `GET /api/v1/admissions` (read token).
enum AdmissionAPI {
  /// The API server's own request limit is 3 MiB.
  static let maxBody = 3 << 20

  static func add(
    _ router: Router<ServerContext>, api: RouterGroup<ServerContext>,
    admission: AdmissionController?, store: any ServerStore
  ) {
    router.post("/admission/validate") { request, _ in
      try await review(request, admission) { try await $0.validate($1) }
    }
    router.post("/admission/mutate") { request, _ in
      try await review(request, admission) { try await $0.mutate($1) }
    }
    api.get("admissions") { request, _ in
      guard let store = store as? any AdmissionStore else {
        throw Problem(.notFound, detail: "this store keeps no admission decisions")
      }
      let (limit, cursor) = try ServerAPI.paging(request)
      return try ServerAPI.json(
        try store.admissions(limit: limit, after: try ServerAPI.intCursor(cursor)))
    }
  }

  static func review(
    _ request: Request, _ admission: AdmissionController?,
    _ decide: (AdmissionController, [UInt8]) async throws -> AdmissionController.Outcome
  ) async throws -> Response {
    guard let admission else {
      throw Problem(
        .notFound,
        detail:
          "the admission webhook is not enabled (an admission section in --config, or --policy)")
    }
    if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBody {
      throw Problem(.contentTooLarge, detail: "request body is over \(maxBody) bytes")
    }
    let buffer = try await request.body.collect(upTo: maxBody)
    let outcome: AdmissionController.Outcome
    do {
      outcome = try await decide(admission, Array(buffer.readableBytesView))
    } catch let problem as AdmissionReviewProblem {
      switch problem {
      case .malformed(let message), .notUnderstood(_, let message):
        throw Problem(.badRequest, detail: message)
      }
    }
    return Response(
      status: .ok, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(bytes: AdmissionReview.encode(outcome.response))))
  }
}
