import Foundation
import Signatures
import TailguardModel

/// `verify`, `verify-blob` and `verify-attestation` as values: who must have signed
/// (``Verification/Signer``) and what to check go in; a report, a failed check or the reason the
/// job could not be done comes out. Which verifier runs, in which order, and how the attestation
/// policy is applied to the verified statements lives here, so the command line only renders.
public enum Verification {
  /// Who must have signed, with cosign's flag names: a key file, or a certificate identity and
  /// issuer (exact or regular expression) with optional GitHub workflow fields.
  public struct Signer: Sendable, Hashable {
    public var key: String?
    public var certificateIdentity: String?
    public var certificateIdentityRegexp: String?
    public var certificateOIDCIssuer: String?
    public var certificateOIDCIssuerRegexp: String?
    public var githubWorkflowRepository: String?
    public var githubWorkflowRef: String?
    public var githubWorkflowSHA: String?
    public var githubWorkflowTrigger: String?
    public var githubWorkflowName: String?
    /// `trusted_root.json`; nil for the embedded production root.
    public var trustedRoot: String?
    public var ignoreTransparencyLog = false
    public var ignoreSignedCertificateTimestamp = false

    public init() {}

    /// Without a key, exactly one identity matcher and one issuer matcher are needed: the
    /// message names the flags, for a usage error.
    public func validateChoice() throws(ScannerError) {
      guard key == nil else { return }
      guard (certificateIdentity == nil) != (certificateIdentityRegexp == nil) else {
        throw ScannerError(
          .usage,
          "give exactly one of --certificate-identity or --certificate-identity-regexp (or --key)")
      }
      guard (certificateOIDCIssuer == nil) != (certificateOIDCIssuerRegexp == nil) else {
        throw ScannerError(
          .usage,
          "give exactly one of --certificate-oidc-issuer or --certificate-oidc-issuer-regexp (or --key)"
        )
      }
    }

    var options: SigstoreVerifier.Options {
      .init(
        ignoreTransparencyLog: ignoreTransparencyLog,
        requireSignedCertificateTimestamp: !ignoreSignedCertificateTimestamp)
    }

    /// The verifier's signer and the trusted root; the error's text is what the user sees.
    func load() throws -> (SigstoreVerifier.Signer, TrustedRoot) {
      let signer: SigstoreVerifier.Signer
      if let key {
        signer = .key(try VerificationKey(contentsOf: key))
      } else {
        signer = .certificate(try identityPolicy())
      }
      return (
        signer, try trustedRoot.map(TrustedRoot.init(contentsOf:)) ?? TrustedRoot.production()
      )
    }

    private func identityPolicy() throws(SignatureError) -> CertificateIdentityPolicy {
      var extensions: [FulcioCertificate.Field: CertificateIdentityPolicy.Matcher] = [:]
      extensions[.githubWorkflowRepository] = githubWorkflowRepository.map { .exact($0) }
      extensions[.githubWorkflowRef] = githubWorkflowRef.map { .exact($0) }
      extensions[.githubWorkflowSHA] = githubWorkflowSHA.map { .exact($0) }
      extensions[.githubWorkflowTrigger] = githubWorkflowTrigger.map { .exact($0) }
      extensions[.githubWorkflowName] = githubWorkflowName.map { .exact($0) }
      let policy = CertificateIdentityPolicy(
        identity: certificateIdentity.map { .exact($0) }
          ?? certificateIdentityRegexp.map { .regularExpression($0) },
        issuer: certificateOIDCIssuer.map { .exact($0) }
          ?? certificateOIDCIssuerRegexp.map { .regularExpression($0) },
        extensions: extensions)
      try policy.validate()
      return policy
    }
  }

