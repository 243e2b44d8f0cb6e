import ArgumentParser
import Foundation
import Scanner

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
    try await ExitCodes.run {
      let evidence: Verification.BlobRequest.Evidence
      if let signature {
        evidence = .detached(signature: signature, certificate: certificate)
      } else if let bundle {
        evidence = .bundle(bundle)
      } else {
        throw ValidationError("give exactly one of --bundle or --signature")
      }
      let outcome = await Verification.verify(
        Verification.BlobRequest(artifact: artifact, evidence: evidence, signer: signer.signer))
      switch outcome {
      case .verified(let identities, let issuer, let diagnostics):
        if !quiet {
          for diagnostic in diagnostics { SignerOptions.say(diagnostic) }
          if !identities.isEmpty {
            SignerOptions.say(
              "Signer: \(identities.joined(separator: ", "))\(issuer.map { " (issuer \($0))" } ?? "")"
            )
          }
          SignerOptions.say("Verified OK")
        }
      case .failed(let check, let message):
        SignerOptions.say("Error: verification failed: [\(check)] \(message)")
      case .couldNotRun(let line):
        SignerOptions.say(line)
      }
      if outcome.exitStatus != .done { throw Failing(outcome.exitStatus) }
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

    /// The signer these flags name.
    var signer: Verification.Signer {
      var signer = Verification.Signer()
      signer.key = key
      signer.certificateIdentity = certificateIdentity
      signer.certificateIdentityRegexp = certificateIdentityRegexp
      signer.certificateOIDCIssuer = certificateOIDCIssuer
      signer.certificateOIDCIssuerRegexp = certificateOIDCIssuerRegexp
      signer.githubWorkflowRepository = githubWorkflowRepository
      signer.githubWorkflowRef = githubWorkflowRef
      signer.githubWorkflowSHA = githubWorkflowSHA
      signer.githubWorkflowTrigger = githubWorkflowTrigger
      signer.githubWorkflowName = githubWorkflowName
      signer.trustedRoot = trustedRoot
      signer.ignoreTransparencyLog = insecureIgnoreTlog
      signer.ignoreSignedCertificateTimestamp = insecureIgnoreSCT
      return signer
    }

    static func say(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    func validateChoice() throws {
      do { try signer.validateChoice() } catch { throw ValidationError(error.message) }
    }
  }
}
