import ArgumentParser
import Foundation
import Scanner
import Signatures

/// `tailguard verify-attestation IMAGE --type slsaprovenance|spdx|cyclonedx|vuln|custom|URI`:
/// in-toto attestations of an image in DSSE envelopes (`.att` tag scheme, referrer bundles),
/// signed as the policy requires. `--policy DIR` evaluates Rego on each verified statement
/// (`input` = the in-toto statement); a deny exits 1 naming the rule.
struct VerifyAttestationCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify-attestation", abstract: "Verify in-toto attestations of a container image."
  )

  @Argument(
    help: "Registry reference (host/repo:tag or @sha256:digest) or oci:DIR[:tag|@sha256:digest]")
  var image: String

  @Option(
    name: .customLong("type"),
    help:
      "Predicate type: slsaprovenance, slsaprovenance1, spdx, spdxjson, cyclonedx, vuln, custom, or a URI."
  )
  var type: String?

  @Option(
    name: .customLong("repository"),
    help: "Repository name of the image (default: the registry repository).")
  var repository: String?

  @OptionGroup var signer: VerifyBlobCommand.SignerOptions

  @OptionGroup var registryOptions: RegistryOptions

  @Option(
    name: .customLong("policy"),
    help: ArgumentHelp(
      "Rego policy file or directory (repeatable) evaluated on each verified attestation, with the in-toto statement as input; a deny exits 1.",
      valueName: "dir"))
  var policy: [String] = []

  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: text or json.")
  var format: String = "text"

  func validate() throws { try signer.validateChoice() }

  /// cosign's `--type` short names.
  static func predicateType(_ name: String) -> String {
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

  func run() async throws {
    let (sigstoreSigner, root) = try signer.load()
    let location = try await VerifyCommand.resolve(
      image, repository: repository, registry: registryOptions)
    let report: ImageSignatureVerifier.Report
    do {
      report = try await ImageSignatureVerifier(trustedRoot: root, fetcher: location.fetcher)
        .verifyAttestations(
          of: location.image, signer: sigstoreSigner, predicateType: type.map(Self.predicateType),
          options: signer.options)
      await location.close()
    } catch {
      await location.close()
      VerifyBlobCommand.SignerOptions.say("Error: \(error)")
      throw ExitCodes.exitCode(.couldNotRun)
    }
    VerifyCommand.print(report, format: format)
    if !report.verified { throw ExitCodes.exitCode(.thresholdCrossed) }
    if !policy.isEmpty { try Self.enforce(policy, on: report) }
  }

  /// Evaluates the policies on every verified attestation; names each denying rule on stderr.
  static func enforce(_ policy: [String], on report: ImageSignatureVerifier.Report) throws {
    let evaluations: [AttestationPolicy.Evaluation]
    do {
      evaluations = try AttestationPolicy(arguments: policy).evaluate(report)
    } catch {
      VerifyBlobCommand.SignerOptions.say("Error: policy: \(error)")
      throw ExitCodes.exitCode(.couldNotRun)
    }
    var denied = false
    for e in evaluations {
      for v in e.decision.violations {
        VerifyBlobCommand.SignerOptions.say(
          "DENIED \(e.source) (\(e.predicateType)): \(v.package).\(v.rule): \(v.message)")
      }
      for w in e.decision.warnings {
        VerifyBlobCommand.SignerOptions.say(
          "WARN   \(e.source) (\(e.predicateType)): \(w.package).\(w.rule): \(w.message)")
      }
      denied = denied || e.decision.isDenied
    }
    if denied {
      VerifyBlobCommand.SignerOptions.say("Error: the policy denied an attestation")
      throw ExitCodes.exitCode(.thresholdCrossed)
    }
    VerifyBlobCommand.SignerOptions.say(
      "Policy passed on \(evaluations.count) verified attestation(s)")
  }
}
