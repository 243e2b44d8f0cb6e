import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import Scanner
import ServiceLifecycle

/// Everything `tailguard serve` can be told.
public struct ServerConfiguration: Sendable {
  public var host: String
  public var port: Int
  public var databasePath: String
  public var advisories: AdvisoryChoice
  public var scanOptions: ScanOptions
  /// Whether API clients may name local targets (`oci:DIR…`, `docker-archive:FILE`).
  public var allowLocalTargets: Bool
  /// Index workers in this process (each takes one job at a time).
  public var workers: Int
  /// How long a claimed job is leased; renewed every third of it while the job runs, so a job
  /// whose worker died is taken again within this time.
  public var lease: TimeInterval
  public var pollInterval: Duration
  public var maxAttempts: Int
  public var limits: BodyLimits
  /// How often open findings' SLA states are checked for crossings (events `sla.*`).
  public var slaInterval: Duration = .seconds(60)
  public var webhookDelivery = WebhookDispatcher.Configuration()
  /// HTTPS certificate and key (reloaded when the files change), and the CA client certificates
  /// must chain to; nil: plain HTTP.
  public var tls: TLSFiles?
  /// How often the advisory database is re-opened and stored SBOMs re-matched; nil: never on
  /// its own (only `POST /api/v1/advisories/update`).
  public var advisoryUpdateInterval: Duration?
  /// How often the advisory database file (and its WAL) is checked for a change — `tailguard db
  /// import|update` against the file the server opened — that then re-matches at once; nil: not
  /// watched. `tailguard serve` sets 5 s; the library default is off.
  public var advisoryWatchInterval: Duration?
  /// `--worker`: index workers plus `/healthz`, `/readyz`, `/metrics` only (no API routes).
  public var workerOnly: Bool
  /// Webhook destinations from the configuration file.
  public var webhooks: [WebhookConfiguration]
  public var sla: SLAPolicy
  public var admission: AdmissionSettings
  /// Whether `/admission/validate` and `/admission/mutate` decide (else they answer 404).
  public var admissionEnabled = false
  /// Tag resolution for admission (nil: the registry, as `POST /api/v1/images` resolves).
  public var admissionResolve: AdmissionController.Resolve?
  public var otel: OTelSettings?
  /// The `--config` file this came from, if any.
  public var configFile: String?

  public init(
    host: String = "127.0.0.1", port: Int = 8080, databasePath: String,
    advisories: AdvisoryChoice, scanOptions: ScanOptions = ScanOptions(),
    allowLocalTargets: Bool = false, workers: Int = 1, lease: TimeInterval = 60,
    pollInterval: Duration = .milliseconds(250), maxAttempts: Int = 3,
    limits: BodyLimits = BodyLimits(), tls: TLSFiles? = nil,
    advisoryUpdateInterval: Duration? = nil, workerOnly: Bool = false,
    webhooks: [WebhookConfiguration] = [], sla: SLAPolicy = SLAPolicy(),
    admission: AdmissionSettings = AdmissionSettings(), otel: OTelSettings? = nil,
    configFile: String? = nil
  ) {
    self.host = host
    self.port = port
    self.databasePath = databasePath
    self.advisories = advisories
    self.scanOptions = scanOptions
    self.allowLocalTargets = allowLocalTargets
    self.workers = workers
    self.lease = lease
    self.pollInterval = pollInterval
    self.maxAttempts = maxAttempts
    self.limits = limits
    self.tls = tls
    self.advisoryUpdateInterval = advisoryUpdateInterval
    self.workerOnly = workerOnly
    self.webhooks = webhooks
    self.sla = sla
    self.admission = admission
    self.otel = otel
    self.configFile = configFile
  }

  /// Parses `HOST:PORT` (`[::1]:PORT` for IPv6).
  public static func parseListen(_ text: String) -> (host: String, port: Int)? {
    guard let colon = text.lastIndex(of: ":") else { return nil }
    var host = String(text[..<colon])
    guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
      return nil
    }
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { return nil }
    return (host, port)
  }
}

/// Claims jobs from the store's queue one at a time until shutdown. On SIGTERM the job in hand is
/// finished (its result is one transaction); a worker killed outright leaves a lease that expires,
/// and the job is claimed again.
public struct IndexWorker: Service {
  let engine: ServerEngine
  let configuration: ServerConfiguration
  let logger: Logger

