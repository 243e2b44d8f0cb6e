import Catalogers
import Foundation
import ImageSources
import TailguardModel

/// How to reach registries, as plain values a command line or a server configuration gives:
/// the pipeline turns them into the registry client's configuration (with the user's
/// `~/.docker/config.json` credentials), so callers need not know the registry client.
public struct RegistrySettings: Sendable, Hashable {
  /// Hosts (host[:port]) reached over plain HTTP; loopback hosts only.
  public var insecureRegistries: [String]
  /// PEM file of CA certificates trusted in addition to the system store.
  public var caFile: String?
  /// Basic credentials given explicitly (the password never comes from an argument).
  public var username: String?
  public var password: String?
  /// `os/arch[/variant]` to select from a multi-platform index; nil: linux/amd64.
  public var platform: String?

  public init(
    insecureRegistries: [String] = [], caFile: String? = nil, username: String? = nil,
    password: String? = nil, platform: String? = nil
  ) {
    self.insecureRegistries = insecureRegistries
    self.caFile = caFile
    self.username = username
    self.password = password
    self.platform = platform
  }

  /// The requested platform, nil when none was named (sources then default to linux/amd64).
  public func requestedPlatform() throws(ScannerError) -> Platform? {
    guard let platform else { return nil }
    do { return try Platform(parsing: platform) } catch {
      throw ScannerError(.usage, error.message)
    }
  }

  /// Refuses settings that are wrong before any registry is asked (usage errors).
  public func validate() throws(ScannerError) {
    _ = try requestedPlatform()
    for host in insecureRegistries where !RegistryClientConfiguration.isLoopback(host) {
      throw ScannerError(
        .usage, "--insecure-registry \(host): plain HTTP is allowed only for loopback registries")
    }
  }

  /// The registry client's configuration; reads `~/.docker/config.json`.
  public func configuration() throws -> RegistryClientConfiguration {
    let credential = username.flatMap { u in
      password.map { RegistryCredential.basic(username: u, password: $0) }
    }
    let dockerConfig = try DockerConfigCredentials.load(path: DockerConfigCredentials.defaultPath())
    return RegistryClientConfiguration(
      insecureRegistries: Set(insecureRegistries), caFile: caFile, credential: credential,
      dockerConfig: dockerConfig, platform: try requestedPlatform() ?? .linuxAMD64)
  }
}

extension ScanOptions {
  /// Options from plain settings: the platform and registry client from `registry`, whether
  /// language packages an OS package owns are kept (`allEcosystems`), the base image.
  public init(
    registry: RegistrySettings, allEcosystems: Bool = false, baseImage: String? = nil,
    progress: (@Sendable (String) -> Void)? = nil
  ) throws {
    self.init(
      platform: try registry.requestedPlatform(),
      catalog: CatalogOptions(allEcosystems: allEcosystems), baseImage: baseImage,
      progress: progress)
    self.registry = try registry.configuration()
  }
}
