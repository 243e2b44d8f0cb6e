import ByteFormats
import Foundation

/// What the client presents to a registry (or to its token server).
public enum RegistryCredential: Hashable, Sendable {
  case anonymous
  case basic(username: String, password: String)
  /// An OAuth2 refresh token (`identitytoken` in `~/.docker/config.json`), exchanged at the
  /// token realm with `grant_type=refresh_token`.
  case identityToken(String)

  /// `Authorization: Basic …` value for `.basic`.
  var basicHeader: String? {
    guard case .basic(let user, let password) = self else { return nil }
    return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
  }
}

/// Credentials read from a Docker CLI `config.json` (`auths`, base64 `auth`, `identitytoken`).
///
/// Credential helpers (`credsStore`, `credHelpers`) run external programs; they are not supported
/// yet and fail with a clear message rather than silently falling back to anonymous access.
public struct DockerConfigCredentials: Sendable {
  public struct Entry: Hashable, Sendable {
    public var credential: RegistryCredential
  }

  /// Keyed by the normalised registry host (`docker.io` for Docker Hub's many spellings).
  public var entries: [String: Entry]
  /// `credsStore` (applies to every registry without an entry of its own).
  public var credsStore: String?
  /// `credHelpers`: registry host → helper name.
  public var credHelpers: [String: String]
  public var path: String?

  public init(
    entries: [String: Entry] = [:], credsStore: String? = nil, credHelpers: [String: String] = [:],
    path: String? = nil
  ) {
    self.entries = entries
    self.credsStore = credsStore
    self.credHelpers = credHelpers
    self.path = path
  }

  /// The default location: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
  public static func defaultPath(
    environment: [String: String] = ProcessInfo.processInfo.environment
  )
    -> String
  {
    if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return dir + "/config.json" }
    let home = environment["HOME"] ?? NSHomeDirectory()
    return home + "/.docker/config.json"
  }

  /// The largest Docker config file `load` reads (1 MiB; real ones are a few KiB).
  public static let maxFileBytes = 1 << 20

  /// Loads the file; a missing file means no credentials (not an error).
  public static func load(path: String) throws(RegistryError) -> DockerConfigCredentials {
    guard FileManager.default.fileExists(atPath: path) else {
      return DockerConfigCredentials(path: path)
    }
    let data: [UInt8]
    do throws(ByteFormatError) {
      data = try BoundedFile.read(path: path, limit: maxFileBytes)
    } catch  where error.code == .limitExceeded {
      throw RegistryError(
        .limitExceeded, reference: path,
        "Docker config file larger than the limit of \(maxFileBytes) bytes")
    } catch {
      throw RegistryError(
        .configuration, reference: path, "cannot read Docker config file: \(error.message)")
    }
    return try DockerConfigCredentials(parsing: Data(data), path: path)
  }

  public init(parsing data: Data, path: String? = nil) throws(RegistryError) {
    struct Raw: Decodable {
      struct Auth: Decodable {
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?
      }
      var auths: [String: Auth]?
      var credsStore: String?
      var credHelpers: [String: String]?
    }
    let raw: Raw
    do { raw = try JSONDecoder().decode(Raw.self, from: data) } catch {
      throw RegistryError(
        .configuration, reference: path ?? "", "Docker config is not valid JSON: \(error)")
    }
    var entries: [String: Entry] = [:]
    for (key, value) in raw.auths ?? [:] {
      let host = Self.normalizeHost(key)
      if let token = value.identitytoken, !token.isEmpty {
        entries[host] = Entry(credential: .identityToken(token))
      } else if let auth = value.auth, !auth.isEmpty {
        guard let decoded = Data(base64Encoded: auth),
          let text = String(data: decoded, encoding: .utf8),
          let colon = text.firstIndex(of: ":")
        else {
          throw RegistryError(
            .configuration, reference: path ?? "",
            "auths[\"\(key.prefix(100))\"].auth is not base64 of user:password")
        }
        entries[host] = Entry(
          credential: .basic(
            username: String(text[..<colon]), password: String(text[text.index(after: colon)...])))
      } else if let user = value.username, let password = value.password {
        entries[host] = Entry(credential: .basic(username: user, password: password))
      }
    }
    self.init(
      entries: entries, credsStore: raw.credsStore.flatMap { $0.isEmpty ? nil : $0 },
      credHelpers: raw.credHelpers ?? [:], path: path)
  }

  /// The credential for a registry host (as in `ImageReference.registry`), anonymous when the
  /// file has none; throws when the file delegates that registry to a credential helper.
  public func credential(forRegistry registry: String) throws(RegistryError) -> RegistryCredential {
    let host = Self.normalizeHost(registry)
    if let helper = credHelpers.first(where: { Self.normalizeHost($0.key) == host })?.value {
      throw RegistryError(
        .configuration, reference: registry,
        "credential helpers are not supported yet (credHelpers uses docker-credential-\(helper) for this registry in \(path ?? "config.json")); use --username/--password-stdin"
      )
    }
    if let entry = entries[host] { return entry.credential }
    if let store = credsStore {
      throw RegistryError(
        .configuration, reference: registry,
        "credential helpers are not supported yet (credsStore '\(store)' in \(path ?? "config.json")); use --username/--password-stdin"
      )
    }
    return .anonymous
  }

  /// `https://index.docker.io/v1/`, `registry-1.docker.io` and `docker.io` are one registry;
  /// other keys may carry a scheme and a path.
  public static func normalizeHost(_ key: String) -> String {
    var s = Substring(key)
    if let r = s.range(of: "://") { s = s[r.upperBound...] }
    if let slash = s.firstIndex(of: "/") { s = s[..<slash] }
    let host = s.lowercased()
    switch host {
    case "index.docker.io", "registry-1.docker.io", "docker.io", "registry.hub.docker.com":
      return "docker.io"
    default: return host
    }
  }
}
