import Advisories
import ArgumentParser
import Foundation
import Reports
import SBOMFormats
import Scanner
import Signatures
import TailguardModel

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
  @OptionGroup var output: OutputOptions

  @Option(
    name: .long, help: "Advisory database file (default: $TAILGUARD_DB or the user data directory)."
  )
  var db: String?

  @Option(
    name: .customLong("fail-on"),
    help: "Exit 1 when an open finding has this severity or higher (low|medium|high|critical).")
  var failOn: String?

  @Flag(name: .customLong("only-fixed"), help: "Report only findings that have a fixed version.")
  var onlyFixed = false

  @Flag(
    name: .customLong("ignore-unfixed"),
    help: "Leave out findings with no fix (not fixed / won't fix).")
  var ignoreUnfixed = false

  @Option(
    name: .customLong("ignore-file"),
    help: "Ignore rules (YAML or plain lines); default .tailguardignore.yaml when present.")
  var ignoreFile: String?

  @Option(
    name: .customLong("vex"),
    help: "OpenVEX document whose not_affected/fixed statements suppress findings.")
  var vex: [String] = []

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

  func loadTrustedRoot() throws -> TrustedRoot {
    try trustedRoot.map(TrustedRoot.init(contentsOf:)) ?? TrustedRoot.production()
  }

  @Flag(
    name: .customLong("v0-compatible"),
    help: "Parse the user's policies as Rego v0 (OPA's --v0-compatible).")
  var v0Compatible = false

  func run() async throws {
    try await ExitCodes.run {
      let format = try output.resolvedFormat([
        "table", "json", "sarif", "cyclonedx-json", "openvex",
      ])
      var threshold: Severity?
      if let failOn {
        guard let s = Severity(parsing: failOn), s != .unknown else {
          throw ValidationError("--fail-on takes negligible, low, medium, high or critical")
        }
        threshold = s
      }
      var filters = FindingFilters(onlyFixed: onlyFixed, ignoreUnfixed: ignoreUnfixed)
      let ignorePath =
        ignoreFile
        ?? (FileManager.default.fileExists(atPath: ".tailguardignore.yaml")
          ? ".tailguardignore.yaml" : nil)
      if let ignorePath { filters.ignore = try IgnoreRules.load(path: ignorePath) }
      for file in vex {
        let loaded = try VEXStatements.load(path: file)
        if var existing = filters.vex {
          existing.statements += loaded.statements
          existing.diagnostics += loaded.diagnostics
          filters.vex = existing
        } else {
          filters.vex = loaded
        }
      }
      let (store, info) = try AdvisorySelection.open(flag: db, quiet: output.quiet)
      let scanner = Scanner()
      let inspected: InspectedTarget
      if let sbomFromAttestation {
        let signer = try SignatureRequirement(parsing: sbomFromAttestation).signer
        let (attested, verification) = try await scanner.attestedSBOM(
          target: target, signer: signer, trustedRoot: loadTrustedRoot(),
          registry: try targetOptions.registry.makeConfiguration())
        guard let attested else {
          if !output.quiet { Self.explain(verification, spec: sbomFromAttestation) }
          throw ExitCodes.thresholdCrossed
        }
        inspected = InspectedTarget(sbom: attested.sbom, files: nil)
      } else {
        inspected = try await scanner.inspect(
          target: target, options: try targetOptions.scanOptions(output: output))
      }
      var report = scanner.report(
        for: inspected.sbom, store: store, dataInfo: info, filters: filters)
      if let requireSignature {
        // Before policies, so `input.signatures` carries the result.
        let requirement = try SignatureRequirement(parsing: requireSignature)
        let root = try loadTrustedRoot()
        // The digest that was scanned (the index digest for a multi-platform tag, as cosign
        // signs it), so a tag moved since cannot swap the image that is verified.
        let image = report.sbom.image
        report.signatures = try await scanner.verifySignatures(
          target: target, requirement: requirement, trustedRoot: root,
          registry: try targetOptions.registry.makeConfiguration(),
          digest: image.indexDigest ?? image.manifestDigest)
      }
      try scanner.evaluatePolicies(
        policy, on: &report, files: inspected.files, v0Compatible: v0Compatible)
      Diagnostics.print(report.diagnostics, output: output)
      switch format {
      case "json": try output.write(try JSONReport.encode(report))
      case "sarif":
        try output.write(try SARIFReport(toolVersion: TailguardVersion.current).encode(report))
      case "openvex":
        try output.write(try OpenVEXReport(timestamp: report.scannedAt).encode(report))
      case "cyclonedx-json":
        try output.write(
          try CycloneDXWriter().write(
            report.sbom, vulnerabilities: CycloneDXVulnerabilities.build(report),
            policy: report.policy))
      default:
        try output.write(
          ScanTableReport().render(
            report, showSuppressed: showSuppressed, verbose: output.verbose))
      }
      if let check = report.signatures, !check.verified {
        if !output.quiet { Self.explain(check) }
        throw ExitCodes.thresholdCrossed
      }
      if report.policy?.isDenied == true {
        if !output.quiet {
          Console.error(
            "tailguard: policy denied the image (\(report.policy?.violations.count ?? 0) violations)"
          )
        }
        throw ExitCodes.thresholdCrossed
      }
      if let threshold, report.findings.contains(where: { $0.assessment.severity >= threshold }) {
        if !output.quiet {
          Console.error(
            "tailguard: findings at or above \(threshold.rawValue): failing (--fail-on)")
        }
        throw ExitCodes.thresholdCrossed
      }
    }
  }
}

