import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SBOMFormats
import ServiceLifecycle

/// Sends the outbox's webhook deliveries until graceful shutdown: a service for the server's
/// `ServiceGroup` (next to the HTTP server and the index workers):
///
/// ```swift
/// let dispatcher = WebhookDispatcher(
///   store: store, logger: logger, onOutcome: { outcome in /* notifications_total{outcome} */ })
/// Application(router: router, services: workers + [dispatcher], …)
/// // or: ServiceGroup(configuration: .init(services: [server, dispatcher], logger: logger))
/// ```
///
/// Every `pollInterval` it takes the due deliveries (`OutboxStore.dueDeliveries`, leased for
/// `lease`) and hands them to their destination (webhook). Each destination is sent to on its own
/// (at most `maxInFlightPerDestination` requests at a time, in the store's order), so a receiver
/// that fails or hangs delays only its own deliveries. What an attempt comes to is judged by
/// `WebhookRetrySchedule` and written back with `markDelivered`, `markRetry` or `markDead`.
///
/// Each request is a `POST` of the delivery's body, exactly as stored, with these headers:
///
/// | Header | Value |
/// |---|---|
/// | `Content-Type` | `application/json` |
/// | `User-Agent` | `tailguard/<version>` |
/// | `X-Tailguard-Event` | the event, e.g. `finding.new` |
/// | `X-Tailguard-Delivery` | the event's id: the same on every retry and for every destination; receivers drop repeats by it (delivery is at least once) |
/// | `X-Tailguard-Attempt` | 1 for the first attempt, 2 for the first retry, … |
/// | `X-Tailguard-Signature` | `sha256=<hex HMAC-SHA256(secret, body)>`, see `WebhookSignature` |
///
/// No timestamp header is sent: one outside the signature would protect nothing, and the
/// signature covers the body only (GitHub's convention); the event's own time is in the body and
/// replays are recognised by `X-Tailguard-Delivery`.
///
/// Each attempt has `requestTimeout` (10 s) from connecting to the end of the answer; redirects
/// are not followed (a 3xx is a failure); at most `maxResponseBytes` (64 KiB) of the answer's body
/// are read, and discarded. Errors from the store are logged and the work is taken again at the
/// next poll or when its lease ends; they never stop the dispatcher. A delivery whose send is cut
/// off by shutdown or cancellation is left to its lease, and sent again later.
public struct WebhookDispatcher: Service {
  public struct Configuration: Sendable {
    /// How often the outbox is asked for due deliveries.
    public var pollInterval: Duration
    /// How long a taken delivery is held from other dispatchers; longer than `requestTimeout`.
    public var lease: TimeInterval
    /// The most one attempt may take, from connecting to the end of the answer.
    public var requestTimeout: Duration
    /// Requests in flight to one destination at a time.
    public var maxInFlightPerDestination: Int
    /// Deliveries taken per destination at each poll (`dueDeliveries`' `limit`), and the most that
    /// wait here for one destination; more stay in the outbox until their lease ends.
    public var batchPerDestination: Int
    /// How much of an answer's body is read (and discarded) before the connection is dropped.
    public var maxResponseBytes: Int
    public var schedule: WebhookRetrySchedule

    public init(
      pollInterval: Duration = .seconds(1), lease: TimeInterval = 60,
      requestTimeout: Duration = .seconds(10), maxInFlightPerDestination: Int = 2,
      batchPerDestination: Int = 10, maxResponseBytes: Int = 64 * 1024,
      schedule: WebhookRetrySchedule = WebhookRetrySchedule()
    ) {
      self.pollInterval = pollInterval
      self.lease = lease
      self.requestTimeout = requestTimeout
      self.maxInFlightPerDestination = maxInFlightPerDestination
      self.batchPerDestination = batchPerDestination
      self.maxResponseBytes = maxResponseBytes
      self.schedule = schedule
    }
  }

  public static let eventHeader = "X-Tailguard-Event"
  public static let deliveryHeader = "X-Tailguard-Delivery"
  public static let attemptHeader = "X-Tailguard-Attempt"
  public static let signatureHeader = WebhookSignature.header

  let store: any OutboxStore
  let configuration: Configuration
  let logger: Logger
  let clock: @Sendable () -> Date
  let onOutcome: @Sendable (String) -> Void

  /// - Parameters:
  ///   - now: the time the schedule and the store see (the wall clock unless a test says).
  ///   - onOutcome: hears `delivered`, `retry` or `dead` after each attempt the store recorded.
  public init(
    store: any OutboxStore, configuration: Configuration = Configuration(), logger: Logger,
    now: @escaping @Sendable () -> Date = { Date() },
    onOutcome: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.store = store
    self.configuration = configuration
    self.logger = logger
    self.clock = now
    self.onOutcome = onOutcome
  }

