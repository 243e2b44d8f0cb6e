import ByteFormats
import Crypto
import Foundation
import Hummingbird

/// The dashboard's sessions and CSRF tokens.
///
/// Logging in takes an API token and checks it exactly as the API checks a bearer token
/// (`TokenAuthenticator`, the same cache). The session cookie holds no token: it is
/// `v1.<token SHA-256>.<expiry>.<HMAC>`, signed with a key kept in the store's `meta` table (so
/// every server process over one database accepts it, and a restart keeps sessions). Each request
/// looks the token hash up again, so a removed token ends its sessions within the cache's 30 s.
/// Whoever reads the database could forge a session, but would gain nothing the database does not
/// already show: the dashboard only reads.
///
/// CSRF: the login form carries HMAC(key, "login|" + nonce) where the nonce is in a
/// `SameSite=Strict` cookie set with the form (a signed double submit); the logout form carries
/// HMAC(key, "logout|" + session cookie).
struct DashboardSessions: Sendable {
  static let sessionCookie = "tg_session"
  static let csrfCookie = "tg_csrf"
  static let lifetime: TimeInterval = 12 * 3600
  static let keyMeta = "dashboard.session_key"

  let key: SymmetricKey
  let tokens: TokenAuthenticator
  /// Whether cookies carry `Secure` (the server speaks TLS).
  let secure: Bool

  /// The key from the store, created on first use; a per-process key when the store cannot keep one.
  static func loadKey(_ store: any ServerStore) -> SymmetricKey {
    func decode(_ hex: String?) -> SymmetricKey? {
      guard let hex, let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
      return SymmetricKey(data: bytes)
    }
    if let key = decode(try? store.meta(keyMeta)) { return key }
    let fresh = Tokens.generate().dropFirst(4)
    try? store.setMeta(keyMeta, String(fresh))
    // Another process may have written its key first: read back what the store kept.
    return decode(try? store.meta(keyMeta)) ?? decode(String(fresh)) ?? SymmetricKey(size: .bits256)
  }

  func mac(_ text: String) -> String {
    Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
  }

  /// Constant-time comparison of two hex strings.
  static func same(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
  }

  // MARK: Sessions

  func sessionValue(tokenHash: String, now: Date) -> String {
    let payload = "v1.\(tokenHash).\(Int(now.timeIntervalSince1970 + Self.lifetime))"
    return payload + "." + mac(payload)
  }

  /// The token hash of a well-signed, unexpired session cookie.
  func tokenHash(session value: String, now: Date) -> String? {
    let parts = value.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0] == "v1", parts[1].utf8.count == 64,
      let expiry = Int(parts[2]), Double(expiry) > now.timeIntervalSince1970
    else { return nil }
    let payload = parts[0..<3].joined(separator: ".")
    guard Self.same(mac(payload), String(parts[3])) else { return nil }
    return String(parts[1])
  }

  /// The role of the request's session, or nil (no cookie, bad signature, expired, token gone).
  func role(_ request: Request) async throws -> Role? {
    guard let value = request.cookies[Self.sessionCookie]?.value,
      let hash = tokenHash(session: value, now: Date())
    else { return nil }
    return try await tokens.role(forHash: hash)
  }

  func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
    "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
  }

  // MARK: CSRF

  func loginCSRF(nonce: String) -> String { mac("login|" + nonce) }
  func logoutCSRF(session: String) -> String { mac("logout|" + session) }
  /// The logout form's field for the request's session.
  func logoutCSRF(_ request: Request) -> String {
    logoutCSRF(session: request.cookies[Self.sessionCookie]?.value ?? "")
  }

  static func nonce() -> String { String(Tokens.generate().dropFirst(4).prefix(32)) }
}

/// Pages need a session: without one, 303 to `/login`.
struct DashboardSessionMiddleware: RouterMiddleware {
  typealias Context = ServerContext
  let sessions: DashboardSessions

  func handle(
    _ request: Request, context: ServerContext,
    next: (Request, ServerContext) async throws -> Response
  ) async throws -> Response {
    guard let role = try await sessions.role(request), role >= .read else {
      return Response(
        status: .seeOther, headers: [.location: "/login", .cacheControl: "no-store"])
    }
    var context = context
    context.role = role
    return try await next(request, context)
  }
}

/// `application/x-www-form-urlencoded` bodies (the login and logout forms).
enum FormBody {
  static let limit = 8 << 10

  static func read(_ request: Request) async throws -> [String: String] {
    let buffer = try await request.body.collect(upTo: limit)
    return parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
  }

  static func parse(_ text: String) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in text.split(separator: "&") {
      let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      func decode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
      }
      let name = decode(kv[0])
      if fields[name] == nil { fields[name] = kv.count > 1 ? decode(kv[1]) : "" }
    }
    return fields
  }
}
