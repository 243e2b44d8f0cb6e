import ArgumentParser
import Foundation
import TailguardModel

#if REGISTRY_DEV
  import RegistryDev
#else
  import ImageSources
#endif

/// Registry flags shared by every command that reads images from a registry
/// (`resolve`, and `scan` / `sbom` / `inventory` through `@OptionGroup`).
struct RegistryOptions: ParsableArguments {
  @Option(
    name: .customLong("insecure-registry"),
    help: ArgumentHelp(
      "Use plain HTTP for this registry (host[:port]); loopback hosts only.", valueName: "host"))
  var insecureRegistries: [String] = []

  @Option(
    name: .customLong("ca-file"),
    help: "PEM file of CA certificates to trust in addition to the system store.")
  var caFile: String?

  @Option(
    name: .customLong("username"), help: "Registry user name (password from --password-stdin).")
  var username: String?

  @Flag(
    name: .customLong("password-stdin"),
    help: "Read the registry password (or token) from standard input.")
  var passwordStdin = false

  @Option(
    name: .customLong("platform"),
    help: "Platform to select from a multi-platform image: os/arch[/variant] (default linux/amd64).")
  var platform: String?

  /// The requested platform, nil when the user named none (sources then default to linux/amd64).
  func requestedPlatform() throws -> Platform? {
    guard let platform else { return nil }
    do { return try Platform(parsing: platform) } catch { throw ValidationError(error.message) }
  }

  func validate() throws {
    if passwordStdin, username == nil {
      throw ValidationError("--password-stdin needs --username")
    }
    if username != nil, !passwordStdin {
      throw ValidationError(
        "--username needs --password-stdin (passwords are never taken as arguments)")
    }
    _ = try requestedPlatform()
    for host in insecureRegistries where !RegistryClientConfiguration.isLoopback(host) {
      throw ValidationError(
        "--insecure-registry \(host): plain HTTP is allowed only for loopback registries")
    }
  }

  /// The client configuration; reads the password from stdin and `~/.docker/config.json`.
  func makeConfiguration() throws -> RegistryClientConfiguration {
    var credential: RegistryCredential?
    if let username, passwordStdin {
      var password = ""
      while let line = readLine(strippingNewline: true) {
        password += password.isEmpty ? line : "\n" + line
        if password.utf8.count > 64 * 1024 {
          throw ValidationError("password on stdin is longer than 64 KiB")
        }
      }
      guard !password.isEmpty else {
        throw ValidationError("--password-stdin: standard input is empty")
      }
      credential = .basic(username: username, password: password)
    }
    let dockerConfig = try DockerConfigCredentials.load(path: DockerConfigCredentials.defaultPath())
    return RegistryClientConfiguration(
      insecureRegistries: Set(insecureRegistries), caFile: caFile, credential: credential,
      dockerConfig: dockerConfig, platform: try requestedPlatform() ?? .linuxAMD64)
  }

  /// Parses `registry:REF` or a bare reference.
  static func parseReference(_ text: String) throws -> ImageReference {
    let bare = text.hasPrefix("registry:") ? String(text.dropFirst("registry:".count)) : text
    do { return try ImageReference(parsing: bare) } catch { throw ValidationError(error.message) }
  }
}
