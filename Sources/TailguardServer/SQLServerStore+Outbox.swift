import Foundation

/// Webhook destinations and the outbox their deliveries wait in.
extension SQLServerStore {
  static func webhook(_ row: SQLRow) throws -> WebhookRecord {
    WebhookRecord(
      id: try row.int64("id"), url: try row.string("url"),
      events: try row.string("events").split(separator: ",").compactMap {
        WebhookEvent(rawValue: String($0))
      },
      createdAt: try row.string("created_at"))
  }

  public func addWebhook(
    url: String, secret: String, events: [WebhookEvent], origin: String, now: Date
  ) throws -> WebhookRecord {
    try write { db in
      guard
        let row = try db.one(
          """
          INSERT INTO webhook (url, secret, events, origin, created_at) VALUES (?, ?, ?, ?, ?)
          RETURNING id, url, events, created_at
          """, url, secret, Self.eventList(events), origin, Self.timestamp(now))
      else { throw StoreError(.database, "webhook insert returned nothing") }
      return try Self.webhook(row)
    }
  }

  static func eventList(_ events: [WebhookEvent]) -> String {
    Set(events).map(\.rawValue).sorted().joined(separator: ",")
  }

  public func webhooks() throws -> [WebhookRecord] {
    try read { db in
      try db.query("SELECT id, url, events, created_at FROM webhook ORDER BY id").map(Self.webhook)
    }
  }

  public func removeWebhook(id: Int64) throws -> Bool {
    try write { db in try db.execute("DELETE FROM webhook WHERE id = ?", id) > 0 }
  }

  public func syncConfiguredWebhooks(
    _ list: [(url: String, secret: String, events: [WebhookEvent])], now: Date
  ) throws {
    try write { db in
      var existing: [String: Int64] = [:]
      for row in try db.query("SELECT id, url, secret, events FROM webhook WHERE origin = 'config'")
      {
        let key = [try row.string("url"), try row.string("secret"), try row.string("events")]
          .joined(separator: "\n")
        existing[key] = try row.int64("id")
      }
      var keep: Set<Int64> = []
      for hook in list {
        let events = Self.eventList(hook.events)
        let key = [hook.url, hook.secret, events].joined(separator: "\n")
        if let id = existing[key] {
          keep.insert(id)
          continue
        }
        guard
          let row = try db.one(
            """
            INSERT INTO webhook (url, secret, events, origin, created_at)
            VALUES (?, ?, ?, 'config', ?) RETURNING id
            """, hook.url, hook.secret, events, Self.timestamp(now))
        else { continue }
        keep.insert(try row.int64("id"))
      }
      for id in Set(existing.values).subtracting(keep) {
        try db.execute("DELETE FROM webhook WHERE id = ?", id)
      }
    }
  }

  // MARK: - OutboxStore

  public func dueDeliveries(now: Date, limit: Int, lease: TimeInterval) throws -> [OutboxDelivery] {
    let epoch = now.timeIntervalSince1970
    return try write { db in
      let rows = try db.query(
        """
        SELECT o.id AS id, o.event_id AS event_id, o.webhook_id AS webhook_id, o.event AS event,
          o.body AS body, o.attempts AS attempts, o.created_epoch AS created_epoch, w.url AS url,
          w.secret AS secret
        FROM outbox o JOIN webhook w ON w.id = o.webhook_id
        WHERE o.state = 'pending' AND o.next_attempt <= ?
          AND (o.lease_until IS NULL OR o.lease_until < ?)
        ORDER BY o.id LIMIT ?
        """ + (driver.dialect == .postgres ? " FOR UPDATE OF o SKIP LOCKED" : ""),
        epoch, epoch, max(1, limit) * 16)
      var perHook: [Int64: Int] = [:]
      var out: [OutboxDelivery] = []
      for row in rows {
        let hook = try row.int64("webhook_id")
        guard perHook[hook, default: 0] < limit else { continue }
        perHook[hook, default: 0] += 1
        let id = try row.int64("id")
        try db.execute("UPDATE outbox SET lease_until = ? WHERE id = ?", epoch + lease, id)
        out.append(
          OutboxDelivery(
            id: id, eventID: try row.string("event_id"), webhookID: hook,
            url: try row.string("url"), secret: try row.string("secret"),
            event: try row.string("event"), body: row.data("body") ?? Data(),
            attempts: try row.int("attempts"),
            createdAt: Date(timeIntervalSince1970: try row.double("created_epoch"))))
      }
      return out
    }
  }

  public func markDelivered(id: Int64, status: Int, now: Date) throws {
    try write { db in
      try db.execute(
        """
        UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_status = ?,
          lease_until = NULL, done_at = ? WHERE id = ?
        """, status, Self.timestamp(now), id)
    }
  }

  public func markRetry(id: Int64, error: String, nextAttempt: Date, now: Date) throws {
    try write { db in
      try db.execute(
        """
        UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ?,
          lease_until = NULL WHERE id = ? AND state = 'pending'
        """, String(error.prefix(1000)), nextAttempt.timeIntervalSince1970, id)
    }
  }

  public func markDead(id: Int64, error: String, now: Date) throws {
    try write { db in
      try db.execute(
        """
        UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?,
          lease_until = NULL, done_at = ? WHERE id = ?
        """, String(error.prefix(1000)), Self.timestamp(now), id)
    }
  }

  public func failedDeliveries(limit: Int, after: Int64?) throws -> Page<FailedDelivery> {
    try read { db in
      let rows = try db.query(
        """
        SELECT o.id AS id, o.event_id AS event_id, o.webhook_id AS webhook_id, w.url AS url,
          o.event AS event, o.attempts AS attempts, o.last_error AS last_error,
          o.created_at AS created_at, o.done_at AS done_at
        FROM outbox o JOIN webhook w ON w.id = o.webhook_id
        WHERE o.state = 'dead' AND o.id > ? ORDER BY o.id LIMIT ?
        """, after ?? 0, limit + 1
      ).map { row in
        FailedDelivery(
          id: try row.int64("id"), eventID: try row.string("event_id"),
          webhookID: try row.int64("webhook_id"), url: try row.string("url"),
          event: try row.string("event"), attempts: try row.int("attempts"),
          lastError: row.optionalString("last_error") ?? "",
          createdAt: try row.string("created_at"),
          failedAt: row.optionalString("done_at") ?? "")
      }
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? "\(rows[limit - 1].id)" : nil)
    }
  }

  public func notificationCounts() throws -> [String: Int] {
    try read { db in
      var out: [String: Int] = [:]
      for row in try db.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
        out[try row.string("state")] = try row.int("n")
      }
      return out
    }
  }
}