  /// cosign's `--type` short names as predicate type URIs; anything else is taken as a URI.
  public static func predicateType(_ name: String) -> String {
    switch name {
    case "slsaprovenance": return "https://slsa.dev/provenance/v0.2"
    case "slsaprovenance02": return "https://slsa.dev/provenance/v0.2"
    case "slsaprovenance1": return "https://slsa.dev/provenance/v1"
    case "spdx", "spdxjson": return "https://spdx.dev/Document"
    case "cyclonedx": return "https://cyclonedx.org/bom"
    case "vuln": return "https://cosign.sigstore.dev/attestation/vuln/v1"
    case "custom": return "https://cosign.sigstore.dev/attestation/v1"
    default: return name
    }
  }
}

// MARK: - Images: verify and verify-attestation

extension Verification {
  /// What `verify` or `verify-attestation` checks: an image (registry reference or
  /// `oci:DIR[:tag|@digest]`), the signer, and for attestations the predicate type and the Rego
  /// policies evaluated on every verified statement.
  public struct ImageRequest: Sendable {
    public var target: String
    /// The repository the signature must name as `docker-reference` (nil: the registry
    /// repository; not checked for layouts).
    public var repository: String?
    public var signer: Signer
    public var registry: RegistrySettings
    /// Verify in-toto attestations instead of signatures.
    public var attestations = false
    /// Only attestations of this predicate type (a URI; see ``Verification/predicateType(_:)``).
    public var predicateType: String?
    /// Policy files, directories or pack names evaluated on each verified attestation.
    public var policies: [String] = []

    public init(target: String, signer: Signer, registry: RegistrySettings) {
      self.target = target
      self.signer = signer
      self.registry = registry
    }
  }

  /// One signature or attestation found for the image: verified with its signer, or the check
  /// that failed. Its JSON is `verify -o json`'s array element (absent fields are left out).
  public struct SignatureEntry: Sendable, Hashable, Codable {
    /// Where it was found (`tag sha256-….sig layer 0`, `referrer sha256:…`).
    public var source: String
    public var verified: Bool
    /// The signer's identities (empty for a key); nil when the check failed.
    public var identities: [String]?
    public var issuer: String?
    public var logIndex: Int64?
    public var predicateType: String?
    /// The failed check's name and why; nil when verified.
    public var failedCheck: String?
    public var reason: String?

    public init(
      source: String, verified: Bool, identities: [String]? = nil, issuer: String? = nil,
      logIndex: Int64? = nil, predicateType: String? = nil, failedCheck: String? = nil,
      reason: String? = nil
    ) {
      self.source = source
      self.verified = verified
      self.identities = identities
      self.issuer = issuer
      self.logIndex = logIndex
      self.predicateType = predicateType
      self.failedCheck = failedCheck
      self.reason = reason
    }
  }

  /// Every signature or attestation of an image; `verified` when at least one satisfies the
  /// signer. Encodes as `verify -o json` prints it.
  public struct ImageReport: Sendable, Hashable, Codable {
    /// The manifest digest the signatures must name.
    public var image: String
    public var verified: Bool
    public var signatures: [SignatureEntry]

    public init(image: String, verified: Bool, signatures: [SignatureEntry]) {
      self.image = image
      self.verified = verified
      self.signatures = signatures
    }
  }

  /// A policy rule that denied (or, when `denies` is false, warned about) one verified
  /// attestation.
  public struct PolicyNote: Sendable, Hashable {
    public var denies: Bool
    public var source: String
    public var predicateType: String
    public var package: String
    public var rule: String
    public var message: String
  }

  /// The attestation policy's verdict over every verified attestation.
  public struct PolicyVerdict: Sendable, Hashable {
    /// How many verified attestations were evaluated.
    public var evaluated: Int
    /// Per attestation in report order: its violations, then its warnings.
    public var notes: [PolicyNote]
    public var denied: Bool
  }

  /// What `verify`/`verify-attestation` found. The report is there whenever the image could be
  /// read; `policy` only when policies were given and some attestation verified.
  public struct ImageOutcome: Sendable, ExitStatusReporting {
    public enum Policy: Sendable, Hashable {
      case evaluated(PolicyVerdict)
      /// The policies could not be loaded or evaluated (the message says why).
      case failed(String)
    }
    public var report: ImageReport?
    /// Why the image's signatures could not be read (signer, trusted root, registry, layout).
    public var failure: String?
    public var policy: Policy?

