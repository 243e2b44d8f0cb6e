import Foundation
import TailguardModel

/// Everything the registry client needs to know that is not in the reference itself.
public struct RegistryClientConfiguration: Sendable {
  /// Hosts (`host[:port]`) reached over plain HTTP. Only loopback hosts are accepted (see
  /// `validate()`): plain HTTP to a real registry would expose credentials and images.
  public var insecureRegistries: Set<String>
  /// A PEM file of extra CA certificates trusted in addition to the system store.
  public var caFile: String?
  /// Explicit credentials (from `--username/--password-stdin`); they win over `dockerConfig`.
  public var credential: RegistryCredential?
  public var dockerConfig: DockerConfigCredentials?
  public var platform: Platform
  public var retry: RetryPolicy
  public var connectTimeout: Duration
  /// Longest silence while reading a response (a stalled body counts as a dropped connection).
  public var readTimeout: Duration
  /// Deadline for one small request (ping, manifest, token, tag page).
  public var requestTimeout: Duration
  /// Largest blob read into memory (configs, referrer manifests); layers are streamed.
  public var maxInMemoryBlob: Int
  public var userAgent: String

  public init(
    insecureRegistries: Set<String> = [], caFile: String? = nil,
    credential: RegistryCredential? = nil,
    dockerConfig: DockerConfigCredentials? = nil, platform: Platform = .linuxAMD64,
    retry: RetryPolicy = RetryPolicy(), connectTimeout: Duration = .seconds(10),
    readTimeout: Duration = .seconds(30), requestTimeout: Duration = .seconds(60),
    maxInMemoryBlob: Int = 16 * 1024 * 1024, userAgent: String = "tailguard/0.1"
  ) {
    self.insecureRegistries = insecureRegistries
    self.caFile = caFile
    self.credential = credential
    self.dockerConfig = dockerConfig
    self.platform = platform
    self.retry = retry
    self.connectTimeout = connectTimeout
    self.readTimeout = readTimeout
    self.requestTimeout = requestTimeout
    self.maxInMemoryBlob = maxInMemoryBlob
    self.userAgent = userAgent
  }

  /// Refuses `--insecure-registry` for anything but a loopback host and a CA file that does not exist.
  public func validate() throws(RegistryError) {
    for host in insecureRegistries where !Self.isLoopback(host) {
      throw RegistryError(
        .configuration, reference: host,
        "--insecure-registry is allowed only for loopback registries (localhost, 127.0.0.0/8, [::1])"
      )
    }
    if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
      throw RegistryError(.configuration, reference: caFile, "--ca-file is not a readable file")
    }
  }

  /// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
  public static func isLoopback(_ hostPort: String) -> Bool {
    var host = Substring(hostPort.lowercased())
    if host.hasPrefix("[") {
      guard let close = host.firstIndex(of: "]") else { return false }
      return host[host.index(after: host.startIndex)..<close] == "::1"
    }
    if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
    if host == "localhost" { return true }
    let octets = host.split(separator: ".", omittingEmptySubsequences: false)
    return octets.count == 4 && octets[0] == "127"
      && octets.allSatisfy { o in !o.isEmpty && o.count <= 3 && UInt8(o) != nil }
  }

  /// The credential for a registry: explicit, else the Docker config's, else anonymous.
  public func credential(forRegistry registry: String) throws(RegistryError) -> RegistryCredential {
    if let credential { return credential }
    if let dockerConfig { return try dockerConfig.credential(forRegistry: registry) }
    return .anonymous
  }
}
