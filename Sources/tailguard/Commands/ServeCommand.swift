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
      help: "Server database file (default: $XDG_DATA_HOME/tailguard/server.db).")
    var database: String?

    var path: String {
      if let database { return database }
      let env = ProcessInfo.processInfo.environment
      let base =
        env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        ?? (NSHomeDirectory() + "/.local/share")
      return base + "/tailguard/server.db"
    }
  }

  struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "run", abstract: "Run the server (the default).")
    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:8080"
    @OptionGroup var database: DatabaseOption
    @Option(
      name: .long, help: "Advisory database (default: $TAILGUARD_DB or the user data directory).")
    var db: String?
    @Option(name: .long, help: "Index workers in this process.")
    var workers = 1
    @Flag(
      name: .customLong("allow-local-targets"),
      help: "Let API clients index oci:DIR and docker-archive:FILE targets on this machine.")
    var allowLocalTargets = false
    @Option(
      name: .customLong("lease-seconds"),
      help: ArgumentHelp(
        "How long a claimed job is leased before another worker may take it.", visibility: .hidden))
    var leaseSeconds: Double = 60
    @OptionGroup var registry: RegistryOptions

    func validate() throws {
      guard leaseSeconds >= 1, leaseSeconds <= 3600 else {
        throw ValidationError("--lease-seconds must be 1 to 3600")
      }
      guard ServerConfiguration.parseListen(listen) != nil else {
        throw ValidationError("--listen '\(listen)' is not HOST:PORT")
      }
      guard (0...64).contains(workers) else { throw ValidationError("--workers must be 0 to 64") }
    }

    func run() async throws {
      try await ExitCodes.run {
        let (host, port) = ServerConfiguration.parseListen(listen) ?? ("127.0.0.1", 8080)
        let settings = try registry.settings()
        var options = ScanOptions()
        options.registry = try settings.configuration()
        options.platform = try settings.requestedPlatform()
        try await ServerRunner.run(
          configuration: ServerConfiguration(
            host: host, port: port, databasePath: database.path,
            advisories: AdvisoryChoice.resolve(flag: db), scanOptions: options,
            allowLocalTargets: allowLocalTargets, workers: workers, lease: leaseSeconds))
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
      @OptionGroup var output: OutputOptions<TextOrJSON>

      func run() throws {
        try ExitCodes.runSync(quiet: output.quiet) {
          let store = try SQLServerStore.open(database.path)
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
