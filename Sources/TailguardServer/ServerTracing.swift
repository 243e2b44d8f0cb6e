import AsyncHTTPClient
import Foundation
import Logging
import OTel
import SBOMFormats
import ServiceLifecycle
import Tracing

/// OpenTelemetry traces over OTLP/HTTP (protobuf) when `otel.endpoint` or `--otel-endpoint` is
/// set. Only the tracer is bootstrapped: logs stay with swift-log's handler and metrics with the
/// server's Prometheus registry. Without an endpoint nothing is bootstrapped and every
/// `withSpan` goes to swift-distributed-tracing's no-op tracer.
///
/// Spans: `resolve` (`POST /api/v1/images`), `index` (one job; `tailguard.job.id`,
/// `tailguard.image.digest`) with children `fetch` (manifest, config and layers read into the
/// file tree), `catalogue`, `match` and `store`; `rematch` (`tailguard.rematch.keys_changed`,
/// `tailguard.rematch.images`); `notify` (one webhook attempt; `tailguard.webhook.event`,
/// `http.response.status_code`, never the URL or the secret).
///
/// The tracer is process-global and swift-otel stops the process on a second bootstrap, so the
/// first server with an endpoint in the process bootstraps it and gets the exporting service to
/// run in its service group; a later server in the same process (tests only) gets no service and
/// its spans go to the first exporter while that one runs (dropped after it stopped).
public enum ServerTracing {
  /// The endpoint this process bootstrapped tracing with, nil before.
  public static var bootstrappedEndpoint: String? { state.withLock { $0 } }

  private static let state = Locked<String?>(nil)

  /// Bootstraps the tracer the first time an endpoint is given in this process and returns the
  /// service that batches and exports spans (run it in the service group, first, so it is shut
  /// down last and flushes what the others recorded). Nil when already bootstrapped.
  public static func bootstrap(_ settings: OTelSettings, logger: Logger) throws -> (any Service)? {
    try state.withLock { bootstrapped -> (any Service)? in
      if let bootstrapped {
        if bootstrapped != settings.endpoint {
          logger.warning(
            "tracing already exports to \(bootstrapped) in this process; otel endpoint \(settings.endpoint) is not used"
          )
        }
        return nil
      }
      var configuration = OTel.Configuration.default
      configuration.serviceName = "tailguard"
      configuration.resourceAttributes["service.version"] = TailguardVersion.current
      configuration.diagnosticLogger = .custom(logger)
      configuration.logs.enabled = false
      configuration.metrics.enabled = false
      configuration.traces.enabled = true
      configuration.traces.exporter = .otlp
      configuration.traces.otlpExporter.protocol = .httpProtobuf
      configuration.traces.otlpExporter.endpoint = tracesURL(settings.endpoint)
      let service = try OTel.bootstrap(configuration: configuration)
      bootstrapped = settings.endpoint
      logger.info("exporting traces over OTLP/HTTP to \(tracesURL(settings.endpoint))")
      return service
    }
  }

  /// The collector's traces URL for ENDPOINT: `/v1/traces` appended to a base URL (no path, or
  /// `/`), as `OTEL_EXPORTER_OTLP_ENDPOINT` is read; a URL with a path is used as it is.
  public static func tracesURL(_ endpoint: String) -> String {
    guard let url = URLComponents(string: endpoint), url.path.isEmpty || url.path == "/" else {
      return endpoint
    }
    return endpoint.hasSuffix("/") ? endpoint + "v1/traces" : endpoint + "/v1/traces"
  }

  /// Whether TEXT can be an endpoint: an http:// or https:// URL with a host.
  public static func isEndpoint(_ text: String) -> Bool {
    guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
    else { return false }
    return true
  }
}

extension Span {
  /// Marks the span failed with ERROR (an event and the error status).
  func fail(_ error: any Error) {
    recordError(error)
    setStatus(SpanStatus(code: .error, message: String("\(error)".prefix(300))))
  }
}

/// A value behind a lock (the package's platforms predate `Synchronization.Mutex`).
final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value
  init(_ value: Value) { self.value = value }
  func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}

// MARK: - Spans around the engine's and the dispatcher's work

extension ServerEngine {
  /// `index`: one claimed job, its attributes, and its failure when it failed.
  nonisolated func tracedProcess(_ job: JobRecord, _ body: (any Span) async -> Void) async {
    await withSpan("index", ofKind: .consumer) { span in
      span.attributes["tailguard.job.id"] = job.id
      span.attributes["tailguard.image.digest"] = job.digest
      await body(span)
    }
  }
}

extension WebhookDispatcher {
  /// `notify`: one attempt at DELIVERY, with its event and the HTTP status (no URL: its query
  /// may carry a token; no secret).
  func tracedAttempt(_ delivery: OutboxDelivery, client: HTTPClient) async
    -> WebhookAttemptResult?
  {
    await withSpan("notify", ofKind: .client) { span in
      span.attributes["tailguard.webhook.event"] = delivery.event
      span.attributes["tailguard.webhook.id"] = delivery.webhookID
      span.attributes["tailguard.webhook.attempt"] = delivery.attempts + 1
      let result = await attempt(delivery, client: client)
      switch result {
      case .response(let status, _, _)?:
        span.attributes["http.response.status_code"] = status
        if !(200..<300).contains(status) {
          span.setStatus(SpanStatus(code: .error, message: "HTTP \(status)"))
        }
      case .transportFailure?:
        span.setStatus(SpanStatus(code: .error, message: "no answer (transport failure)"))
      case .unsendable?:
        span.setStatus(SpanStatus(code: .error, message: "not sendable (bad URL)"))
      case nil:
        span.attributes["tailguard.webhook.cut_off"] = true
      }
      return result
    }
  }
}
