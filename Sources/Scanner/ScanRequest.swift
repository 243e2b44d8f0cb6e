import Foundation
import TailguardModel

/// The whole scan job as a value: what to read, which advisory data, what to leave out, which
/// policies, signature requirements and thresholds. The command line fills it from flags; a
/// server fills it from its configuration and calls the same `Scanner.scan(_:)`.
public struct ScanRequest: Sendable {
  public var target: String
  public var advisories: AdvisoryChoice
  public var onlyFixed = false
  public var ignoreUnfixed = false
  /// Ignore rules (YAML or plain lines); nil: none.
  public var ignoreFile: String?
  /// OpenVEX documents whose not_affected/fixed statements suppress findings.
  public var vexFiles: [String] = []
  /// Policy files or directories, or built-in pack names; a deny crosses a threshold.
  public var policies: [String] = []
  /// Parse the user's policies as Rego v0 (OPA's `--v0-compatible`).
  public var v0Compatible = false
  /// `key:FILE` or `identity:…,issuer:…`: at least one signature must satisfy it.
  public var requireSignature: String?
  /// Scan the SBOM of the image's verified attestation (signed as this spec) instead of its
  /// layers.
  public var sbomFromAttestation: String?
  /// Sigstore trusted root (a `trusted_root.json` path); nil: the embedded production root.
  public var trustedRoot: String?
  /// An open finding at or above this severity crosses a threshold.
  public var failOn: Severity?
  public var options: ScanOptions

  public init(target: String, advisories: AdvisoryChoice, options: ScanOptions) {
    self.target = target
    self.advisories = advisories
    self.options = options
  }
}

/// What a scan found, and which of the request's thresholds it crossed, as values.
public struct ScanOutcome: Sendable, ExitStatusReporting {
  /// The report; nil only when `--sbom-from-attestation` found no verified SBOM to scan.
  public var report: ScanReport?
  /// Thresholds crossed, in the order they were checked (signatures, policies, severity).
  public var crossed: [ThresholdCrossing]
  public var exitStatus: ExitStatus { crossed.isEmpty ? .done : .thresholdCrossed }

  public init(report: ScanReport?, crossed: [ThresholdCrossing]) {
    self.report = report
    self.crossed = crossed
  }
}

/// One threshold a scan crossed, with what a person should read about it.
public struct ThresholdCrossing: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    /// No verified SBOM attestation (`--sbom-from-attestation`).
    case attestation
    /// No signature satisfies `--require-signature`.
    case signature
    /// A policy denied the image.
    case policy
    /// An open finding at or above `--fail-on`.
    case severity
    /// A fleet image is alerted (`fleet scan --fail-on-alert`).
    case alert
  }
  public var kind: Kind
  /// Lines for standard error, the last one saying why the run fails.
  public var lines: [String]

  public init(kind: Kind, lines: [String]) {
    self.kind = kind
    self.lines = lines
  }
}
