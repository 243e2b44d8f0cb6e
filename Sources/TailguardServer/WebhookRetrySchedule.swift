import Foundation

/// What one delivery attempt came to, before the schedule judges it.
public enum WebhookAttemptResult: Sendable, Hashable {
  /// The receiver answered STATUS. `retryAfter` is its `Retry-After` in seconds (already parsed,
  /// nil when absent or unreadable); `location` its `Location` header (redirects are not followed).
  case response(status: Int, retryAfter: TimeInterval? = nil, location: String? = nil)
  /// No answer: connection refused, name not resolved, TLS failure, reset, timeout.
  case transportFailure(String)
  /// The request cannot be made and never will be (malformed URL, unsupported scheme).
  case unsendable(String)
}

/// What the outbox is told after an attempt.
public enum WebhookDecision: Sendable, Hashable {
  case delivered(status: Int)
  case retry(at: Date, error: String)
  case dead(error: String)

  /// The outcome label for `tailguard_notifications_total{outcome}`.
  public var outcome: String {
    switch self {
    case .delivered: "delivered"
    case .retry: "retry"
    case .dead: "dead"
    }
  }
}

/// When a failed webhook delivery is tried again, and when it is given up: a pure value,
/// deterministic (no jitter), so it can be tested without time.
///
/// - 2xx is delivered.
/// - Any other answer is a failure and is retried, 4xx included, as Stripe does: a 401, 403 or 404
///   is most often a receiver being deployed or misconfigured for a while, and an alert lost to a
///   fixable mistake is worse than 30 more requests in a day. Redirects (3xx) are not followed and
///   count as failures (the dead letter names the `Location`; update the webhook's URL).
/// - 410 Gone is dead at once: the receiver says this endpoint will never take deliveries.
/// - A request that cannot be made (malformed URL, unsupported scheme) is dead at once.
/// - 429 and 503 with `Retry-After` are retried exactly then (at least `minimumRetryAfter`); if that
///   time falls after the window ends, the delivery is dead at once rather than sent early.
/// - Otherwise the wait after the n-th failed attempt is `initialDelay · 2^(n−1)`, at most
///   `maximumDelay`: 30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 32 min, then hourly. The next attempt
///   is never scheduled after the window's end (`createdAt + window`, 24 h): the last try is made
///   at that end, and a failure at or after it is dead. With the defaults that is about 30 attempts.
public struct WebhookRetrySchedule: Sendable, Hashable {
  public var initialDelay: TimeInterval
  public var maximumDelay: TimeInterval
  public var window: TimeInterval
  public var minimumRetryAfter: TimeInterval

  public init(
    initialDelay: TimeInterval = 30, maximumDelay: TimeInterval = 3600,
    window: TimeInterval = 24 * 3600, minimumRetryAfter: TimeInterval = 1
  ) {
    self.initialDelay = initialDelay
    self.maximumDelay = maximumDelay
    self.window = window
    self.minimumRetryAfter = minimumRetryAfter
  }

  /// The wait after the FAILURES-th failed attempt (1 for the first).
  public func delay(afterFailures failures: Int) -> TimeInterval {
    let exponent = max(0, failures - 1)
    if exponent >= 40 { return maximumDelay }
    return min(maximumDelay, initialDelay * Double(UInt64(1) << UInt64(exponent)))
  }

  /// The end of the delivery window: no attempt is scheduled after it.
  public func deadline(createdAt: Date) -> Date { createdAt.addingTimeInterval(window) }

  /// The decision after an attempt that came to RESULT; ATTEMPTSBEFORE attempts were made before
  /// it (`OutboxDelivery.attempts`), NOW is when it ended.
  public func decide(
    _ result: WebhookAttemptResult, attemptsBefore: Int, createdAt: Date, now: Date
  ) -> WebhookDecision {
    let error: String
    var retryAfter: TimeInterval?
    switch result {
    case .response(let status, let after, let location):
      if (200..<300).contains(status) { return .delivered(status: status) }
      if status == 410 {
        return .dead(error: "HTTP 410 Gone: the receiver takes no more deliveries")
      }
      if (300..<400).contains(status) {
        let target = location.map { "; Location: \(Self.clip($0, 200))" } ?? ""
        error = "HTTP \(status): redirects are not followed\(target)"
      } else {
        error = "HTTP \(status)"
      }
      if status == 429 || status == 503 { retryAfter = after }
    case .transportFailure(let message):
      error = message
    case .unsendable(let message):
      return .dead(error: message)
    }
    let end = deadline(createdAt: createdAt)
    let attempts = attemptsBefore + 1
    if now >= end {
      return .dead(error: "\(error) (gave up after \(attempts) attempts in \(Self.span(window)))")
    }
    if let retryAfter {
      let at = now.addingTimeInterval(max(retryAfter, minimumRetryAfter))
      if at > end {
        return .dead(
          error:
            "\(error) with Retry-After \(Int(retryAfter.rounded())) s, after the \(Self.span(window)) delivery window ends"
        )
      }
      return .retry(at: at, error: "\(error) (Retry-After \(Int(retryAfter.rounded())) s)")
    }
    let at = min(now.addingTimeInterval(delay(afterFailures: attempts)), end)
    return .retry(at: at, error: error)
  }

  /// A `Retry-After` value in seconds from now: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
  public static func parseRetryAfter(_ value: String, now: Date) -> TimeInterval? {
    let text = value.trimmingCharacters(in: .whitespaces)
    if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
      return text.count > 9 ? TimeInterval(999_999_999) : TimeInterval(Int(text)!)
    }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    guard let date = formatter.date(from: text) else { return nil }
    return max(0, date.timeIntervalSince(now))
  }

  static func clip(_ text: String, _ limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(limit)) + "…"
  }

  static func span(_ seconds: TimeInterval) -> String {
    seconds.truncatingRemainder(dividingBy: 3600) == 0
      ? "\(Int(seconds / 3600)) h" : "\(Int(seconds)) s"
  }
}
