import Foundation
import TailguardModel
import Testing

/// The retry policy shared by the registry client and `db update`.
@Suite struct RetryPolicyTests {
  @Test func retryAfterSecondsAndHTTPDate() {
    #expect(RetryPolicy.parseRetryAfter("3") == .seconds(3))
    #expect(RetryPolicy.parseRetryAfter(" 0 ") == .seconds(0))
    #expect(RetryPolicy.parseRetryAfter("-1") == nil)
    #expect(RetryPolicy.parseRetryAfter("soon") == nil)
    let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
    #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
  }

  @Test func backoffIsBoundedAndJittered() {
    let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
    // Any generator will do: the bounds hold for every draw.
    var rng = SystemRandomNumberGenerator()
    for attempt in 1...10 {
      let cap = min(Duration.seconds(1), .milliseconds(100) * (1 << (attempt - 1)))
      let d = policy.delay(attempt: attempt, retryAfter: nil, using: &rng)
      #expect(d <= cap)
      #expect(d >= cap / 4 - .milliseconds(1))
    }
    #expect(policy.delay(attempt: 1, retryAfter: .seconds(7), using: &rng) == .seconds(7))
  }

  @Test func nextDelayStopsAtTheAttemptCountAndTheTimeBudget() {
    let policy = RetryPolicy(
      maxAttempts: 3, baseDelay: .milliseconds(100), maxDelay: .seconds(1),
      maxElapsed: .seconds(5))
    var rng = SystemRandomNumberGenerator()
    let first = policy.nextDelay(attempt: 1, retryAfter: nil, elapsed: .zero, using: &rng)
    #expect(first.map { $0 <= .milliseconds(100) } == true)
    #expect(policy.nextDelay(attempt: 3, retryAfter: nil, elapsed: .zero, using: &rng) == nil)
    // A Retry-After that would overrun the budget stops the retries instead of stalling.
    #expect(
      policy.nextDelay(attempt: 1, retryAfter: .seconds(6), elapsed: .zero, using: &rng) == nil)
    #expect(
      policy.nextDelay(attempt: 2, retryAfter: .seconds(2), elapsed: .seconds(2), using: &rng)
        == .seconds(2))
    #expect(
      RetryPolicy.none.nextDelay(attempt: 1, retryAfter: nil, elapsed: .zero, using: &rng) == nil)
  }
}
