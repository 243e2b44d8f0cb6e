import Foundation
import TailguardTesting
import Testing

@testable import TailguardServer

/// The dashboard's pieces without a server: session values (signature, expiry, the key kept in
/// the store), cookie attributes over TLS, form bodies, escaping.
struct DashboardSessionTests {
  @Test func sessionsAreSignedExpireAndShareTheStoresKey() async throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-dashboard-session")
    let store = try StoreBackend.sqlite.open(in: dir)
    let token = try Tokens.create(role: .read, store: store)
    let tokens = TokenAuthenticator(store: store)
    let sessions = DashboardSessions(
      key: DashboardSessions.loadKey(store), tokens: tokens, secure: true)
    let now = Date()
    let value = sessions.sessionValue(tokenHash: Tokens.hash(token), now: now)
    #expect(!value.contains(token))
    #expect(sessions.tokenHash(session: value, now: now) == Tokens.hash(token))
    // Expired after its lifetime; any changed character breaks the signature.
    #expect(
      sessions.tokenHash(
        session: value, now: now.addingTimeInterval(DashboardSessions.lifetime + 1)) == nil)
    var bytes = Array(value.utf8)
    bytes[10] = bytes[10] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
    #expect(sessions.tokenHash(session: String(decoding: bytes, as: UTF8.self), now: now) == nil)
    #expect(sessions.tokenHash(session: "v1.x.1.y", now: now) == nil)
    // A second process over the same store loads the same key: the session holds there too.
    let other = DashboardSessions(
      key: DashboardSessions.loadKey(store), tokens: tokens, secure: false)
    #expect(other.tokenHash(session: value, now: now) == Tokens.hash(token))
    #expect(try await tokens.role(forHash: Tokens.hash(token)) == .read)
    // Over TLS the cookie is Secure; without, not.
    let cookie = sessions.cookie(DashboardSessions.sessionCookie, value, maxAge: 60)
    #expect(cookie.hasSuffix("; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"))
    #expect(!other.cookie("a", "b", maxAge: 1).contains("Secure"))
    // CSRF values are bound to their nonce and session.
    #expect(sessions.loginCSRF(nonce: "a") != sessions.loginCSRF(nonce: "b"))
    #expect(sessions.logoutCSRF(session: value) != sessions.loginCSRF(nonce: value))
  }

  @Test func formBodiesAndEscaping() {
    #expect(
      FormBody.parse("csrf=ab%20c&token=tgk_1+2&csrf=again&empty=")
        == ["csrf": "ab c", "token": "tgk_1 2", "empty": ""])
    #expect(
      HTML.escape("<script>alert('x') & \"y\"</script>")
        == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
    #expect(HTML.escape("plain text 123") == "plain text 123")
    var html = HTML()
    html.element("a", ["href": "/images/\"><script>", "title": nil, "hidden": ""], text: "<b>")
    #expect(html.out == "<a href=\"/images/&quot;&gt;&lt;script&gt;\" hidden>&lt;b&gt;</a>")
  }
}
