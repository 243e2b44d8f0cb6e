import ArgumentParser
import Foundation
import Signatures

/// `tailguard verify IMAGE`: cosign signatures of an image (`sha256-<digest>.sig` tag scheme and
/// referrer bundles), every one reported, exit 0 when at least one satisfies the policy.
/// IMAGE is an OCI layout (`oci:DIR[:tag|@digest]`) holding the image and its signatures (as
/// `cosign save` writes); registry references need the registry client (not wired here yet).
struct VerifyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify", abstract: "Verify cosign signatures of a container image.")

  @Argument(help: "oci:DIR[:tag|@sha256:digest]")
  var image: String

  @Option(
    name: .customLong("repository"),
    help: "Repository the signature must name as docker-reference (default: not checked).")
  var repository: String?

  @OptionGroup var signer: VerifyBlobCommand.SignerOptions

  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: text or json.")
  var format: String = "text"

  func validate() throws { try signer.validateChoice() }

  func run() async throws {
    let (sigstoreSigner, root) = try signer.load()
    let (fetcher, target) = try await VerifyCommand.resolve(image, repository: repository)
    let report: ImageSignatureVerifier.Report
    do {
      report = try await ImageSignatureVerifier(trustedRoot: root, fetcher: fetcher)
        .verifySignatures(
          of: target, signer: sigstoreSigner,
          options: signer.options)
    } catch {
      VerifyBlobCommand.SignerOptions.say("Error: \(error)")
      throw ExitCode(2)
    }
    VerifyCommand.print(report, format: format)
    if !report.verified { throw ExitCode(1) }
  }

  /// Resolves `oci:DIR[:tag|@digest]` to a fetcher and the image's manifest digest.
  static func resolve(_ reference: String, repository: String?) async throws -> (
    any SignatureArtifactFetcher, ImageSignatureVerifier.Image
  ) {
    guard reference.hasPrefix("oci:") else {
      VerifyBlobCommand.SignerOptions.say(
        "Error: only oci:DIR[:tag|@digest] images are supported by this build (registry access comes with the registry client)"
      )
      throw ExitCode(2)
    }
    var path = String(reference.dropFirst(4))
    var ref = "latest"
    if let at = path.range(of: "@") {
      ref = String(path[at.upperBound...])
      path = String(path[..<at.lowerBound])
    } else if let colon = path.lastIndex(of: ":"), !path[colon...].contains("/") {
      ref = String(path[path.index(after: colon)...])
      path = String(path[..<colon])
    }
    let fetcher = OCILayoutSignatureFetcher(directory: path)
    do {
      // A digest names the image even when the layout holds only its signatures.
      let digest: String
      if ref.hasPrefix("sha256:") {
        digest = ref
      } else if let manifest = try await fetcher.manifest(repository: "", reference: ref) {
        digest = ImageSignatureVerifier.digest(of: manifest.bytes)
      } else {
        VerifyBlobCommand.SignerOptions.say("Error: \(ref) not found in \(path)")
        throw ExitCode(2)
      }
      return (
        fetcher,
        ImageSignatureVerifier.Image(
          repository: repository ?? "", digest: digest, dockerReference: repository,
          checkDockerReference: repository != nil)
      )
    } catch let exit as ExitCode {
      throw exit
    } catch {
      VerifyBlobCommand.SignerOptions.say("Error: \(error)")
      throw ExitCode(2)
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
