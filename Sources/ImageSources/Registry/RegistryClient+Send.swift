import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TailguardModel

extension RegistryClient {
  /// Sends one API request through auth, retries and redirects; returns the first response with
  /// an expected status (2xx by default; the body is left for the caller to stream). 404 maps to
  /// `notFound`, 401/403 after authenticating to `authDenied`, 429 / 5xx / connection failures
  /// past the retry budget to `rateLimited` / `serverError` / `network`.
  func send(
    _ method: HTTPMethod, url: String, registry: String, scope: String?, ref: String,
    accept: [String] = [], headers extra: [(String, String)] = [], body: [UInt8]? = nil,
    contentType: String? = nil, expect: Set<Int>? = nil, timeout: Duration? = nil
  ) async throws(RegistryError) -> HTTPClientResponse {
    let policy = configuration.retry
    let started = ContinuousClock.now
    var rng = SystemRandomNumberGenerator()
    var attempt = 0
    var authRounds = 0
    var currentURL = url
    var redirects = 0
    var freshAuthorization: String?  // set right after fetching a token, to detect real denials

    while true {
      attempt += 1
      // Authorization for this URL: only for the registry's own host, never after a redirect
      // to another host (blob CDNs get pre-signed URLs and must not see our token).
      var authorization: String?
      let sameHost = Self.sameOrigin(currentURL, baseURL(registry: registry))
      if sameHost {
        if let fresh = freshAuthorization {
          authorization = fresh
        } else {
          authorization = try await cachedAuthorization(registry: registry, scope: scope, ref: ref)
        }
      }
      var request = HTTPClientRequest(url: currentURL)
      request.method = method
      request.headers.add(name: "User-Agent", value: configuration.userAgent)
      if !accept.isEmpty {
        request.headers.add(name: "Accept", value: accept.joined(separator: ", "))
      }
      for (name, value) in extra { request.headers.add(name: name, value: value) }
      if let authorization { request.headers.add(name: "Authorization", value: authorization) }
      if let body {
        request.body = .bytes(ByteBuffer(bytes: body))
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
      }

      let response: HTTPClientResponse
      do {
        response = try await http.execute(
          request, timeout: Self.timeAmount(timeout ?? configuration.requestTimeout))
      } catch {
        let (mapped, retryable) = Self.classify(error, ref: ref)
        guard retryable else { throw mapped }
        try await backoff(
          attempt: attempt, retryAfter: nil, started: started, policy: policy, rng: &rng,
          last: mapped)
        continue
      }
      let status = Int(response.status.code)

      if let expect, expect.contains(status) { return response }
      if expect == nil, (200..<300).contains(status) { return response }

      switch status {
      case 301, 302, 303, 307, 308:
        redirects += 1
        guard redirects <= 5, let location = response.headers.first(name: "Location"),
          let next = URL(string: location, relativeTo: URL(string: currentURL))?.absoluteURL
        else {
          throw RegistryError(
            .invalidResponse, reference: ref, "redirect without a usable Location (or more than 5)",
            status: status)
        }
        if next.scheme == "http", let host = next.host,
          !RegistryClientConfiguration.isLoopback(host), !currentURL.hasPrefix("http:")
        {
          throw RegistryError(
            .invalidResponse, reference: ref,
            "refusing redirect from HTTPS to plain HTTP (\(host))",
            status: status)
        }
        currentURL = next.absoluteString
        attempt -= 1  // a redirect is not a failed attempt
        continue
      case 401:
        let body = await Self.errorBody(response, ref: ref)
        authRounds += 1
        let challenges = AuthChallenge.parse(
          response.headers["WWW-Authenticate"].joined(separator: ", "))
        guard sameHost, authRounds <= 2,
          let challenge = challenges.first(where: { $0.isBearer })
            ?? challenges.first(where: { $0.isBasic })
        else {
          throw denied(
            ref: ref, registry: registry, status: status, body: body,
            hadAuthorization: authorization != nil)
        }
        await auth.remember(challenge: challenge, host: registry)
        if let authorization, authorization == freshAuthorization {
          // A token (or basic credential) obtained just now was refused: a real denial.
          throw denied(
            ref: ref, registry: registry, status: status, body: body, hadAuthorization: true)
        }
        if let scope { await auth.invalidate(host: registry, scope: scope) }
        freshAuthorization = try await authorize(
          challenge: challenge, registry: registry, scope: scope, ref: ref)
        guard freshAuthorization != nil else {
          throw denied(
            ref: ref, registry: registry, status: status, body: body, hadAuthorization: false)
        }
        attempt -= 1
        continue
      case 403:
        let body = await Self.errorBody(response, ref: ref)
        throw RegistryError(.authDenied, reference: ref, "access denied\(body)", status: status)
      case 404:
        let body = await Self.errorBody(response, ref: ref)
        throw RegistryError(.notFound, reference: ref, "not found\(body)", status: status)
      case 408, 429, 500, 502, 503, 504:
        let retryAfter = response.headers.first(name: "Retry-After").flatMap {
          RetryPolicy.parseRetryAfter($0)
        }
        let body = await Self.errorBody(response, ref: ref)
        let error =
          status == 429
          ? RegistryError(
            .rateLimited, reference: ref, "rate limited (HTTP 429)\(body)", status: status)
          : RegistryError(.serverError, reference: ref, "registry error\(body)", status: status)
        try await backoff(
          attempt: attempt, retryAfter: retryAfter, started: started, policy: policy, rng: &rng,
          last: error)
        continue
      default:
        let body = await Self.errorBody(response, ref: ref)
        throw RegistryError(
          .invalidResponse, reference: ref, "unexpected HTTP \(status)\(body)", status: status)
      }
    }
  }