    /// 2 when nothing could be checked or the policy could not run, 1 when no signature
    /// satisfied the signer or the policy denied, else 0.
    public var exitStatus: ExitStatus {
      guard let report, failure == nil else { return .couldNotRun }
      if !report.verified { return .thresholdCrossed }
      switch policy {
      case .failed: return .couldNotRun
      case .evaluated(let verdict): return verdict.denied ? .thresholdCrossed : .done
      case nil: return .done
      }
    }
  }

  /// Reads the image's signatures (or attestations), verifies every one against the signer,
  /// and applies the attestation policies to the verified statements.
  public static func verify(_ request: ImageRequest) async -> ImageOutcome {
    let signer: SigstoreVerifier.Signer
    let root: TrustedRoot
    do { (signer, root) = try request.signer.load() } catch {
      return ImageOutcome(failure: "\(error)")
    }
    let location: ImageSignatureLocation
    do {
      location = try await ImageSignatureLocator.locate(
        target: request.target, configuration: request.registry.configuration(),
        repository: request.repository)
    } catch {
      return ImageOutcome(failure: "\(error)")
    }
    let verifier = ImageSignatureVerifier(trustedRoot: root, fetcher: location.fetcher)
    let report: ImageSignatureVerifier.Report
    do {
      if request.attestations {
        report = try await verifier.verifyAttestations(
          of: location.image, signer: signer, predicateType: request.predicateType,
          options: request.signer.options)
      } else {
        report = try await verifier.verifySignatures(
          of: location.image, signer: signer, options: request.signer.options)
      }
      await location.close()
    } catch {
      await location.close()
      return ImageOutcome(failure: "\(error)")
    }
    var outcome = ImageOutcome(report: imageReport(report))
    if report.verified, !request.policies.isEmpty {
      outcome.policy = evaluate(request.policies, on: report)
    }
    return outcome
  }

  static func imageReport(_ report: ImageSignatureVerifier.Report) -> ImageReport {
    ImageReport(
      image: report.image.digest, verified: report.verified,
      signatures: report.findings.map { f in
        switch f.outcome {
        case .success(let v):
          SignatureEntry(
            source: f.source, verified: f.verified, identities: v.identities, issuer: v.issuer,
            logIndex: v.logIndex, predicateType: f.statement?.predicateType)
        case .failure(let e):
          SignatureEntry(
            source: f.source, verified: f.verified, failedCheck: e.check.rawValue,
            reason: e.message)
        }
      })
  }

  static func evaluate(_ policies: [String], on report: ImageSignatureVerifier.Report)
    -> ImageOutcome.Policy
  {
    let evaluations: [AttestationPolicy.Evaluation]
    do { evaluations = try AttestationPolicy(arguments: policies).evaluate(report) } catch {
      return .failed("\(error)")
    }
    var verdict = PolicyVerdict(evaluated: evaluations.count, notes: [], denied: false)
    for e in evaluations {
      for (denies, rules) in [(true, e.decision.violations), (false, e.decision.warnings)] {
        verdict.notes += rules.map {
          PolicyNote(
            denies: denies, source: e.source, predicateType: e.predicateType,
            package: $0.package, rule: $0.rule, message: $0.message)
        }
      }
      verdict.denied = verdict.denied || e.decision.isDenied
    }
    return .evaluated(verdict)
  }
}

extension Verification.ImageOutcome {
  init(report: Verification.ImageReport? = nil, failure: String? = nil) {
    self.report = report
    self.failure = failure
    self.policy = nil
  }
}

// MARK: - Files: verify-blob

extension Verification {
  /// What `verify-blob` checks: a file and either its Sigstore bundle or cosign's detached
  /// signature (and certificate).
  public struct BlobRequest: Sendable {
    public enum Evidence: Sendable, Hashable {
      case bundle(String)
      case detached(signature: String, certificate: String?)
    }
    public var artifact: String
    public var evidence: Evidence
    public var signer: Signer

