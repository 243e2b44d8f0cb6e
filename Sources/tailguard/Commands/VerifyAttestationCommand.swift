import ArgumentParser
import Foundation
import Scanner

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

  @OptionGroup var output: FormatOptions<TextOrJSON>

  func validate() throws { try signer.validateChoice() }

  func run() async throws {
    try await ExitCodes.run {
      var request = Verification.ImageRequest(
        target: image, signer: signer.signer, registry: try registryOptions.settings())
      request.repository = repository
      request.attestations = true
      request.predicateType = type.map(Verification.predicateType)
      request.policies = policy
      let outcome = await Verification.verify(request)
      try VerifyCommand.render(outcome, output)
      if let policy = outcome.policy { Self.render(policy) }
      if outcome.exitStatus != .done { throw Failing(outcome.exitStatus) }
    }
  }

  /// Names each denying and warning rule on stderr, then the verdict.
  static func render(_ policy: Verification.ImageOutcome.Policy) {
    let say = VerifyBlobCommand.SignerOptions.say
    switch policy {
    case .failed(let message): say("Error: policy: \(message)")
    case .evaluated(let verdict):
      for n in verdict.notes {
        say(
          "\(n.denies ? "DENIED" : "WARN  ") \(n.source) (\(n.predicateType)): \(n.package).\(n.rule): \(n.message)"
        )
      }
      if verdict.denied {
        say("Error: the policy denied an attestation")
      } else {
        say("Policy passed on \(verdict.evaluated) verified attestation(s)")
      }
    }
  }
}