  public func run() async throws {
    let store = engine.store
    let lease = configuration.lease
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let job: JobRecord?
      do { job = try store.claimJob(now: Date(), lease: lease) } catch {
        logger.error("cannot claim a job: \(error)")
        job = nil
      }
      guard let job else {
        try? await Task.sleep(for: configuration.pollInterval)
        continue
      }
      await withTaskGroup(of: Void.self) { group in
        group.addTask {
          while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(lease * 1000 / 3)))
            if Task.isCancelled { break }
            try? store.renewLease(jobID: job.id, until: Date().addingTimeInterval(lease))
          }
        }
        await engine.process(job, maxAttempts: configuration.maxAttempts)
        group.cancelAll()
      }
    }
  }
}

/// Builds and runs the server: the HTTP application and the index workers in one service group.
public enum ServerRunner {
  /// The application (HTTP server plus workers as services), ready to run. `onPort` hears the
  /// bound port (useful with port 0).
  public static func makeApplication(
    configuration: ServerConfiguration, store: any ServerStore, logger: Logger,
    onPort: @escaping @Sendable (Int) async -> Void = { _ in }
  ) async throws -> some ApplicationProtocol {
    // TLS files first: a wrong certificate or key stops the start before any other work.
    let server: HTTPServerBuilder =
      if let tls = configuration.tls {
        try .tls(
          .http1(),
          tlsConfiguration: try ServerTLS.configuration(
            files: tls, reloader: CertificateReloader(files: tls, logger: logger)))
      } else {
        .http1()
      }
    // Traces when an endpoint is configured (once per process: see ServerTracing), before the
    // engine starts so a start-up re-match is traced too.
    let tracing = try configuration.otel.flatMap { try ServerTracing.bootstrap($0, logger: logger) }
    let metrics = ServerMetrics()
    let engine = ServerEngine(
      store: store, choice: configuration.advisories, scanOptions: configuration.scanOptions,
      allowLocalTargets: configuration.allowLocalTargets, metrics: metrics, logger: logger)
    // Workers only index: the re-match after a tool-version change is the API server's (one
    // process does it, not every worker at once).
    if configuration.workerOnly {
      _ = try await engine.ready()
    } else {
      let summary = try await engine.start()
      if summary.full {
        logger.info(
          "tool version changed: re-matched \(summary.imagesRematched) stored SBOMs (\(summary.historyEvents) history events)"
        )
      } else if summary.keysChanged > 0 {
        logger.info(
          "advisory data changed while stopped: \(summary.keysChanged) keys, re-matched \(summary.imagesRematched) stored SBOMs (\(summary.historyEvents) history events)"
        )
      }
    }
    // Admission: the policies compile at start (a broken policy stops the start).
    var admission: AdmissionController?
    if configuration.admissionEnabled, !configuration.workerOnly,
      let admissionStore = store as? any AdmissionStore
    {
      admission = try AdmissionController(
        settings: configuration.admission, store: admissionStore,
        resolve: configuration.admissionResolve
          ?? AdmissionController.registryResolver(options: configuration.scanOptions),
        metrics: metrics,
        advisoryVersion: { [engine] in
          guard let info = await engine.advisoryInfo() else { return "not open" }
          return "\(info.updatedAt ?? "never updated") (\(info.records) records)"
        }, logger: logger)
    }
    let router =
      configuration.workerOnly
      ? WorkerRoutes.build(engine: engine, metrics: metrics)
      : ServerAPI.build(
        engine: engine, metrics: metrics, limits: configuration.limits, admission: admission,
        tls: configuration.tls != nil)
    var services: [any Service] = (0..<max(0, configuration.workers)).map { _ in
      IndexWorker(engine: engine, configuration: configuration, logger: logger)
    }
    // Workers too: what they index is matched against the data the API server re-matched with.
    if let interval = configuration.advisoryUpdateInterval {
      services.append(
        AdvisoryUpdateService(engine: engine, trigger: .every(interval), logger: logger))
    }
    if let poll = configuration.advisoryWatchInterval {
      services.append(
        AdvisoryUpdateService(
          engine: engine, trigger: .fileChange(configuration.advisories.path, poll: poll),
          logger: logger))
    }
    if !configuration.workerOnly {
      // The configured webhooks are exactly the file's; API-created ones are kept.
      try store.syncConfiguredWebhooks(
        configuration.webhooks.map { (url: $0.url, secret: $0.secret, events: $0.events) },
        now: Date())
      // Notifications: SLA crossings become outbox events; the dispatcher delivers the outbox.
      services.append(
        SLASweeper(engine: engine, interval: configuration.slaInterval, logger: logger))
      services.append(
        WebhookDispatcher(
          store: store, configuration: configuration.webhookDelivery, logger: logger,
          onOutcome: { metrics.notification($0) }))
    }
    // First in the group: shut down last, it flushes the spans of the services stopped before it.
    if let tracing { services.insert(tracing, at: 0) }
    return Application(
      router: router,
      server: server,
      configuration: ApplicationConfiguration(
        address: .hostname(configuration.host, port: configuration.port),
        serverName: "tailguard"),
      services: services,
      onServerRunning: { channel in await onPort(channel.localAddress?.port ?? 0) },
      logger: logger)
  }

