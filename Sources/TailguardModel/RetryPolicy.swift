import Foundation

/// How often and how long an HTTP client retries 429, 5xx and dropped connections: the
/// registry client and `db update` share it, so both back off the same way.
///
/// A pure value (no clock, no I/O): callers measure elapsed time and sleep. Both the count and the total time are bounded, so a registry in a 429 storm costs a fleet scan
/// at most `maxElapsed` per image, never an unbounded stall. Delays grow exponentially with full
/// jitter (AWS architecture blog's "full jitter"), but a server's `Retry-After` wins when given.
public struct RetryPolicy: Hashable, Sendable {
  /// Attempts including the first one.
  public var maxAttempts: Int
  public var baseDelay: Duration
  public var maxDelay: Duration
  /// Total time from the first attempt after which no retry starts.
  public var maxElapsed: Duration

  public init(
    maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200),
    maxDelay: Duration = .seconds(10),
    maxElapsed: Duration = .seconds(60)
  ) {
    self.maxAttempts = max(1, maxAttempts)
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.maxElapsed = maxElapsed
  }

  public static let none = RetryPolicy(maxAttempts: 1)

  /// Delay before retry number `attempt` (1 = first retry): `Retry-After` when the server sent
  /// one, else a random value in `0...min(maxDelay, base * 2^(attempt-1))`.
  public func delay<R: RandomNumberGenerator>(
    attempt: Int, retryAfter: Duration?, using rng: inout R
  )
    -> Duration
  {
    if let retryAfter { return retryAfter }
    let cap = min(maxDelay, baseDelay * (1 << min(max(attempt - 1, 0), 20)))
    let ms = cap.components.seconds * 1000 + cap.components.attoseconds / 1_000_000_000_000_000
    guard ms > 0 else { return .zero }
    // Full jitter but never below a quarter of the cap, so retries don't hammer back-to-back.
    return .milliseconds(Int64.random(in: (ms / 4)...ms, using: &rng))
  }

  /// The wait before retry number `attempt` (1 = first retry) after `elapsed` time since the
  /// first attempt began, or nil when the policy says stop: `maxAttempts` attempts were made, or
  /// the wait (a server's `Retry-After` included) would end past `maxElapsed`.
  public func nextDelay<R: RandomNumberGenerator>(
    attempt: Int, retryAfter: Duration?, elapsed: Duration, using rng: inout R
  ) -> Duration? {
    guard attempt < maxAttempts else { return nil }
    let wait = delay(attempt: attempt, retryAfter: retryAfter, using: &rng)
    guard elapsed + wait <= maxElapsed else { return nil }
    return wait
  }

  /// Parses `Retry-After`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Unparseable → nil.
  public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
    let v = value.trimmingCharacters(in: .whitespaces)
    if let seconds = Int(v), seconds >= 0 { return .seconds(min(seconds, 86_400)) }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    guard let date = formatter.date(from: v) else { return nil }
    let delta = max(0, date.timeIntervalSince(now))
    return .milliseconds(Int64(min(delta, 86_400) * 1000))
  }
}
