import ArgumentParser
import Foundation
import Reports
import SBOMFormats
import Scanner
import TailguardModel

/// `scan -o`: the report formats.
enum ScanFormat: String, OutputFormat {
  case table, json, sarif
  case cyclonedxJSON = "cyclonedx-json"
  case openvex
  static let standard = ScanFormat.table
}

struct ScanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scan",
    abstract: "Find the vulnerabilities of every component of an image, root filesystem or SBOM.",
    discussion: """
      Formats: table (default), json (tailguard's ScanReport), sarif (SARIF 2.1.0), \
      cyclonedx-json (CycloneDX 1.6 with vulnerabilities), openvex (OpenVEX 0.2.0).
      Advisory data: --db PATH, else $TAILGUARD_DB, else the user data directory; when no database \
      exists yet, the embedded starter set is used (a handful of hand-checked advisories) and a \
      notice says how to load full data (`tailguard db update` or `tailguard db import`).
      Exit code 1 when an open finding is at or above --fail-on, a policy denies the image, \
      --require-signature finds no signature that satisfies it, or --sbom-from-attestation finds \
      no verified SBOM attestation.
      """)

  @Argument(help: "What to scan (see `tailguard --help` for the forms; default dir:/).")
  var target: String = "dir:/"

  @OptionGroup var targetOptions: TargetOptions
  @OptionGroup var output: OutputOptions<ScanFormat>

  @OptionGroup var findingSource: FindingSourceOptions

  @Option(
    name: .customLong("fail-on"),
    help: "Exit 1 when an open finding has this severity or higher.")
  var failOn: Severity?

  @Flag(name: .customLong("only-fixed"), help: "Report only findings that have a fixed version.")
  var onlyFixed = false

  @Flag(
    name: .customLong("ignore-unfixed"),
    help: "Leave out findings with no fix (not fixed / won't fix).")
  var ignoreUnfixed = false

  @Flag(name: .customLong("show-suppressed"), help: "List suppressed findings too (table output).")
  var showSuppressed = false

  @Option(
    name: .customLong("policy"),
    help:
      "Rego policy file or directory, or a built-in pack name (repeatable; `all` enables every pack). A deny exits 1."
  )
  var policy: [String] = []

  @Option(
    name: .customLong("require-signature"),
    help: ArgumentHelp(
      "Verify the image's cosign signatures: key:FILE (PEM public key) or identity:EMAIL_OR_URI,issuer:URL (keyless; identity-regexp:/issuer-regexp: match whole values). No satisfying signature exits 1.",
      valueName: "spec"))
  var requireSignature: String?

  @Option(
    name: .customLong("sbom-from-attestation"),
    help: ArgumentHelp(
      "Scan the CycloneDX/SPDX SBOM of the image's verified attestation instead of its layers; SPEC names the signer as for --require-signature. No verified SBOM attestation exits 1.",
      valueName: "spec"))
  var sbomFromAttestation: String?

  @Option(
    name: .customLong("trusted-root"),
    help:
      "Sigstore trusted_root.json for --require-signature and --sbom-from-attestation (default: the embedded production root)."
  )
  var trustedRoot: String?

  /// A malformed signer SPEC (or an unreadable key file) is a usage error, found before scanning.
  func validate() throws {
    for spec in [requireSignature, sbomFromAttestation].compactMap({ $0 }) {
      do { _ = try SignatureRequirement(parsing: spec) } catch {
        throw ValidationError(error.message)
      }
    }
  }

  @Flag(
    name: .customLong("v0-compatible"),
    help: "Parse the user's policies as Rego v0 (OPA's --v0-compatible).")
  var v0Compatible = false

  /// The request these flags make.
  func request() throws -> ScanRequest {
    var request = findingSource.request(
      target: target, options: try targetOptions.scanOptions(progress: output.progressSink))
    request.onlyFixed = onlyFixed
    request.ignoreUnfixed = ignoreUnfixed
    request.policies = policy
    request.v0Compatible = v0Compatible
    request.requireSignature = requireSignature
    request.sbomFromAttestation = sbomFromAttestation
    request.trustedRoot = trustedRoot
    request.failOn = failOn
    return request
  }

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      let outcome = try await Scanner().scan(try request())
      if let report = outcome.report {
        Diagnostics.print(report.diagnostics, output.verbosity)
        try output.write(try Self.render(report, output.format, options: self))
      }
      if outcome.exitStatus != .done {
        throw Failing(outcome.exitStatus, outcome.crossed.flatMap(\.lines))
      }
    }
  }

  static func render(_ report: ScanReport, _ format: ScanFormat, options: ScanCommand) throws
    -> Data
  {
    switch format {
    case .json: return try JSONReport.encode(report)
    case .sarif: return try SARIFReport(toolVersion: TailguardVersion.current).encode(report)
    case .openvex: return try OpenVEXReport(timestamp: report.scannedAt).encode(report)
    case .cyclonedxJSON:
      return try CycloneDXWriter().write(
        report.sbom, vulnerabilities: CycloneDXVulnerabilities.build(report),
        policy: report.policy)
    case .table:
      return Data(
        ScanTableReport().render(
          report, showSuppressed: options.showSuppressed, verbose: options.output.verbose
        ).utf8)
    }
  }
}

extension Severity: ExpressibleByArgument {
  public init?(argument: String) {
    guard let s = Severity(parsing: argument), s != .unknown else { return nil }
    self = s
  }
  public static var allValueStrings: [String] {
    Severity.allCases.filter { $0 != .unknown }.map(\.rawValue)
  }
}

/// `--db`, `--ignore-file` and `--vex`: the advisory data a scan matches against and the
/// statements that suppress findings (`scan`, `graph`).
struct FindingSourceOptions: ParsableArguments {
  @Option(
    name: .long, help: "Advisory database file (default: $TAILGUARD_DB or the user data directory)."
  )
  var db: String?

  @Option(
    name: .customLong("ignore-file"),
    help: "Ignore rules (YAML or plain lines); default .tailguardignore.yaml when present.")
  var ignoreFile: String?

  @Option(
    name: .customLong("vex"),
    help: "OpenVEX document whose not_affected/fixed statements suppress findings.")
  var vex: [String] = []

  /// The scan of TARGET these flags ask for.
  func request(target: String, options: ScanOptions) -> ScanRequest {
    var request = ScanRequest(
      target: target, advisories: AdvisoryChoice.resolve(flag: db), options: options)
    request.ignoreFile =
      ignoreFile
      ?? (FileManager.default.fileExists(atPath: ".tailguardignore.yaml")
        ? ".tailguardignore.yaml" : nil)
    request.vexFiles = vex
    return request
  }
}
