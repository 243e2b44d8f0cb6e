import Foundation

/// The events a webhook can subscribe to.
public enum WebhookEvent: String, Sendable, Codable, CaseIterable {
  case findingNew = "finding.new"
  case findingFixed = "finding.fixed"
  case slaAtRisk = "sla.at_risk"
  case slaBreached = "sla.breached"
  case imageIndexed = "image.indexed"
  case admissionDenied = "admission.denied"
}

/// A webhook destination as the API shows it (the secret is never shown again).
public struct WebhookRecord: Sendable, Codable, Hashable {
  public var id: Int64
  public var url: String
  public var events: [WebhookEvent]
  public var createdAt: String
  public init(id: Int64, url: String, events: [WebhookEvent], createdAt: String) {
    self.id = id
    self.url = url
    self.events = events
    self.createdAt = createdAt
  }
}

/// One delivery of one event to one destination, as the outbox holds it. The body is fixed when
/// the event is written (in the same transaction as the change it reports), so every retry sends
/// the same bytes under the same `eventID`, which receivers use to drop duplicates.
public struct OutboxDelivery: Sendable, Hashable {
  public var id: Int64
  public var eventID: String
  public var webhookID: Int64
  public var url: String
  public var secret: String
  public var event: String
  public var body: Data
  /// Attempts made before this one.
  public var attempts: Int
  public var createdAt: Date
  public init(
    id: Int64, eventID: String, webhookID: Int64, url: String, secret: String, event: String,
    body: Data, attempts: Int, createdAt: Date
  ) {
    self.id = id
    self.eventID = eventID
    self.webhookID = webhookID
    self.url = url
    self.secret = secret
    self.event = event
    self.body = body
    self.attempts = attempts
    self.createdAt = createdAt
  }
}

/// A delivery that gave up (24 h of retries), as `GET /api/v1/notifications/failed` lists it.
public struct FailedDelivery: Sendable, Codable, Hashable {
  public var id: Int64
  public var eventID: String
  public var webhookID: Int64
  public var url: String
  public var event: String
  public var attempts: Int
  public var lastError: String
  public var createdAt: String
  public var failedAt: String
  public init(
    id: Int64, eventID: String, webhookID: Int64, url: String, event: String, attempts: Int,
    lastError: String, createdAt: String, failedAt: String
  ) {
    self.id = id
    self.eventID = eventID
    self.webhookID = webhookID
    self.url = url
    self.event = event
    self.attempts = attempts
    self.lastError = lastError
    self.createdAt = createdAt
    self.failedAt = failedAt
  }
}

/// What the webhook dispatcher needs of the store. Deliveries are leased when taken, so two
/// dispatchers (two server processes) never send the same delivery at once; a dispatcher that dies
/// leaves a lease that expires, and the delivery is taken again (at least once).
public protocol OutboxStore: Sendable {
  /// Pending deliveries due at NOW (next attempt ≤ now, lease expired), oldest first, at most
  /// `limit` per destination, leased until now + lease.
  func dueDeliveries(now: Date, limit: Int, lease: TimeInterval) throws -> [OutboxDelivery]
  /// The receiver answered 2xx.
  func markDelivered(id: Int64, status: Int, now: Date) throws
  /// A failure to retry at `nextAttempt`.
  func markRetry(id: Int64, error: String, nextAttempt: Date, now: Date) throws
  /// A failure after which no retry is made: the delivery joins the dead-letter list.
  func markDead(id: Int64, error: String, now: Date) throws
}
