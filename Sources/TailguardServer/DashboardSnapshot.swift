import Foundation

/// The overview's figures, computed at most once per `maxAge` and served from memory meanwhile.
///
/// They aggregate every open finding of the fleet (the fleet summary, SLA and MTTR of the API,
/// plus the long-tail ranking): about a second of SQLite at 10,000 images and 550,000 open
/// findings, far beyond a page's budget. So a page gets the last snapshot at once (its time is
/// shown), and a stale one is refreshed in the background by the first request that sees it
/// (one refresh at a time); only the first page after start waits for the computation.
actor DashboardSnapshot<Value: Sendable> {
  let maxAge: Duration
  private let load: @Sendable () async throws -> Value
  private var current: (value: Value, at: Date, taken: ContinuousClock.Instant)?
  private var refreshing: Task<(Value, Date), any Error>?

  init(maxAge: Duration, load: @escaping @Sendable () async throws -> Value) {
    self.maxAge = maxAge
    self.load = load
  }

  /// The latest snapshot and when it was taken.
  func get() async throws -> (Value, Date) {
    if let current {
      if ContinuousClock.now - current.taken > maxAge { startRefresh() }
      return (current.value, current.at)
    }
    return try await startRefresh().value
  }

  @discardableResult
  private func startRefresh() -> Task<(Value, Date), any Error> {
    if let refreshing { return refreshing }
    let load = self.load
    let task = Task { () throws -> (Value, Date) in
      let at = Date()
      let value = try await load()
      self.store(value, at: at)
      return (value, at)
    }
    refreshing = task
    return task
  }

  private func store(_ value: Value, at: Date) {
    current = (value, at, .now)
    refreshing = nil
  }
}