  /// The headers of an attempt at DELIVERY (ATTEMPT counts from 1).
  public static func headers(for delivery: OutboxDelivery, attempt: Int) -> [(String, String)] {
    [
      ("Content-Type", "application/json"),
      ("User-Agent", "tailguard/\(TailguardVersion.current)"),
      (eventHeader, delivery.event),
      (deliveryHeader, delivery.eventID),
      (attemptHeader, String(attempt)),
      (signatureHeader, WebhookSignature.sign(body: delivery.body, secret: delivery.secret)),
    ]
  }

  public func run() async throws {
    let timeout = Self.seconds(configuration.requestTimeout)
    if configuration.lease <= timeout + 5 {
      logger.warning(
        "webhook lease (\(configuration.lease) s) is not longer than the request timeout (\(timeout) s) plus 5 s: deliveries may be sent twice"
      )
    }
    var clientConfiguration = HTTPClient.Configuration(
      redirectConfiguration: .disallow,
      timeout: HTTPClient.Configuration.Timeout(
        connect: .nanoseconds(Int64(timeout * 1e9)), read: .nanoseconds(Int64(timeout * 1e9))),
      decompression: .disabled)
    // Each destination limits itself; the pool must not queue one host's requests behind another
    // destination's hanging ones (many webhooks share a host, e.g. a chat service).
    clientConfiguration.connectionPool = HTTPClient.Configuration.ConnectionPool(
      idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
    // One attempt is one connection attempt: a refused connection fails now, with its own error,
    // and the retry schedule decides when to try again.
    clientConfiguration.connectionPool.retryConnectionEstablishment = false
    // No automatic HTTP client spans: they would record the URL with its query (tokens); the
    // dispatcher's own `notify` span says what may be said.
    clientConfiguration.tracing.tracer = nil
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    let queues = DestinationQueues(
      maxInFlight: max(1, configuration.maxInFlightPerDestination),
      maxWaiting: max(1, configuration.batchPerDestination),
      margin: timeout + 5)
    let storeQueue = StoreQueue()

    await withDiscardingTaskGroup { group in
      while !Task.isShuttingDownGracefully && !Task.isCancelled {
        let now = clock()
        let due: [OutboxDelivery]
        do {
          due = try await storeQueue.run { [store, configuration] in
            try store.dueDeliveries(
              now: now, limit: max(1, configuration.batchPerDestination), lease: configuration.lease
            )
          }
        } catch {
          logger.error("webhooks: cannot read the outbox: \(error)")
          due = []
        }
        if !due.isEmpty {
          let leasedUntil = now.addingTimeInterval(configuration.lease)
          let (start, left) = await queues.admit(due, leasedUntil: leasedUntil)
          if left > 0 {
            logger.debug("webhooks: \(left) deliveries left leased: their destination is busy")
          }
          for entry in start {
            group.addTask {
              var next: DestinationQueues.Entry? = entry
              while let current = next {
                await deliver(current.delivery, client: client, storeQueue: storeQueue)
                let stop = Task.isShuttingDownGracefully || Task.isCancelled
                next = await queues.finished(current, now: clock(), stop: stop)
              }
            }
          }
        }
        let interval = configuration.pollInterval
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
      }
    }
    do { try await client.shutdown() } catch {
      logger.warning("webhooks: HTTP client shutdown: \(error)")
    }
  }

  /// One attempt at DELIVERY, and the store told what it came to.
  func deliver(_ delivery: OutboxDelivery, client: HTTPClient, storeQueue: StoreQueue) async {
    guard let result = await tracedAttempt(delivery, client: client) else { return }
    let now = clock()
    let decision = configuration.schedule.decide(
      result, attemptsBefore: delivery.attempts, createdAt: delivery.createdAt, now: now)
    let id = delivery.id
    do {
      try await storeQueue.run { [store] in
        switch decision {
        case .delivered(let status): try store.markDelivered(id: id, status: status, now: now)
        case .retry(let at, let error):
          try store.markRetry(id: id, error: error, nextAttempt: at, now: now)
        case .dead(let error): try store.markDead(id: id, error: error, now: now)
        }
      }
    } catch {
      logger.error(
        "webhooks: cannot record delivery \(id) (\(decision.outcome)): \(error); it is sent again when its lease ends"
      )
      return
    }
    onOutcome(decision.outcome)
    let host = URL(string: delivery.url)?.host ?? "?"
    switch decision {
    case .delivered(let status):
      logger.debug(
        "webhook \(delivery.webhookID) delivery \(id) (\(delivery.event)) to \(host): HTTP \(status)"
      )
    case .retry(let at, let error):
      logger.info(
        "webhook \(delivery.webhookID) delivery \(id) to \(host) failed: \(error); retry at \(at)")
    case .dead(let error):
      logger.warning(
        "webhook \(delivery.webhookID) delivery \(id) to \(host) given up after \(delivery.attempts + 1) attempts: \(error)"
      )
    }
  }

  /// Sends DELIVERY once; nil when the send was cut off by cancellation (the lease decides).
  func attempt(_ delivery: OutboxDelivery, client: HTTPClient) async -> WebhookAttemptResult? {
    guard let url = URL(string: delivery.url), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
    else {
      return .unsendable("not an http(s) URL")
    }
    var request = HTTPClientRequest(url: delivery.url)
    request.method = .POST
    for (name, value) in Self.headers(for: delivery, attempt: delivery.attempts + 1) {
      request.headers.add(name: name, value: value)
    }
    request.body = .bytes(ByteBuffer(bytes: delivery.body))
    let timeout = configuration.requestTimeout
    let end = ContinuousClock.now + timeout
    let deadline = NIODeadline.now() + .nanoseconds(Int64(Self.seconds(timeout) * 1e9))
    let response: HTTPClientResponse
    do {
      response = try await client.execute(request, deadline: deadline, logger: nil)
    } catch {
      if Task.isCancelled { return nil }
      return Self.classify(error, timeout: timeout)
    }
    let status = Int(response.status.code)
    let result = WebhookAttemptResult.response(
      status: status,
      retryAfter: response.headers.first(name: "Retry-After").flatMap {
        WebhookRetrySchedule.parseRetryAfter($0, now: clock())
      },
      location: response.headers.first(name: "Location"))
    // The answer's body: read up to the limit within the time left, and dropped. The status
    // already decided the outcome.
    let limit = configuration.maxResponseBytes
    let body = response.body
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        var read = 0
        do {
          for try await chunk in body {
            read += chunk.readableBytes
            if read >= limit { break }
          }
        } catch {}
      }
      group.addTask { try? await Task.sleep(until: end, clock: .continuous) }
      await group.next()
      group.cancelAll()
    }
    if Task.isCancelled { return nil }
    return result
  }

  static func classify(_ error: any Error, timeout: Duration) -> WebhookAttemptResult {
    if let error = error as? HTTPClientError {
      switch error {
      case .deadlineExceeded, .readTimeout, .connectTimeout, .tlsHandshakeTimeout,
        .getConnectionFromPoolTimeout:
        return .transportFailure("no answer within \(Self.seconds(timeout)) s (\(error))")
      case .invalidURL, .emptyHost, .emptyScheme:
        return .unsendable("invalid URL (\(error))")
      default: break
      }
    }
    return .transportFailure(WebhookRetrySchedule.clip("\(error)", 300))
  }

  static func seconds(_ duration: Duration) -> Double {
    let (s, atto) = duration.components
    return Double(s) + Double(atto) / 1e18
  }
}