    public init(artifact: String, evidence: Evidence, signer: Signer) {
      self.artifact = artifact
      self.evidence = evidence
      self.signer = signer
    }
  }

  /// The file's verdict.
  public enum BlobOutcome: Sendable, Hashable, ExitStatusReporting {
    /// Every check passed: who signed (issuer only for bundles) and the verifier's notes.
    case verified(identities: [String], issuer: String?, diagnostics: [String])
    /// A check failed: its name and why.
    case failed(check: String, message: String)
    /// An input could not be read; the line to print, as is.
    case couldNotRun(String)

    public var exitStatus: ExitStatus {
      switch self {
      case .verified: .done
      case .failed: .thresholdCrossed
      case .couldNotRun: .couldNotRun
      }
    }
  }

  public static func verify(_ request: BlobRequest) async -> BlobOutcome {
    switch request.evidence {
    case .bundle(let bundle): return await verifyBundle(bundle, request)
    case .detached(let signature, let certificate):
      return await verifyDetached(signature: signature, certificate: certificate, request)
    }
  }

  private static func verifyBundle(_ bundle: String, _ request: BlobRequest) async -> BlobOutcome {
    let signer: SigstoreVerifier.Signer
    let root: TrustedRoot
    do { (signer, root) = try request.signer.load() } catch {
      return .couldNotRun("Error: \(error)")
    }
    let artifact = request.artifact
    let parsed: SigstoreBundle
    do {
      parsed = try SigstoreBundle(contentsOf: bundle)
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: artifact, isDirectory: &isDirectory),
        !isDirectory.boolValue,
        FileManager.default.isReadableFile(atPath: artifact)
      else {
        throw CocoaError(.fileReadNoPermission)
      }
    } catch let error as SignatureError {
      return .couldNotRun("Error: \(error)")
    } catch {
      return .couldNotRun("Error: cannot read \(artifact): \(error.localizedDescription)")
    }
    do {
      let verified = try await SigstoreVerifier(trustedRoot: root).verify(
        bundle: parsed, source: .file(artifact), signer: signer, options: request.signer.options)
      return .verified(
        identities: verified.identities, issuer: verified.issuer,
        diagnostics: verified.diagnostics.map(\.description))
    } catch {
      return .failed(check: error.check.rawValue, message: error.message)
    }
  }

  /// cosign's detached files carry no log entry, so they are accepted only when the
  /// transparency log is ignored (as cosign does).
  private static func verifyDetached(
    signature: String, certificate: String?, _ request: BlobRequest
  ) async -> BlobOutcome {
    let signer: SigstoreVerifier.Signer
    let root: TrustedRoot
    do { (signer, root) = try request.signer.load() } catch {
      return .couldNotRun("Error: \(error)")
    }
    let detached: CosignDetachedSignature
    do {
      let sig = try Data(contentsOf: URL(fileURLWithPath: signature))
      let cert = try certificate.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
      detached = try CosignDetachedSignature(signatureFile: sig, certificateFile: cert)
      guard FileManager.default.isReadableFile(atPath: request.artifact) else {
        throw CocoaError(.fileReadNoPermission)
      }
    } catch {
      return .couldNotRun("Error: cannot read the signature, certificate or artifact: \(error)")
    }
    guard request.signer.ignoreTransparencyLog else {
      return .failed(
        check: VerificationCheck.tlogEntryPresent.rawValue,
        message:
          "a detached signature carries no transparency-log entry; give a --bundle, or --insecure-ignore-tlog"
      )
    }
    do {
      let verified = try await detached.verify(
        artifact: .file(request.artifact), signer: signer, trustedRoot: root)
      return .verified(identities: verified.identities, issuer: nil, diagnostics: [])
    } catch {
      return .failed(check: error.check.rawValue, message: error.message)
    }
  }
}
