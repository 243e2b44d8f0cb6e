import ArgumentParser
import Foundation
import Reports
import Scanner
import TailguardServer

/// `tailguard serve`: the long-running server (index once, re-match on advisory change, HTTP API)
/// and `tailguard serve token create`. The work is in TailguardServer; this only parses flags.
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run the server: index images once, re-match them when advisory data changes.",
    discussion: """
      Without a subcommand, runs the server until SIGTERM/SIGINT. Every API endpoint but \
      /healthz, /readyz and /metrics needs `Authorization: Bearer TOKEN` (see `serve token create`).
      """,
    subcommands: [Run.self, Token.self], defaultSubcommand: Run.self)

  struct DatabaseOption: ParsableArguments {
    @Option(
      name: .long,
      help: ArgumentHelp(
        "Server database: a file, or a postgres:// URL (default: $XDG_DATA_HOME/tailguard/server.db).",
        valueName: "path-or-url"))
    var database: String?
  }

  struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "run", abstract: "Run the server (the default).",
      discussion: """
        Settings come from the flags, then the --config file, then the defaults (a flag wins \
        over the file's key). See README "Server (`tailguard serve`)", "Configuration file".
        """)
    @Option(
      name: .long,
      help: ArgumentHelp(
        "YAML configuration file (listen, database, registries, tls, webhooks, sla, …).",
        valueName: "file"))
    var config: String?
    @Option(name: .long, help: "Address to listen on, HOST:PORT (default 127.0.0.1:8080).")
    var listen: String?
    @OptionGroup var database: DatabaseOption
    @Option(
      name: .long, help: "Advisory database (default: $TAILGUARD_DB or the user data directory).")
    var db: String?
    @Option(name: .long, help: "Index workers in this process (default 1).")
    var workers: Int?
    @Flag(
      name: .customLong("allow-local-targets"),
      help: "Let API clients index oci:DIR and docker-archive:FILE targets on this machine.")
    var allowLocalTargets = false
    @Option(
      name: .customLong("tls-cert"),
      help: ArgumentHelp(
        "Serve HTTPS with this PEM certificate chain (reloaded when it changes).",
        valueName: "pem"))
    var tlsCert: String?
    @Option(
      name: .customLong("tls-key"),
      help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "pem"))
    var tlsKey: String?
    @Option(
      name: .customLong("tls-client-ca"),
      help: ArgumentHelp(
        "Require client certificates that chain to this PEM CA (mutual TLS).", valueName: "pem"))
    var tlsClientCA: String?
    @Option(
      name: .customLong("advisory-update-interval"),
      help: ArgumentHelp(
        "Re-open the advisory database and re-match every DURATION (like 6h, 30m).",
        valueName: "duration"))
    var advisoryUpdateInterval: String?
    @Flag(
      name: .customLong("no-advisory-watch"),
      help: "Do not re-match when the advisory database file changes (checked every 5 s).")
    var noAdvisoryWatch = false
    @Flag(
      name: .long,
      help: "Run index workers only, with /healthz, /readyz and /metrics (no API routes).")
    var worker = false
    @Option(
      name: .customLong("otel-endpoint"),
      help: ArgumentHelp(
        "Export OpenTelemetry traces over OTLP/HTTP to this collector (like http://collector:4318).",
        valueName: "url"))
    var otelEndpoint: String?
    @Option(
      name: .customLong("lease-seconds"),
      help: ArgumentHelp(
        "How long a claimed job is leased before another worker may take it.", visibility: .hidden))
    var leaseSeconds: Double = 60
    @Option(
      name: .long,
      help: ArgumentHelp(
        "Admission policy: a Rego file/directory or a built-in pack, as scan --policy (repeatable); turns on /admission/validate and /admission/mutate (TLS required).",
        valueName: "pack|path"))
    var policy: [String] = []
    @OptionGroup var registry: RegistryOptions

    func validate() throws {
      guard leaseSeconds >= 1, leaseSeconds <= 3600 else {
        throw ValidationError("--lease-seconds must be 1 to 3600")
      }
      if let listen, ServerConfiguration.parseListen(listen) == nil {
        throw ValidationError("--listen '\(listen)' is not HOST:PORT")
      }
      if let workers, !(0...64).contains(workers) {
        throw ValidationError("--workers must be 0 to 64")
      }
    }

    func run() async throws {
      try await ExitCodes.run {
        let flags = ServeFlags(
          config: config, listen: listen, database: database.database, db: db,
          workers: workers, allowLocalTargets: allowLocalTargets, lease: leaseSeconds,
          registry: try registry.settings(), tlsCert: tlsCert, tlsKey: tlsKey,
          tlsClientCA: tlsClientCA, advisoryUpdateInterval: advisoryUpdateInterval,
          advisoryWatch: !noAdvisoryWatch, worker: worker, otelEndpoint: otelEndpoint,
          policies: policy)
        let configuration = try ServerConfiguration.resolve(flags: flags)
        // The API server calls webhooks over HTTPS only: admission without TLS is a mistake.
        if configuration.admissionEnabled, !configuration.workerOnly, configuration.tls == nil {
          throw ValidationError(
            "the admission endpoints (an admission section in --config, or --policy) need TLS: give --tls-cert and --tls-key (or tls: in the file)"
          )
        }
        try await ServerRunner.run(configuration: configuration)
      }
    }
  }

  struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Create a token and print it (the only time it is shown; only its hash is kept).")
      @Option(name: .long, help: "read, write or admin.")
      var role: Role
      @OptionGroup var database: DatabaseOption
      @Option(
        name: .long,
        help: ArgumentHelp(
          "The server's YAML configuration file (for its 'database').", valueName: "file"))
      var config: String?
      @OptionGroup var output: OutputOptions<TextOrJSON>

      func run() throws {
        try ExitCodes.runSync(quiet: output.quiet) {
          let path = try ServerConfiguration.databasePath(
            flag: database.database, configFile: config)
          let store = try SQLServerStore.open(path)
          let token = try Tokens.create(role: role, store: store)
          switch output.format {
          case .json:
            try output.write(try JSONReport.encode(["token": token, "role": role.rawValue]))
          case .text: try output.write(token + "\n")
          }
        }
      }
    }
  }
}

extension Role: ExpressibleByArgument {}