  /// Sleeps before the next attempt, or throws `last` when the attempt count or the time budget
  /// (including a `Retry-After` that would overrun it) is used up.
  func backoff<R: RandomNumberGenerator>(
    attempt: Int, retryAfter: Duration?, started: ContinuousClock.Instant, policy: RetryPolicy,
    rng: inout R, last: RegistryError
  ) async throws(RegistryError) {
    guard attempt < policy.maxAttempts else {
      throw RegistryError(
        last.code, reference: last.reference, last.message + " (gave up after \(attempt) attempts)",
        status: last.status)
    }
    let delay = policy.delay(attempt: attempt, retryAfter: retryAfter, using: &rng)
    let elapsed = ContinuousClock.now - started
    guard elapsed + delay <= policy.maxElapsed else {
      throw RegistryError(
        last.code, reference: last.reference,
        last.message + " (retry budget of \(policy.maxElapsed) exhausted; next wait \(delay))",
        status: last.status)
    }
    do { try await Task.sleep(for: delay) } catch {
      throw RegistryError(.network, reference: last.reference, "cancelled while waiting to retry")
    }
  }

  func denied(ref: String, registry: String, status: Int, body: String, hadAuthorization: Bool)
    -> RegistryError
  {
    let hint =
      hadAuthorization
      ? "credentials were refused"
      : "authentication required and no credentials are configured for \(registry) (use --username/--password-stdin or docker login)"
    return RegistryError(.authDenied, reference: ref, "\(hint)\(body)", status: status)
  }

  /// The Authorization value to send before any challenge: a cached token for the scope, or —
  /// when this host challenged before — a new token / basic credential right away.
  func cachedAuthorization(registry: String, scope: String?, ref: String)
    async throws(RegistryError) -> String?
  {
    let key = scope ?? ""
    if let token = await auth.token(host: registry, scope: key) { return "Bearer " + token }
    guard let challenge = await auth.challenge(host: registry) else { return nil }
    return try await authorize(challenge: challenge, registry: registry, scope: scope, ref: ref)
  }

