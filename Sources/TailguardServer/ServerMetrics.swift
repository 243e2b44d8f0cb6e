import Foundation
import Prometheus
import SBOMFormats
import TailguardModel

/// The server's Prometheus series, in base units with `tailguard_` names. One registry per
/// server (not the process-wide MetricsSystem, which can be bootstrapped only once): each name
/// is registered here once, with one help text and one label set. Request series carry the
/// route template, never a digest or a vulnerability id.
public final class ServerMetrics: Sendable {
  public let registry = PrometheusCollectorRegistry()
  let jobsQueued: Gauge
  let jobDuration: DurationHistogram
  let rematchDuration: DurationHistogram
  static let requestBuckets: [Duration] = [
    .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
    .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
  ]
  static let jobBuckets: [Duration] = [
    .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(60),
    .seconds(300),
  ]

  /// `tailguard_NAME_UNIT` (the unit empty for unitless series).
  static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(namespace: "tailguard", metricName: metric, unitName: unit, helpText: help)
  }

  public init() {
    registry.makeGauge(
      descriptor: Self.name(
        "build", "info", "Always 1; the version label names the running tailguard."),
      labels: [("version", TailguardVersion.current)]
    ).set(to: 1)
    jobsQueued = registry.makeGauge(
      descriptor: Self.name("jobs", "queued", "Index jobs queued or running."))
    jobDuration = registry.makeDurationHistogram(
      descriptor: Self.name(
        "job_duration", "seconds", "Time to index one image (inspect, match, store)."),
      buckets: Self.jobBuckets)
    rematchDuration = registry.makeDurationHistogram(
      descriptor: Self.name(
        "rematch_duration", "seconds", "Time of one re-match after an advisory change."),
      buckets: Self.jobBuckets)
  }

  /// Records one answered request under its route template and status code.
  func request(method: String, route: String, status: Int, duration: Duration) {
    registry.makeDurationHistogram(
      descriptor: Self.name(
        "http_request_duration", "seconds", "HTTP request duration by route template and status."),
      labels: [("method", method), ("route", route), ("status", "\(status)")],
      buckets: Self.requestBuckets
    ).record(duration)
  }

  /// Sets the open-finding gauges from the store's counts (called when scraped): every
  /// severity × SLA state, zero where there is none.
  func findings(_ counts: [FindingCount]) {
    var table: [String: Int] = [:]
    for c in counts { table["\(c.severity)|\(c.slaState)", default: 0] += c.count }
    for severity in ["critical", "high", "medium", "low", "negligible", "unknown"] {
      for state in ["ok", "at_risk", "breached", "none"] {
        registry.makeGauge(
          descriptor: Self.name(
            "findings", "", "Open findings across indexed images, by severity and SLA state."),
          labels: [("severity", severity), ("sla_state", state)]
        ).set(to: Double(table["\(severity)|\(state)"] ?? 0))
      }
    }
  }

  static let admissionBuckets: [Duration] = [
    .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
    .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
    .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
  ]

  /// One admission review, server-side: DECISION `allowed`, `denied`, `excluded` or `none` (no
  /// container), CACHE `hit` (no registry call) or `miss`.
  func admissionReview(decision: String, cache: String, duration: Duration) {
    registry.makeDurationHistogram(
      descriptor: Self.name(
        "admission_review_duration", "seconds",
        "Admission review time in the server, by decision and tag-cache use."),
      labels: [("decision", decision), ("cache", cache)], buckets: Self.admissionBuckets
    ).record(duration)
  }

  /// An image whose tag the registry did not resolve before the admission deadline.
  func admissionTimeout() {
    registry.makeCounter(
      descriptor: Self.name(
        "admission_timeouts", "total",
        "Admission images whose registry resolution missed the deadline.")
    ).increment()
  }

  /// Counts one webhook delivery outcome: `delivered`, `retry` or `dead`.
  public func notification(_ outcome: String) {
    registry.makeCounter(
      descriptor: Self.name("notifications", "total", "Webhook delivery attempts by outcome."),
      labels: [("outcome", outcome)]
    ).increment()
  }

  /// The age of the advisory data, per source, from the database's newest update.
  func advisoryAge(_ info: AdvisoryDataInfo, now: Date) {
    let f = ISO8601DateFormatter()
    guard let updated = info.updatedAt.flatMap({ f.date(from: $0) }) else { return }
    for source in info.sources.isEmpty ? ["all"] : info.sources {
      registry.makeGauge(
        descriptor: Self.name(
          "advisory_age", "seconds", "Time since the advisory data was last imported or updated."),
        labels: [("source", source)]
      ).set(to: max(0, now.timeIntervalSince(updated)))
    }
  }
}
