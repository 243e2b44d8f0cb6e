import Foundation
import Logging
import ServiceLifecycle

/// Notes, every INTERVAL, the open findings whose SLA state crossed into `at_risk` or `breached`
/// and writes their `sla.*` events (one per image per state) for the webhook dispatcher. Several
/// processes may sweep one database: a finding is noted once (the note and its event commit
/// together; PostgreSQL rows are taken with SKIP LOCKED).
public struct SLASweeper: Service {
  let engine: ServerEngine
  let interval: Duration
  let logger: Logger

  public init(engine: ServerEngine, interval: Duration = .seconds(60), logger: Logger) {
    self.engine = engine
    self.interval = interval
    self.logger = logger
  }

  public func run() async throws {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      do {
        let crossed = try await engine.slaSweep()
        if crossed > 0 { logger.info("SLA: \(crossed) findings crossed into at_risk or breached") }
      } catch {
        logger.warning("SLA sweep failed (retried next interval): \(error)")
      }
      // A graceful shutdown ends the wait at once.
      try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
  }
}