  /// Runs until SIGTERM or SIGINT, then stops accepting, lets the workers finish the job in
  /// hand, and returns.
  public static func run(configuration: ServerConfiguration) async throws {
    let logger = {
      var logger = Logger(label: "tailguard.serve")
      logger.logLevel =
        ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        ?? .info
      return logger
    }()
    // The certificate and key are checked before the database is opened (or created).
    if let tls = configuration.tls { _ = try CertificateReloader(files: tls, logger: logger) }
    let store = try SQLServerStore.open(configuration.databasePath, sla: configuration.sla)
    let app = try await makeApplication(
      configuration: configuration, store: store, logger: logger
    ) { port in
      let scheme = configuration.tls == nil ? "http" : "https"
      let mode = configuration.workerOnly ? " (worker: health and metrics only)" : ""
      logger.notice("listening on \(configuration.host):\(port) (\(scheme))\(mode)")
    }
    try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
  }
}

/// Re-opens the advisory database and re-matches what changed (as
/// `POST /api/v1/advisories/update` does): every interval, or when the database file changed;
/// ends on graceful shutdown.
struct AdvisoryUpdateService: Service {
  enum Trigger: Sendable {
    case every(Duration)
    /// The file (or its `-wal`) changed identity, size or modification time, checked every POLL.
    case fileChange(String, poll: Duration)
  }
  let engine: ServerEngine
  let trigger: Trigger
  let logger: Logger

  /// What identifies a version of the file at PATH and of its WAL: inode, size, mtime.
  static func signature(_ path: String) -> [Int] {
    [path, path + "-wal"].flatMap { file -> [Int] in
      var info = stat()
      guard stat(file, &info) == 0 else { return [-1] }
      return [
        Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec),
      ]
    }
  }

  func run() async throws {
    let pause: Duration
    var last: [Int] = []
    switch trigger {
    case .every(let interval):
      pause = interval
      logger.info("advisory update every \(ConfigDuration.format(interval))")
    case .fileChange(let path, let poll):
      pause = poll
      last = Self.signature(path)
      logger.info("advisory update when \(path) changes")
    }
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
      } catch {
        return  // cancelled: shutting down
      }
      if Task.isShuttingDownGracefully || Task.isCancelled { return }
      if case .fileChange(let path, _) = trigger {
        let now = Self.signature(path)
        if now == last { continue }
        last = now
      }
      do {
        let s = try await engine.updateAdvisories()
        logger.info(
          "advisory update: \(s.keysChanged) of \(s.keysChecked) keys changed, \(s.imagesRematched) images re-matched, \(s.historyEvents) history events, \(s.advisoryRecords) advisory records, \(String(format: "%.3f", s.seconds)) s"
        )
      } catch {
        logger.error("advisory update failed: \(error)")
      }
    }
  }
}

/// The routes of a `--worker` process: health, readiness and metrics (the same handlers as the
/// API server's, over the same metric objects); every other path is 404.
enum WorkerRoutes {
  static func build(engine: ServerEngine, metrics: ServerMetrics) -> Router<ServerContext> {
    let router = Router(context: ServerContext.self)
    router.add(middleware: ProblemMiddleware(metrics: metrics))
    ServerAPI.addHealthRoutes(router, engine: engine, metrics: metrics, mode: "worker")
    return router
  }
}
