import ArgumentParser
import Foundation
import Scanner

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
    help: "Platform to select from a multi-platform image: os/arch[/variant] (default linux/amd64)."
  )
  var platform: String?

  func validate() throws {
    if passwordStdin, username == nil {
      throw ValidationError("--password-stdin needs --username")
    }
    if username != nil, !passwordStdin {
      throw ValidationError(
        "--username needs --password-stdin (passwords are never taken as arguments)")
    }
    do { try unvalidatedSettings.validate() } catch { throw ValidationError(error.message) }
  }

  private var unvalidatedSettings: RegistrySettings {
    RegistrySettings(
      insecureRegistries: insecureRegistries, caFile: caFile, username: username,
      platform: platform)
  }

  /// The settings the pipeline takes; reads the password from stdin when asked to.
  func settings() throws -> RegistrySettings {
    var settings = unvalidatedSettings
    if username != nil, passwordStdin {
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
      settings.password = password
    }
    return settings
  }
}