  /// Answers a challenge: basic credentials for `Basic`, a token from the realm for `Bearer`.
  /// Returns nil when there is nothing to answer with (anonymous vs. Basic).
  func authorize(challenge: AuthChallenge, registry: String, scope: String?, ref: String)
    async throws(RegistryError) -> String?
  {
    let credential = try configuration.credential(forRegistry: registry)
    if challenge.isBasic { return credential.basicHeader }
    guard challenge.isBearer, let realm = challenge.realm, let realmURL = URL(string: realm),
      let realmHost = realmURL.host
    else {
      throw RegistryError(
        .invalidResponse, reference: ref, "unsupported auth challenge '\(challenge.scheme)'")
    }
    guard realmURL.scheme == "https" || RegistryClientConfiguration.isLoopback(realmHost) else {
      throw RegistryError(.invalidResponse, reference: ref, "token realm \(realm) is not HTTPS")
    }
    // Our scope wins: the challenge's scope on a 401 may be for another action.
    let wanted = scope ?? challenge.scope
    var query: [String] = []
    if let service = challenge.service { query.append("service=" + Self.queryEscape(service)) }
    if let wanted { query.append("scope=" + Self.queryEscape(wanted)) }
    var request: HTTPClientRequest
    switch credential {
    case .identityToken(let refresh):
      request = HTTPClientRequest(url: realm)
      request.method = .POST
      var form = [
        "grant_type=refresh_token", "client_id=tailguard",
        "refresh_token=" + Self.queryEscape(refresh),
      ]
      form += query
      let body = Array(form.joined(separator: "&").utf8)
      request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
      request.body = .bytes(ByteBuffer(bytes: body))
    case .basic, .anonymous:
      let url =
        realm
        + (query.isEmpty ? "" : (realm.contains("?") ? "&" : "?") + query.joined(separator: "&"))
      request = HTTPClientRequest(url: url)
      if let header = credential.basicHeader {
        request.headers.add(name: "Authorization", value: header)
      }
    }
    request.headers.add(name: "User-Agent", value: configuration.userAgent)
    await auth.countTokenRequest()

    var attempt = 0
    var rng = SystemRandomNumberGenerator()
    let started = ContinuousClock.now
    while true {
      attempt += 1
      let response: HTTPClientResponse
      do {
        response = try await http.execute(
          request, timeout: Self.timeAmount(configuration.requestTimeout))
      } catch {
        let (mapped, retryable) = Self.classify(error, ref: ref)
        guard retryable else { throw mapped }
        try await backoff(
          attempt: attempt, retryAfter: nil, started: started, policy: configuration.retry,
          rng: &rng,
          last: mapped)
        continue
      }
      let status = Int(response.status.code)
      if status == 429 || status >= 500 {
        let retryAfter = response.headers.first(name: "Retry-After").flatMap {
          RetryPolicy.parseRetryAfter($0)
        }
        _ = await Self.errorBody(response, ref: ref)
        try await backoff(
          attempt: attempt, retryAfter: retryAfter, started: started, policy: configuration.retry,
          rng: &rng,
          last: RegistryError(
            status == 429 ? .rateLimited : .serverError, reference: ref,
            "token server \(realmHost)",
            status: status))
        continue
      }
      guard status == 200 else {
        let body = await Self.errorBody(response, ref: ref)
        if status == 401 || status == 403 {
          throw denied(
            ref: ref, registry: registry, status: status,
            body: " (token server \(realmHost))" + body,
            hadAuthorization: credential != .anonymous)
        }
        throw RegistryError(
          .invalidResponse, reference: ref, "token server answered HTTP \(status)\(body)",
          status: status)
      }
      let bytes = try await Self.collect(response.body, limit: 1 << 20, ref: ref)
      struct TokenResponse: Decodable {
        var token: String?
        var accessToken: String?
        var expiresIn: Int?
        enum CodingKeys: String, CodingKey {
          case token
          case accessToken = "access_token"
          case expiresIn = "expires_in"
        }
      }
      guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: Data(bytes)),
        let token = decoded.token ?? decoded.accessToken, !token.isEmpty
      else {
        throw RegistryError(.invalidResponse, reference: ref, "token server response has no token")
      }
      // Distribution token spec: expires_in defaults to 60 s; never trust more than a day.
      let seconds = min(max(decoded.expiresIn ?? 60, 0), 86_400)
      await auth.store(
        token: token, expiresIn: .seconds(seconds), host: registry, scope: scope ?? "")
      return "Bearer " + token
    }
  }

  /// ` (registry says: …)` from a distribution error body, bounded, for error messages.
  static func errorBody(_ response: HTTPClientResponse, ref: String) async -> String {
    guard let bytes = try? await collect(response.body, limit: 16 * 1024, ref: ref), !bytes.isEmpty
    else {
      return ""
    }
    struct Errors: Decodable {
      struct E: Decodable {
        var code: String?
        var message: String?
      }
      var errors: [E]?
    }
    if let decoded = try? JSONDecoder().decode(Errors.self, from: Data(bytes)),
      let errors = decoded.errors,
      !errors.isEmpty
    {
      let text = errors.prefix(3).map {
        [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ")
      }
      return " (registry says: \(text.joined(separator: "; ").prefix(300)))"
    }
    return ""
  }

  /// Same scheme, host and port.
  static func sameOrigin(_ a: String, _ b: String) -> Bool {
    guard let ua = URL(string: a), let ub = URL(string: b) else { return false }
    func port(_ u: URL) -> Int { u.port ?? (u.scheme == "https" ? 443 : 80) }
    return ua.scheme == ub.scheme && ua.host?.lowercased() == ub.host?.lowercased()
      && port(ua) == port(ub)
  }
}
