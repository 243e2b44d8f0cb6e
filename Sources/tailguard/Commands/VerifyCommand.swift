import ArgumentParser
import Foundation
import Scanner

/// `tailguard verify IMAGE`: cosign signatures of an image (`sha256-<digest>.sig` tag scheme and
/// referrer bundles), every one reported, exit 0 when at least one satisfies the policy.
/// IMAGE is a registry reference (a tag is resolved to its digest first; the signed
/// `docker-reference` and digest must match) or an OCI layout (`oci:DIR[:tag|@digest]`) holding
/// the image and its signatures (as `cosign save` writes).
struct VerifyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify", abstract: "Verify cosign signatures of a container image.",
    discussion: """
      Text output goes to standard error (as cosign's does) unless --output names a file; \
      JSON output goes to standard output.
      """)

  @Argument(
    help: "Registry reference (host/repo:tag or @sha256:digest) or oci:DIR[:tag|@sha256:digest]")
  var image: String

  @Option(
    name: .customLong("repository"),
    help:
      "Repository the signature must name as docker-reference (default: the registry repository; not checked for oci: layouts)."
  )
  var repository: String?

  @OptionGroup var signer: VerifyBlobCommand.SignerOptions

  @OptionGroup var registryOptions: RegistryOptions

  @OptionGroup var output: FormatOptions<TextOrJSON>

  func validate() throws { try signer.validateChoice() }

  func run() async throws {
    try await ExitCodes.run {
      var request = Verification.ImageRequest(
        target: image, signer: signer.signer, registry: try registryOptions.settings())
      request.repository = repository
      let outcome = await Verification.verify(request)
      try VerifyCommand.render(outcome, output)
      if outcome.exitStatus != .done { throw Failing(outcome.exitStatus) }
    }
  }

  /// Prints the report (or why there is none); the caller maps the outcome to the exit status.
  static func render(_ outcome: Verification.ImageOutcome, _ output: FormatOptions<TextOrJSON>)
    throws
  {
    guard let report = outcome.report else {
      VerifyBlobCommand.SignerOptions.say("Error: \(outcome.failure ?? "verification failed")")
      return
    }
    switch output.format {
    case .json: try output.write(try json(report))
    case .text:
      if output.output != nil {
        try output.write(text(report))
      } else {
        FileHandle.standardError.write(Data(text(report).utf8))
      }
    }
  }

  /// `-o json`: the report with sorted keys, two-space indents, slashes escaped (the bytes
  /// `JSONSerialization` wrote for the same object), and a final newline.
  static func json(_ report: Verification.ImageReport) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
  }

  /// The text report: one line per signature and the verdict.
  static func text(_ report: Verification.ImageReport) -> String {
    var lines: [String] = []
    if report.signatures.isEmpty { lines.append("No signatures found for \(report.image)") }
    for s in report.signatures {
      if let check = s.failedCheck {
        lines.append("FAILED \(s.source): [\(check)] \(s.reason ?? "")")
      } else {
        let identities = s.identities ?? []
        let who = identities.isEmpty ? "key" : identities.joined(separator: ", ")
        lines.append("OK     \(s.source): signed by \(who)")
      }
    }
    lines.append(report.verified ? "Verified OK" : "Error: no signature satisfied the policy")
    return lines.map { $0 + "\n" }.joined()
  }
}