/// The deliveries handed to each destination: those in flight (at most `maxInFlight`) and those
/// waiting their turn (at most `maxWaiting`). A waiting delivery whose lease would end before an
/// attempt could finish is dropped here and taken again from the outbox when its lease ends.
actor DestinationQueues {
  struct Entry: Sendable {
    var delivery: OutboxDelivery
    var leasedUntil: Date
  }

  let maxInFlight: Int
  let maxWaiting: Int
  let margin: TimeInterval
  private var waiting: [Int64: [Entry]] = [:]
  private var inFlight: [Int64: Int] = [:]
  /// Deliveries waiting or in flight, so one taken again is not sent twice from here.
  private var held: Set<Int64> = []

  init(maxInFlight: Int, maxWaiting: Int, margin: TimeInterval) {
    self.maxInFlight = maxInFlight
    self.maxWaiting = maxWaiting
    self.margin = margin
  }

  /// Takes DELIVERIES in; returns those to start now, and how many were left to their lease.
  func admit(_ deliveries: [OutboxDelivery], leasedUntil: Date) -> (start: [Entry], left: Int) {
    var start: [Entry] = []
    var left = 0
    for delivery in deliveries where !held.contains(delivery.id) {
      let destination = delivery.webhookID
      let entry = Entry(delivery: delivery, leasedUntil: leasedUntil)
      if inFlight[destination, default: 0] < maxInFlight {
        inFlight[destination, default: 0] += 1
        held.insert(delivery.id)
        start.append(entry)
      } else if waiting[destination, default: []].count < maxWaiting {
        waiting[destination, default: []].append(entry)
        held.insert(delivery.id)
      } else {
        left += 1
      }
    }
    return (start, left)
  }

  /// ENTRY's attempt is over; the next delivery for its destination, if one waits (and STOP is
  /// false).
  func finished(_ entry: Entry, now: Date, stop: Bool) -> Entry? {
    held.remove(entry.delivery.id)
    let destination = entry.delivery.webhookID
    while var queue = waiting[destination], !queue.isEmpty {
      let next = queue.removeFirst()
      waiting[destination] = queue.isEmpty ? nil : queue
      if !stop && next.leasedUntil.timeIntervalSince(now) >= margin { return next }
      held.remove(next.delivery.id)
    }
    let count = inFlight[destination, default: 1] - 1
    inFlight[destination] = count > 0 ? count : nil
    return nil
  }
}

/// Runs the store's blocking calls on a thread of their own, off the concurrency pool.
final class StoreQueue: Sendable {
  private let queue = DispatchQueue(label: "tailguard.webhooks.store")

  func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async { continuation.resume(with: Result { try body() }) }
    }
  }
}
