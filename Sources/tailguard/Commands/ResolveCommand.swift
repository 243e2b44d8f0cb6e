import ArgumentParser
import Foundation
import TailguardModel

#if REGISTRY_DEV
  import RegistryDev
#else
  import ImageSources
#endif

/// `tailguard resolve REF`: the digest a tag points to right now (for pinning and drift checks).
struct ResolveCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resolve",
    abstract: "Print the digest a registry reference points to now.",
    discussion: """
      Text output is the digest of what the tag points to (the index digest for a multi-platform \
      image). JSON output adds the media type and the manifest digest selected for --platform.
      Exit codes: 0 resolved; 2 not found, auth denied, network or digest failure; 64 usage.
      """)

  @Argument(
    help: "Image reference, e.g. registry:127.0.0.1:5000/app:1.2 or docker.io/library/alpine:3.19")
  var reference: String

  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: text or json.")
  var format: String = "text"

  @Flag(name: .shortAndLong, help: "No progress or diagnostics on stderr.")
  var quiet = false

  @OptionGroup var registry: RegistryOptions

  func validate() throws {
    guard ["text", "json"].contains(format) else {
      throw ValidationError("-o must be text or json")
    }
  }

  struct Output: Encodable {
    var reference: String
    var digest: String
    var mediaType: String
    var platform: String?
    var manifestDigest: String?
    var manifestMediaType: String?
  }

  func run() async throws {
    let ref = try RegistryOptions.parseReference(reference)
    let configuration = try registry.makeConfiguration()
    let client: RegistryClient
    do { client = try RegistryClient(configuration: configuration) } catch {
      FileHandle.standardError.write(Data("tailguard resolve: \(error)\n".utf8))
      throw ExitCode(2)
    }
    let outcome: Result<Output, RegistryError>
    do throws(RegistryError) {
      let top = try await client.fetchManifest(ref)
      var out = Output(
        reference: ref.description, digest: top.digest.description, mediaType: top.mediaType)
      if top.isIndex {
        guard let entry = top.select(platform: configuration.platform) else {
          throw RegistryError(
            .notFound, reference: ref.description,
            "no manifest for platform \(configuration.platform)")
        }
        out.platform = configuration.platform.description
        out.manifestDigest = entry.digest.description
        out.manifestMediaType = entry.mediaType
      } else {
        out.manifestDigest = top.digest.description
        out.manifestMediaType = top.mediaType
      }
      outcome = .success(out)
    } catch {
      outcome = .failure(error)
    }
    await client.shutdown()
    switch outcome {
    case .failure(let error):
      FileHandle.standardError.write(Data("tailguard resolve: \(error)\n".utf8))
      throw ExitCode(2)
    case .success(let out):
      if format == "json" {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(out)
        print(String(decoding: data, as: UTF8.self))
      } else {
        print(out.digest)
      }
    }
  }
}
