import Foundation

/// Facts about notable files in an image that policy packs need but that the SBOM does not
/// carry: which shells and package managers are present (distroless posture) and how OpenSSL's
/// FIPS provider is configured.
///
/// Policy does not depend on FileTrees; the Scanner fills this value from its `FileResolver`
/// through `collect(exists:read:)`, checking the fixed list `PolicyFileFacts.checkedPaths`
/// (paths without a leading slash, resolved through symlinks as the container would see them).
public struct PolicyFileFacts: Hashable, Sendable, Codable {
  /// What a notable path is evidence of.
  public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
    case shell
    case packageManager = "package-manager"
    case opensslConfig = "openssl-config"
    case fipsModuleConfig = "fips-module-config"
    case fipsProvider = "fips-provider"
  }

  /// A path that was checked and found.
  public struct Entry: Hashable, Sendable, Codable, Comparable {
    public var path: String
    public var kind: Kind
    public init(path: String, kind: Kind) {
      self.path = path
      self.kind = kind
    }
    public static func < (a: Entry, b: Entry) -> Bool { a.path < b.path }
  }

  /// What OpenSSL 3 configuration says about the FIPS provider.
  public struct OpenSSLFIPS: Hashable, Sendable, Codable {
    /// An `openssl.cnf` that `.include`s a `fipsmodule.cnf` (or defines `fips = <section>`).
    public var includesFIPSModule: Bool
    /// A `[provider_sect]` entry `fips = …` whose section has `activate = 1`.
    public var fipsProviderActivated: Bool
    /// `default_properties = fips=yes` (every algorithm fetch must come from the FIPS provider).
    public var defaultPropertiesFIPS: Bool
    public init(
      includesFIPSModule: Bool = false, fipsProviderActivated: Bool = false,
      defaultPropertiesFIPS: Bool = false
    ) {
      self.includesFIPSModule = includesFIPSModule
      self.fipsProviderActivated = fipsProviderActivated
      self.defaultPropertiesFIPS = defaultPropertiesFIPS
    }
  }

  /// Every checked path that exists, sorted by path.
  public var present: [Entry]
  public var openssl: OpenSSLFIPS

  public init(present: [Entry] = [], openssl: OpenSSLFIPS = OpenSSLFIPS()) {
    self.present = present.sorted()
    self.openssl = openssl
  }

  /// Largest configuration file read for content flags.
  public static let maxConfigBytes = 1 << 20

  /// The paths to check, with what each is evidence of. Usr-merged images reach `bin/…`
  /// through the `bin → usr/bin` symlink, so both spellings are listed.
  public static let checkedPaths: [Entry] = {
    var out: [Entry] = []
    let shells = ["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox", "csh", "tcsh"]
    for dir in ["bin", "usr/bin"] {
      for s in shells { out.append(Entry(path: "\(dir)/\(s)", kind: .shell)) }
    }
    let managers = [
      "usr/bin/apt", "usr/bin/apt-get", "usr/bin/dpkg", "bin/dpkg", "sbin/apk", "usr/sbin/apk",
      "bin/apk", "usr/bin/yum", "usr/bin/dnf", "usr/bin/microdnf", "usr/bin/tdnf",
      "usr/bin/rpm", "bin/rpm", "usr/bin/zypper", "usr/bin/pip", "usr/bin/pip3",
      "usr/local/bin/pip", "usr/local/bin/pip3",
    ]
    for m in managers { out.append(Entry(path: m, kind: .packageManager)) }
    for d in sslDirectories {
      out.append(Entry(path: "\(d)/openssl.cnf", kind: .opensslConfig))
      out.append(Entry(path: "\(d)/fipsmodule.cnf", kind: .fipsModuleConfig))
    }
    for lib in [
      "usr/lib/x86_64-linux-gnu", "usr/lib/aarch64-linux-gnu", "usr/lib64", "usr/lib",
      "usr/local/lib64", "usr/local/lib",
    ] {
      out.append(Entry(path: "\(lib)/ossl-modules/fips.so", kind: .fipsProvider))
    }
    return out
  }()

  /// Paths whose contents `collect` reads: the Scanner must capture these during the layer
  /// walk (a `FileSelector` of exact paths), since a `FileResolver` only has contents of
  /// captured files.
  public static var contentPaths: [String] {
    checkedPaths.filter { $0.kind == .opensslConfig }.map(\.path)
  }

  /// Where distributions keep OpenSSL's configuration.
  static let sslDirectories = [
    "etc/ssl", "usr/lib/ssl", "etc/pki/tls", "usr/local/ssl", "usr/local/etc/ssl",
  ]

  /// Checks every path of `checkedPaths` with `exists`, and reads the OpenSSL configuration
  /// files that exist with `read` (which returns at most `maxConfigBytes` of text, or nil).
  public static func collect(
    exists: (String) throws -> Bool, read: (String) throws -> String?
  ) rethrows -> PolicyFileFacts {
    var present: [Entry] = []
    var flags = OpenSSLFIPS()
    for entry in checkedPaths where try exists(entry.path) {
      present.append(entry)
      guard entry.kind == .opensslConfig, let text = try read(entry.path) else { continue }
      let f = analyzeOpenSSLConfig(String(text.prefix(maxConfigBytes)))
      flags.includesFIPSModule = flags.includesFIPSModule || f.includesFIPSModule
      flags.fipsProviderActivated = flags.fipsProviderActivated || f.fipsProviderActivated
      flags.defaultPropertiesFIPS = flags.defaultPropertiesFIPS || f.defaultPropertiesFIPS
    }
    return PolicyFileFacts(present: present, openssl: flags)
  }

  /// Reads the flags from one `openssl.cnf` (OpenSSL 3 config syntax: `[section]`,
  /// `key = value`, `#` comments, `.include path`). Only the FIPS-relevant parts are read.
  public static func analyzeOpenSSLConfig(_ text: String) -> OpenSSLFIPS {
    var out = OpenSSLFIPS()
    var section = ""
    var sections: [String: [(String, String)]] = [:]
    for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).prefix(100_000) {
      var line = raw.trimmingCharacters(in: .whitespaces)
      if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
      line = line.trimmingCharacters(in: .whitespaces)
      if line.isEmpty { continue }
      if line.hasPrefix(".include") || line.hasPrefix(".import") {
        if line.lowercased().contains("fipsmodule.cnf") { out.includesFIPSModule = true }
        continue
      }
      if line.hasPrefix("[") && line.hasSuffix("]") {
        section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        continue
      }
      guard let eq = line.firstIndex(of: "=") else { continue }
      let key = line[..<eq].trimmingCharacters(in: .whitespaces)
      let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
      sections[section, default: []].append((key, value))
      if key == "default_properties",
        value.replacingOccurrences(of: " ", with: "").lowercased().contains("fips=yes")
      {
        out.defaultPropertiesFIPS = true
      }
    }
    // The provider section is named by `providers = …` in the init section; any section that
    // maps `fips` to a section whose `activate` is 1 counts.
    for (_, entries) in sections {
      for (key, value) in entries where key == "fips" {
        out.includesFIPSModule = true
        let target = sections[value] ?? []
        if target.contains(where: { $0.0 == "activate" && ["1", "yes", "true"].contains($0.1) }) {
          out.fipsProviderActivated = true
        }
      }
    }
    return out
  }
}
