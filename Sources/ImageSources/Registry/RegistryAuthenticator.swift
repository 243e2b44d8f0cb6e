import Foundation

/// Per-registry authentication state shared by every request of one client: bearer tokens cached
/// per (host, scope) until they expire, and the challenge each host answered with, so later
/// requests authenticate up front instead of paying a 401 round trip each.
actor RegistryAuthenticator {
  struct Token: Sendable {
    var value: String
    var expires: ContinuousClock.Instant
  }

  private var tokens: [String: Token] = [:]
  private var challenges: [String: AuthChallenge] = [:]
  /// Tokens are treated as expired this long before their stated expiry (clock skew, latency).
  private let margin: Duration = .seconds(5)
  private(set) var tokenRequests = 0

  func token(host: String, scope: String) -> String? {
    guard let t = tokens[host + " " + scope] else { return nil }
    guard ContinuousClock.now + margin < t.expires else {
      tokens[host + " " + scope] = nil
      return nil
    }
    return t.value
  }

  func store(token: String, expiresIn: Duration, host: String, scope: String) {
    tokens[host + " " + scope] = Token(value: token, expires: ContinuousClock.now + expiresIn)
  }

  func invalidate(host: String, scope: String) { tokens[host + " " + scope] = nil }

  func challenge(host: String) -> AuthChallenge? { challenges[host] }

  func remember(challenge: AuthChallenge, host: String) { challenges[host] = challenge }

  func countTokenRequest() { tokenRequests += 1 }
}
