import ArgumentParser
import Foundation
import Scanner
import Signatures

/// `tailguard verify IMAGE`: cosign signatures of an image (`sha256-<digest>.sig` tag scheme and
/// referrer bundles), every one reported, exit 0 when at least one satisfies the policy.
/// IMAGE is a registry reference (a tag is resolved to its digest first; the signed
/// `docker-reference` and digest must match) or an OCI layout (`oci:DIR[:tag|@digest]`) holding
/// the image and its signatures (as `cosign save` writes).
struct VerifyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify", abstract: "Verify cosign signatures of a container image.")

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

  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: text or json.")
  var format: String = "text"

  func validate() throws { try signer.validateChoice() }

  func run() async throws {
    let (sigstoreSigner, root) = try signer.load()
    let location = try await VerifyCommand.resolve(
      image, repository: repository, registry: registryOptions)
    let report: ImageSignatureVerifier.Report
    do {
      report = try await ImageSignatureVerifier(trustedRoot: root, fetcher: location.fetcher)
        .verifySignatures(of: location.image, signer: sigstoreSigner, options: signer.options)
      await location.close()
    } catch {
      await location.close()
      VerifyBlobCommand.SignerOptions.say("Error: \(error)")
      throw ExitCodes.exitCode(.couldNotRun)
    }
    VerifyCommand.print(report, format: format)
    if !report.verified { throw ExitCodes.exitCode(.thresholdCrossed) }
  }

  /// Resolves IMAGE (a registry reference or `oci:DIR[:tag|@digest]`) to its signature store and
  /// manifest digest; a tag is resolved to its digest first. Unresolvable images exit with 2.
  static func resolve(
    _ reference: String, repository: String?, registry: RegistryOptions
  ) async throws -> ImageSignatureLocation {
    do {
      return try await ImageSignatureLocator.locate(
        target: reference, configuration: registry.settings().configuration(),
        repository: repository)
    } catch let error as ValidationError {
      throw error
    } catch {
      VerifyBlobCommand.SignerOptions.say("Error: \(error)")
      throw ExitCodes.exitCode(.couldNotRun)
    }
  }

  static func print(_ report: ImageSignatureVerifier.Report, format: String) {
    if format == "json" {
      let items: [[String: Any]] = report.findings.map { f in
        var item: [String: Any] = ["source": f.source, "verified": f.verified]
        switch f.outcome {
        case .success(let v):
          item["identities"] = v.identities
          if let issuer = v.issuer { item["issuer"] = issuer }
          if let index = v.logIndex { item["logIndex"] = index }
          if let type = f.statement?.predicateType { item["predicateType"] = type }
        case .failure(let e):
          item["failedCheck"] = e.check.rawValue
          item["reason"] = e.message
        }
        return item
      }
      let object: [String: Any] = [
        "image": report.image.digest, "verified": report.verified, "signatures": items,
      ]
      if let data = try? JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
      {
        FileHandle.standardOutput.write(data + Data("\n".utf8))
      }
      return
    }
    if report.findings.isEmpty {
      VerifyBlobCommand.SignerOptions.say("No signatures found for \(report.image.digest)")
    }
    for f in report.findings {
      switch f.outcome {
      case .success(let v):
        let who = v.identities.isEmpty ? "key" : v.identities.joined(separator: ", ")
        VerifyBlobCommand.SignerOptions.say("OK     \(f.source): signed by \(who)")
      case .failure(let e):
        VerifyBlobCommand.SignerOptions.say(
          "FAILED \(f.source): [\(e.check.rawValue)] \(e.message)")
      }
    }
    VerifyBlobCommand.SignerOptions.say(
      report.verified ? "Verified OK" : "Error: no signature satisfied the policy")
  }
}