extension ScanCommand {
  /// Why no SBOM attestation could be used: every attestation found and its failed check.
  static func explain(_ verification: ImageSignatureVerifier.Report, spec: String) {
    for f in verification.findings {
      switch f.outcome {
      case .success:
        Console.error(
          "tailguard: attestation \(f.source): verified, but \(f.statement?.predicateType ?? "its predicate") is not an SBOM"
        )
      case .failure(let e):
        Console.error("tailguard: attestation \(f.source): [\(e.check.rawValue)] \(e.message)")
      }
    }
    Console.error(
      "tailguard: no verified CycloneDX or SPDX attestation for \(verification.image.digest) signed as --sbom-from-attestation \(spec) requires: failing"
    )
  }

  /// Names every failed signature check on stderr (machine output on stdout is already written).
  static func explain(_ check: SignatureCheck) {
    if check.signatures.isEmpty {
      Console.error(
        "tailguard: no signature found for \(check.imageDigest) (--require-signature \(check.requirement))"
      )
    }
    for s in check.signatures where !s.verified {
      Console.error(
        "tailguard: signature \(s.source): [\(s.failedCheck ?? "failed")] \(s.reason ?? "")")
    }
    Console.error(
      "tailguard: no signature satisfies --require-signature \(check.requirement): failing")
  }
}

/// Chooses the advisory data: the database file when it exists, else the embedded starter set.
enum AdvisorySelection {
  static func open(flag: String?, quiet: Bool) throws -> (any AdvisoryStore, AdvisoryDataInfo) {
    let path = DatabaseLocation.resolve(flag: flag)
    if FileManager.default.fileExists(atPath: path) {
      let store = try SQLiteAdvisoryStore(path: path, readOnly: true)
      let status = try store.status()
      return (
        store,
        AdvisoryDataInfo(
          location: path, sources: status.sources.map(\.name),
          records: status.advisories, updatedAt: status.lastImport)
      )
    }
    if flag != nil || ProcessInfo.processInfo.environment["TAILGUARD_DB"] != nil {
      throw CLIError.failed(
        "advisory database \(path) does not exist (create it with `tailguard db import` or `tailguard db update`)"
      )
    }
    if !quiet { Console.error(StarterSet.notice) }
    let records = StarterSet.records
    return (
      StarterSet.makeStore(),
      AdvisoryDataInfo(
        location: "starter set (embedded)", sources: ["starter"],
        records: records.count)
    )
  }
}
