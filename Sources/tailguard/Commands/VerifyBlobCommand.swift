import ArgumentParser
import Foundation
import Signatures

/// `tailguard verify-blob`: cosign's verify-blob for Sigstore bundles, offline. Exit 0 only when
/// every check passed; 1 when one failed (named on stderr); 2 when an input could not be read.
struct VerifyBlobCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify-blob",
    abstract:
      "Verify a file's Sigstore bundle (signature, certificate identity, transparency log) offline."
  )

  @Argument(help: "The signed file.")
  var artifact: String

  @Option(name: .customLong("bundle"), help: "Sigstore bundle (JSON) for the artifact.")
  var bundle: String?

  @Option(
    name: .customLong("signature"), help: "Detached cosign signature (base64), instead of a bundle."
  )
  var signature: String?

  @Option(
    name: .customLong("certificate"), help: "PEM signing certificate for a detached signature.")
  var certificate: String?

  @OptionGroup var signer: SignerOptions

  @Flag(name: .shortAndLong, help: "Print nothing on success.")
  var quiet = false

  func validate() throws {
    try signer.validateChoice()
    guard (bundle == nil) != (signature == nil) else {
      throw ValidationError("give exactly one of --bundle or --signature")
    }
  }

  func run() async throws {
    if let signature {
      try await runDetached(signature: signature)
      return
    }
    guard let bundle else { throw ExitCodes.exitCode(.usage) }
    let parsed: SigstoreBundle
    let (sigstoreSigner, root) = try signer.load()
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
      SignerOptions.say("Error: \(error)")
      throw ExitCodes.exitCode(.couldNotRun)
    } catch {
      SignerOptions.say("Error: cannot read \(artifact): \(error.localizedDescription)")
      throw ExitCodes.exitCode(.couldNotRun)
    }
    do {
      let verified = try await SigstoreVerifier(trustedRoot: root).verify(
        bundle: parsed, source: .file(artifact), signer: sigstoreSigner,
        options: signer.options)
      if !quiet {
        for diagnostic in verified.diagnostics { SignerOptions.say(diagnostic.description) }
        if !verified.identities.isEmpty {
          SignerOptions.say(
            "Signer: \(verified.identities.joined(separator: ", "))\(verified.issuer.map { " (issuer \($0))" } ?? "")"
          )
        }
        SignerOptions.say("Verified OK")
      }
    } catch {
      SignerOptions.say("Error: verification failed: [\(error.check.rawValue)] \(error.message)")
      throw ExitCodes.exitCode(.thresholdCrossed)
    }
  }

  /// `--signature [--certificate]`: cosign's detached files. They carry no log entry, so cosign
  /// (and tailguard) accept them only with --insecure-ignore-tlog.
  private func runDetached(signature: String) async throws {
    let (sigstoreSigner, root) = try signer.load()
    let detached: CosignDetachedSignature
    do {
      let sig = try Data(contentsOf: URL(fileURLWithPath: signature))
      let cert = try certificate.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
      detached = try CosignDetachedSignature(signatureFile: sig, certificateFile: cert)
      guard FileManager.default.isReadableFile(atPath: artifact) else {
        throw CocoaError(.fileReadNoPermission)
      }
    } catch {
      SignerOptions.say("Error: cannot read the signature, certificate or artifact: \(error)")
      throw ExitCodes.exitCode(.couldNotRun)
    }
    guard signer.insecureIgnoreTlog else {
      SignerOptions.say(
        "Error: verification failed: [\(VerificationCheck.tlogEntryPresent.rawValue)] a detached signature carries no transparency-log entry; give a --bundle, or --insecure-ignore-tlog"
      )
      throw ExitCodes.exitCode(.thresholdCrossed)
    }
    do {
      let verified = try await detached.verify(
        artifact: .file(artifact), signer: sigstoreSigner, trustedRoot: root)
      if !quiet {
        if !verified.identities.isEmpty {
          SignerOptions.say("Signer: \(verified.identities.joined(separator: ", "))")
        }
        SignerOptions.say("Verified OK")
      }
    } catch {
      SignerOptions.say("Error: verification failed: [\(error.check.rawValue)] \(error.message)")
      throw ExitCodes.exitCode(.thresholdCrossed)
    }
  }

  /// Who must have signed, with cosign's flag names; shared by verify, verify-blob and verify-attestation.
  struct SignerOptions: ParsableArguments {
    @Option(
      name: .customLong("key"),
      help: "PEM public key the signature must verify with (instead of a certificate identity).")
    var key: String?

    @Option(
      name: .customLong("certificate-identity"),
      help: "Exact identity (SAN email or URI) of the signer.")
    var certificateIdentity: String?

    @Option(
      name: .customLong("certificate-identity-regexp"),
      help: "Regular expression the signer identity must match (whole value).")
    var certificateIdentityRegexp: String?

    @Option(
      name: .customLong("certificate-oidc-issuer"),
      help: "Exact OIDC issuer of the signer's certificate.")
    var certificateOIDCIssuer: String?

    @Option(
      name: .customLong("certificate-oidc-issuer-regexp"),
      help: "Regular expression the OIDC issuer must match.")
    var certificateOIDCIssuerRegexp: String?

    @Option(
      name: .customLong("certificate-github-workflow-repository"),
      help: "GitHub workflow repository (owner/name).")
    var githubWorkflowRepository: String?

    @Option(
      name: .customLong("certificate-github-workflow-ref"),
      help: "GitHub workflow ref (refs/heads/main).")
    var githubWorkflowRef: String?

    @Option(
      name: .customLong("certificate-github-workflow-sha"), help: "GitHub workflow commit SHA.")
    var githubWorkflowSHA: String?

    @Option(
      name: .customLong("certificate-github-workflow-trigger"),
      help: "GitHub workflow trigger event.")
    var githubWorkflowTrigger: String?

    @Option(name: .customLong("certificate-github-workflow-name"), help: "GitHub workflow name.")
    var githubWorkflowName: String?

    @Option(
      name: .customLong("trusted-root"),
      help: "Sigstore trusted_root.json (default: the embedded production root).")
    var trustedRoot: String?

    @Flag(
      name: .customLong("offline"),
      help: "Never use the network (verification here is always offline).")
    var offline = false

    @Flag(
      name: .customLong("insecure-ignore-tlog"),
      help: "With --key: accept signatures without a transparency-log entry.")
    var insecureIgnoreTlog = false

    @Flag(
      name: .customLong("insecure-ignore-sct"),
      help: "Accept certificates without an embedded SCT from a trusted CT log.")
    var insecureIgnoreSCT = false

    /// Verification options from the flags.
    var options: SigstoreVerifier.Options {
      .init(
        ignoreTransparencyLog: insecureIgnoreTlog,
        requireSignedCertificateTimestamp: !insecureIgnoreSCT)
    }

    static func say(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    func validateChoice() throws {
      if key == nil {
        guard (certificateIdentity == nil) != (certificateIdentityRegexp == nil) else {
          throw ValidationError(
            "give exactly one of --certificate-identity or --certificate-identity-regexp (or --key)"
          )
        }
        guard (certificateOIDCIssuer == nil) != (certificateOIDCIssuerRegexp == nil) else {
          throw ValidationError(
            "give exactly one of --certificate-oidc-issuer or --certificate-oidc-issuer-regexp (or --key)"
          )
        }
      }
    }

    /// The signer and trusted root; unreadable inputs exit with 2.
    func load() throws -> (SigstoreVerifier.Signer, TrustedRoot) {
      do {
        let signer: SigstoreVerifier.Signer
        if let key {
          signer = .key(try VerificationKey(contentsOf: key))
        } else {
          signer = .certificate(try identityPolicy())
        }
        return (
          signer, try trustedRoot.map(TrustedRoot.init(contentsOf:)) ?? TrustedRoot.production()
        )
      } catch {
        Self.say("Error: \(error)")
        throw ExitCodes.exitCode(.couldNotRun)
      }
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
}
