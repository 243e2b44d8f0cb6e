import ArgumentParser
import Foundation
import Reports
import Scanner
import TailguardModel

/// `fleet scan -o`: the fleet report formats.
enum FleetScanFormat: String, OutputFormat {
  case table, json, markdown, html
  static let standard = FleetScanFormat.table
}

extension FleetDefinitions.RankKey: ExpressibleByArgument {}

/// `tailguard fleet scan`: every image the fleet runs, scanned once, ranked by usage, split into
/// head and tail, with the alerts no rarely used image escapes.
struct FleetScanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scan",
    abstract:
      "Scan every image the fleet runs once; rank by usage-weighted risk; compare head and tail; alert on known-exploited and fixable critical findings whatever the usage.",
    discussion: """
      The fleet is the image references in the deployment files under PATH (as `fleet \
      inventory` finds them) and the rows of --usage (CSV with a header, or a JSON array; \
      columns image, pulls, replicas, team, exposure). Tags resolve to digests through the \
      registry (or --oci-layout); each digest is read once and its SBOM kept in the cache, so \
      an unchanged image is only matched again on the next run. Exit codes: 0 done; 1 --fail-on \
      or --fail-on-alert crossed; 2 nothing could be scanned (or, with --strict, something \
      could not); 64 usage error.
      """)

  @Argument(help: "Deployment files or directories (searched recursively).")
  var paths: [String] = []

  @Option(name: .customLong("usage"), help: "Usage file: CSV with a header, or a JSON array.")
  var usage: String?

  @Option(name: .customLong("head"), help: "The N most used images are the head.")
  var head = 20

  @Option(name: .customLong("rank-by"), help: "Usage that ranks the images.")
  var rankBy: FleetDefinitions.RankKey = .replicas

  @Option(name: .customLong("daemonset-nodes"), help: "Replicas a DaemonSet counts as.")
  var daemonSetNodes = 1

  @Option(
    name: .long, help: "Advisory database file (default: $TAILGUARD_DB or the user data directory)."
  )
  var db: String?

  @Option(name: .customLong("jobs"), help: "Images scanned at the same time (default: cores).")
  var jobs: Int?

  @Option(
    name: .customLong("oci-layout"),
    help: "Resolve tags from this OCI layout directory and read the images from it.")
  var ociLayout: String?

  @Option(name: .customLong("build-arg"), help: "Dockerfile ARG override K=V (repeatable).")
  var buildArgs: [String] = []

  @Option(name: .customLong("env"), help: "Compose variable K=V (repeatable).")
  var env: [String] = []

  @Option(
    name: .customLong("eol-data"),
    help: "endoflife.date checkout (products/*.md) for the end-of-life check (default: embedded).")
  var eolData: String?

  @Option(
    name: .customLong("as-of"), help: "Measure ages and end of life at this day (YYYY-MM-DD).")
  var asOf: String?

  @Option(name: .customLong("max-age"), help: "Image age (days) the health check allows.")
  var maxAge = 365

  @Option(
    name: .customLong("require-signature"),
    help: "key:FILE or identity:…,issuer:…: the health check `signed` verifies it per image.")
  var requireSignature: String?

  @Option(
    name: .customLong("trusted-root"), help: "Sigstore trusted_root.json (default: embedded).")
  var trustedRoot: String?

  @Option(
    name: .customLong("fail-on"), help: "Exit 1 when any image has an open finding this severe.")
  var failOn: Severity?

  @Flag(name: .customLong("fail-on-alert"), help: "Exit 1 when any image is alerted.")
  var failOnAlert = false

  @Flag(name: .customLong("strict"), help: "Exit 2 when any image cannot be resolved or scanned.")
  var strict = false

  @Flag(name: .customLong("only-fixed"), help: "Count only findings that have a fixed version.")
  var onlyFixed = false

  @Flag(name: .customLong("ignore-unfixed"), help: "Leave out findings with no fix.")
  var ignoreUnfixed = false

  @Option(
    name: .customLong("sbom-cache"), help: "Where SBOMs are kept by digest (default: the cache).")
  var sbomCache: String?

  @OptionGroup var registry: RegistryOptions
  @OptionGroup var output: OutputOptions<FleetScanFormat>

  func validate() throws {
    guard !paths.isEmpty || usage != nil else {
      throw ValidationError("name deployment files (PATH…) or a usage file (--usage)")
    }
    guard head >= 0 else { throw ValidationError("--head must be 0 or more") }
    guard daemonSetNodes >= 0 else { throw ValidationError("--daemonset-nodes must be 0 or more") }
    if let jobs, jobs < 1 || jobs > 256 { throw ValidationError("--jobs must be 1…256") }
    if let asOf, asOf.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) == nil {
      throw ValidationError("--as-of must be a day: YYYY-MM-DD")
    }
    guard maxAge >= 0 else { throw ValidationError("--max-age must be 0 or more") }
    if let spec = requireSignature {
      do { _ = try SignatureRequirement(parsing: spec) } catch {
        throw ValidationError(error.message)
      }
    }
  }

  func request() throws -> FleetScanRequest {
    var request = FleetScanRequest(
      paths: paths, advisories: AdvisoryChoice.resolve(flag: db),
      options: try ScanOptions(registry: try registry.settings(), progress: output.progressSink))
    request.usageFile = usage
    request.head = head
    request.rankKey = rankBy
    request.daemonSetNodes = daemonSetNodes
    if let jobs { request.jobs = jobs }
    request.ociLayout = ociLayout
    request.buildArgs = try PinCommand.keyValues(buildArgs)
    request.environment = try PinCommand.keyValues(env)
    request.endOfLifeData = eolData
    request.asOf = asOf
    request.maxAgeDays = maxAge
    request.requireSignature = requireSignature
    request.trustedRoot = trustedRoot
    request.failOn = failOn
    request.failOnAlert = failOnAlert
    request.strict = strict
    request.onlyFixed = onlyFixed
    request.ignoreUnfixed = ignoreUnfixed
    request.sbomCache = sbomCache
    return request
  }

  func run() async throws {
    try await ExitCodes.run(quiet: output.quiet) {
      let outcome = try await Scanner().fleetScan(try request())
      let report = outcome.report
      Diagnostics.print(report.diagnostics, output.verbosity)
      output.progress(
        "fleet scan: \(report.images.count) images (\(outcome.scanned) read, \(outcome.cached) from kept SBOMs), \(report.unresolved.count) unresolved, \(report.failed.count) failed, \(report.alerts.count) alerts"
      )
      switch output.format {
      case .json: try output.write(try JSONReport.encode(report))
      case .table: try output.write(FleetScanText(style: .table).render(report))
      case .markdown: try output.write(FleetScanText(style: .markdown).render(report))
      case .html: try output.write(FleetScanHTML().render(report))
      }
      if let why = outcome.incomplete {
        throw Failing(.couldNotRun, ["tailguard: \(why)"])
      }
      if outcome.exitStatus != .done {
        throw Failing(outcome.exitStatus, outcome.crossed.flatMap(\.lines))
      }
    }
  }
}
