import ArgumentParser
import Foundation
import Scanner
import TailguardServer

/// `tailguard admission manifests` and `tailguard admission review`: the Kubernetes side of the
/// admission webhook `tailguard serve` answers (README "Admission webhook").
struct AdmissionCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "admission",
    abstract: "Kubernetes admission: webhook configurations, and deciding one review offline.",
    subcommands: [Manifests.self, Review.self])

  struct Manifests: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the ValidatingWebhookConfiguration and MutatingWebhookConfiguration.",
      discussion: """
        The webhooks call the Service NAMESPACE/SERVICE on /admission/validate and \
        /admission/mutate. Namespaces in the config's admission.exclude.namespaces, \
        --exclude-namespace and the Service's own are never sent. failurePolicy: README \
        "Admission webhook".
        """)
    @Option(
      name: .long, help: ArgumentHelp("The server's YAML configuration file.", valueName: "file"))
    var config: String?
    @Option(name: .long, help: "Namespace of the webhook Service (excluded from admission).")
    var namespace = "tailguard"
    @Option(name: .long, help: "Name of the webhook Service.")
    var service = "tailguard-webhook"
    @Option(name: .long, help: "Port of the webhook Service.")
    var port = 443
    @Option(name: .customLong("timeout-seconds"), help: "The API server's timeout, 1 to 30.")
    var timeoutSeconds = 10
    @Option(name: .customLong("failure-policy"), help: "The validating webhook's: Fail or Ignore.")
    var failurePolicy = "Fail"
    @Option(
      name: .customLong("mutating-failure-policy"), help: "The mutating webhook's: Fail or Ignore.")
    var mutatingFailurePolicy = "Ignore"
    @Option(
      name: .customLong("exclude-namespace"), help: "Also exclude this namespace (repeatable).")
    var excludeNamespace: [String] = []
    @Option(
      name: .customLong("tls-ca"),
      help: ArgumentHelp("PEM CA of the serving certificate, for caBundle.", valueName: "pem"))
    var tlsCA: String?

    func validate() throws {
      guard (1...30).contains(timeoutSeconds) else {
        throw ValidationError("--timeout-seconds must be 1 to 30")
      }
      for p in [failurePolicy, mutatingFailurePolicy] where !["Fail", "Ignore"].contains(p) {
        throw ValidationError("failure policy '\(p)' is not Fail or Ignore")
      }
      guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
    }

    func run() throws {
      try ExitCodes.runSync {
        var m = AdmissionManifests()
        m.namespace = namespace
        m.service = service
        m.port = port
        m.timeoutSeconds = timeoutSeconds
        m.validatingFailurePolicy = failurePolicy
        m.mutatingFailurePolicy = mutatingFailurePolicy
        let settings =
          try config.flatMap { try ServerConfigFile.load(path: $0).admission }
          ?? AdmissionSettings()
        m.excludeNamespaces = settings.excludeNamespaces + excludeNamespace
        if settings.timeoutSeconds >= timeoutSeconds {
          Console.error(
            "tailguard: warning: admission.timeoutSeconds (\(settings.timeoutSeconds)) is not below the webhook timeout (\(timeoutSeconds)): the API server may give up before tailguard answers"
          )
        }
        if let tlsCA {
          guard let pem = FileManager.default.contents(atPath: tlsCA),
            String(decoding: pem, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----")
          else {
            throw ValidationError("--tls-ca \(tlsCA) is not a readable PEM certificate file")
          }
          m.caBundle = pem
        }
        FileHandle.standardOutput.write(Data(m.yaml().utf8))
      }
    }
  }

  struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Decide one AdmissionReview with the server's stored facts; print the response.",
      discussion: """
        FILE is an admission.k8s.io/v1 AdmissionReview (- for standard input), decided as \
        POST /admission/validate would decide it (same policies, same database; nothing is \
        recorded or queued). Exit 0 allowed, 1 denied, 2 the review or the setup is unusable.
        """)
    @Argument(help: ArgumentHelp("The AdmissionReview JSON file, or -.", valueName: "file"))
    var file: String
    @Option(
      name: .long, help: ArgumentHelp("The server's YAML configuration file.", valueName: "file"))
    var config: String?
    @OptionGroup var database: ServeCommand.DatabaseOption
    @Option(name: .long, help: "Advisory database (for the advisory-data annotation).")
    var db: String?
    @Option(
      name: .long,
      help: ArgumentHelp(
        "Policy file/directory or built-in pack (repeatable), after the config's.",
        valueName: "pack|path"))
    var policy: [String] = []

    func run() async throws {
      try await ExitCodes.run {
        let bytes: Data
        if file == "-" {
          bytes = FileHandle.standardInput.readDataToEndOfFile()
        } else {
          guard let data = FileManager.default.contents(atPath: file) else {
            Console.error("tailguard: error: cannot read \(file)")
            throw ExitCode(2)
          }
          bytes = data
        }
        let configuration = try ServerConfiguration.resolve(
          flags: ServeFlags(config: config, database: database.database, db: db, policies: policy))
        let store = try SQLServerStore.open(configuration.databasePath)
        let choice = configuration.advisories
        let controller = try AdmissionController(
          settings: configuration.admission, store: store,
          resolve: AdmissionController.registryResolver(options: configuration.scanOptions),
          record: false,
          advisoryVersion: {
            guard let info = try? OpenedAdvisories(choice: choice).info else { return "not open" }
            return "\(info.updatedAt ?? "never updated") (\(info.records) records)"
          })
        let outcome: AdmissionController.Outcome
        do {
          outcome = try await controller.validate(Array(bytes))
        } catch let problem as AdmissionReviewProblem {
          switch problem {
          case .malformed(let m), .notUnderstood(_, let m):
            Console.error("tailguard: error: \(file): \(m)")
          }
          throw ExitCode(2)
        }
        var text = String(decoding: AdmissionReview.encode(outcome.response), as: UTF8.self)
        text += "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
        if outcome.mode == "error" { throw ExitCode(2) }
        if !outcome.response.allowed { throw ExitCode(1) }
      }
    }
  }
}
