import Foundation
import Signatures
import TailguardModel

extension Scanner {
  /// The whole scan: read the target (or its attested SBOM), match against the chosen advisory
  /// data, leave out what the filters say, verify signatures, evaluate policies, and check the
  /// thresholds — in that order, so `input.signatures` reaches the policies. Errors are thrown
  /// only when the job cannot be done; a crossed threshold is part of the outcome.
  public func scan(_ request: ScanRequest) async throws -> ScanOutcome {
    let filters = try Self.filters(request)
    let progress = request.options.progress
    let (store, info) = try request.advisories.open { progress?($0) }
    let inspected: InspectedTarget
    if let spec = request.sbomFromAttestation {
      let signer = try SignatureRequirement(parsing: spec).signer
      let (attested, verification) = try await attestedSBOM(
        target: request.target, signer: signer, trustedRoot: try Self.trustedRoot(request),
        registry: request.options.registry)
      guard let attested else {
        return ScanOutcome(
          report: nil,
          crossed: [
            ThresholdCrossing(
              kind: .attestation, lines: Self.explain(verification, spec: spec))
          ])
      }
      inspected = InspectedTarget(sbom: attested.sbom, files: nil)
    } else {
      inspected = try await inspect(target: request.target, options: request.options)
    }
    var report = self.report(for: inspected.sbom, store: store, dataInfo: info, filters: filters)
    if let spec = request.requireSignature {
      // The digest that was scanned (the index digest for a multi-platform tag, as cosign
      // signs it), so a tag moved since cannot swap the image that is verified.
      let image = report.sbom.image
      report.signatures = try await verifySignatures(
        target: request.target, requirement: try SignatureRequirement(parsing: spec),
        trustedRoot: try Self.trustedRoot(request), registry: request.options.registry,
        digest: image.indexDigest ?? image.manifestDigest)
    }
    try evaluatePolicies(
      request.policies, on: &report, files: inspected.files, v0Compatible: request.v0Compatible)
    return ScanOutcome(report: report, crossed: Self.thresholds(report, failOn: request.failOn))
  }

  /// The thresholds `report` crosses, in the order a person reads them.
  static func thresholds(_ report: ScanReport, failOn: Severity?) -> [ThresholdCrossing] {
    var crossed: [ThresholdCrossing] = []
    if let check = report.signatures, !check.verified {
      crossed.append(ThresholdCrossing(kind: .signature, lines: explain(check)))
    }
    if let policy = report.policy, policy.isDenied {
      crossed.append(
        ThresholdCrossing(
          kind: .policy,
          lines: ["tailguard: policy denied the image (\(policy.violations.count) violations)"]))
    }
    if let failOn, report.findings.contains(where: { $0.assessment.severity >= failOn }) {
      crossed.append(
        ThresholdCrossing(
          kind: .severity,
          lines: ["tailguard: findings at or above \(failOn.rawValue): failing (--fail-on)"]))
    }
    return crossed
  }

  static func filters(_ request: ScanRequest) throws -> FindingFilters {
    var filters = FindingFilters(
      onlyFixed: request.onlyFixed, ignoreUnfixed: request.ignoreUnfixed)
    if let path = request.ignoreFile { filters.ignore = try IgnoreRules.load(path: path) }
    for file in request.vexFiles {
      let loaded = try VEXStatements.load(path: file)
      if var existing = filters.vex {
        existing.statements += loaded.statements
        existing.diagnostics += loaded.diagnostics
        filters.vex = existing
      } else {
        filters.vex = loaded
      }
    }
    return filters
  }

  static func trustedRoot(_ request: ScanRequest) throws -> TrustedRoot {
    try request.trustedRoot.map(TrustedRoot.init(contentsOf:)) ?? TrustedRoot.production()
  }

  /// Why no SBOM attestation could be used: every attestation found and its failed check.
  static func explain(_ verification: ImageSignatureVerifier.Report, spec: String) -> [String] {
    var lines: [String] = verification.findings.map { f in
      switch f.outcome {
      case .success:
        "tailguard: attestation \(f.source): verified, but \(f.statement?.predicateType ?? "its predicate") is not an SBOM"
      case .failure(let e):
        "tailguard: attestation \(f.source): [\(e.check.rawValue)] \(e.message)"
      }
    }
    lines.append(
      "tailguard: no verified CycloneDX or SPDX attestation for \(verification.image.digest) signed as --sbom-from-attestation \(spec) requires: failing"
    )
    return lines
  }

  /// Every failed signature check, then why the run fails.
  static func explain(_ check: SignatureCheck) -> [String] {
    var lines: [String] = []
    if check.signatures.isEmpty {
      lines.append(
        "tailguard: no signature found for \(check.imageDigest) (--require-signature \(check.requirement))"
      )
    }
    for s in check.signatures where !s.verified {
      lines.append(
        "tailguard: signature \(s.source): [\(s.failedCheck ?? "failed")] \(s.reason ?? "")")
    }
    lines.append(
      "tailguard: no signature satisfies --require-signature \(check.requirement): failing")
    return lines
  }
}
