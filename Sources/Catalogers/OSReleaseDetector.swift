import ByteFormats
import FileTrees
import TailguardModel

/// Finds the operating system release of an image. The scanner runs it before the catalogers
/// because purls (`distro=debian-12`) and advisory matching depend on the release.
///
/// Sources, in order: `etc/os-release`, `usr/lib/os-release` (the systemd spec's fallback),
/// then the older release files when os-release is absent or has no ID: `etc/redhat-release`
/// (`CentOS release 5.7 (Final)`), `etc/system-release-cpe` (`cpe:/o:centos:linux:6:GA`),
/// `etc/alpine-release`, `etc/debian_version`, and BusyBox's version string. Debian's
/// os-release has no VERSION_ID on distroless and testing images; `etc/debian_version` fills it.
public struct OSReleaseDetector: Sendable {
  public static let osReleasePaths = ["etc/os-release", "usr/lib/os-release"]
  static let maxReleaseFileSize = 64 << 10

  /// Files to capture during the walk (small text files, plus BusyBox for busybox-only images).
  public static let selectors: [FileSelector] =
    (osReleasePaths + [
      "etc/redhat-release", "etc/system-release-cpe", "etc/alpine-release", "etc/debian_version",
    ])
    .map { FileSelector(.path($0), maxSize: Int64(maxReleaseFileSize)) }
    + [FileSelector(.path("bin/busybox"), maxSize: 8 << 20)]

  /// Files that show an OS package database is present.
  static let packageDatabases =
    [
      "var/lib/dpkg/status", "var/lib/dpkg/status.d", ApkCataloger.databasePath,
      ApkCataloger.mergedDatabasePath,
    ]
    + RpmCataloger.directories.flatMap { dir in RpmDatabaseFormat.allCases.map { dir + $0.fileName }
    }
  /// Package manager front ends; their absence (with no shell) marks a distroless image.
  static let packageManagers = [
    "usr/bin/dpkg", "usr/bin/apt", "usr/bin/apt-get", "sbin/apk", "usr/bin/apk", "bin/rpm",
    "usr/bin/rpm",
    "usr/bin/dnf", "usr/bin/yum", "usr/bin/microdnf", "usr/bin/tdnf", "usr/bin/zypper",
  ]
  static let shells = ["bin/sh", "usr/bin/sh", "bin/bash", "bin/ash", "bin/busybox"]

  public init() {}

  /// The release, or nil when no release file is recognised, and diagnostics for files that
  /// were present but unreadable.
  public func detect(_ resolver: any FileResolver) -> (distro: Distro?, diagnostics: [Diagnostic]) {
    var diagnostics: [Diagnostic] = []
    func text(_ path: String) -> String? {
      guard let source = resolver.contents(at: path) else { return nil }
      do {
        return String(decoding: try source.readAll(limit: Self.maxReleaseFileSize), as: UTF8.self)
      } catch {
        diagnostics.append(
          Diagnostic(
            .warning, code: "os-release.unreadable", "\(error)", source: "os-release", path: path))
        return nil
      }
    }

    var distro: Distro?
    var fallbackFields: [String: String]?
    for path in Self.osReleasePaths {
      guard let content = text(path) else { continue }
      let fields = Self.parseOSRelease(content)
      if let d = Self.distro(fromOSRelease: fields) {
        distro = d
        break
      }
      if !fields.isEmpty, fallbackFields == nil { fallbackFields = fields }
    }
    if distro == nil, let content = text("etc/redhat-release") {
      distro = Self.distro(fromRedHatRelease: content)
    }
    if distro == nil, let content = text("etc/system-release-cpe") {
      distro = Self.distro(fromCPE: content)
    }
    if distro == nil, let content = text("etc/alpine-release") {
      let version = DpkgControlParser.trim(
        content.split(whereSeparator: \.isNewline).first.map(String.init) ?? "")
      if !version.isEmpty { distro = Distro(id: "alpine", versionID: version) }
    }
    if let content = text("etc/debian_version") {
      let line = DpkgControlParser.trim(
        content.split(whereSeparator: \.isNewline).first.map(String.init) ?? "")
      if distro == nil, !line.isEmpty {
        distro = Distro(id: "debian", versionID: Self.debianMajor(line))
      } else if var d = distro, d.id == "debian", d.versionID == nil,
        let major = Self.debianMajor(line)
      {
        d.versionID = major
        distro = d
      }
    }
    if distro == nil, let source = resolver.contents(at: "bin/busybox"),
      let version = Self.busyBoxVersion(source)
    {
      distro = Distro(id: "busybox", versionID: version, prettyName: "BusyBox v\(version)")
    }
    if distro == nil, let fields = fallbackFields {
      // os-release without ID: the closest family (ID_LIKE) is better than nothing.
      if let like = fields["ID_LIKE"]?.split(separator: " ").first {
        distro = Distro(
          id: String(like).lowercased(), versionID: fields["VERSION_ID"],
          versionCodename: fields["VERSION_CODENAME"],
          prettyName: fields["PRETTY_NAME"] ?? fields["NAME"], idLike: [])
        diagnostics.append(
          Diagnostic(
            .info, code: "os-release.no-id", "os-release has no ID; using ID_LIKE '\(like)'",
            source: "os-release"))
      }
    }
    if var d = distro {
      d.distroless = Self.isDistroless(resolver)
      distro = d
    }
    return (distro, diagnostics)
  }

  /// True when an OS package database is present but neither a shell nor a package manager.
  public static func isDistroless(_ resolver: any FileResolver) -> Bool {
    let hasDatabase = packageDatabases.contains {
      resolver.entry(at: $0) != nil || resolver.resolve($0) != nil
    }
    guard hasDatabase else { return false }
    let present = { (path: String) in resolver.resolve(path) != nil }
    return !shells.contains(where: present) && !packageManagers.contains(where: present)
  }

  /// os-release is a shell-compatible `KEY=value` file (freedesktop os-release(5)): values may
  /// be double- or single-quoted with backslash escapes; `#` lines are comments.
  public static func parseOSRelease(_ text: String) -> [String: String] {
    var out: [String: String] = [:]
    for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).prefix(
      1000)
    {
      let line = DpkgControlParser.trim(String(rawLine))
      guard !line.isEmpty, !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
      let key = String(line[..<eq]).trimmingSpaces()
      guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
        continue
      }
      var value = Substring(line[line.index(after: eq)...])
      if let q = value.first, q == "\"" || q == "'" {
        value = value.dropFirst()
        var result = ""
        var escaped = false
        for c in value {
          if escaped {
            result.append(c)
            escaped = false
          } else if c == "\\" && q == "\"" {
            escaped = true
          } else if c == q {
            break
          } else {
            result.append(c)
          }
        }
        out[key] = result
      } else {
        out[key] = String(value)
      }
    }
    return out
  }

  static func distro(fromOSRelease fields: [String: String]) -> Distro? {
    guard let id = fields["ID"]?.lowercased(), !id.isEmpty else { return nil }
    return Distro(
      id: id, versionID: fields["VERSION_ID"].flatMap { $0.isEmpty ? nil : $0 },
      versionCodename: fields["VERSION_CODENAME"].flatMap { $0.isEmpty ? nil : $0 },
      prettyName: fields["PRETTY_NAME"] ?? fields["NAME"],
      idLike: (fields["ID_LIKE"] ?? "").split(separator: " ").map { String($0).lowercased() })
  }

  /// `<Name> release <version> (<codename>)`, as CentOS, RHEL, Rocky, Alma and Scientific write it.
  static func distro(fromRedHatRelease text: String) -> Distro? {
    let line = DpkgControlParser.trim(
      text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "")
    guard let range = line.range(of: " release ") else { return nil }
    let name = String(line[..<range.lowerBound])
    let rest = line[range.upperBound...]
    let version = String(rest.prefix { $0.isNumber || $0 == "." })
    guard !version.isEmpty else { return nil }
    var codename: String?
    if let open = rest.firstIndex(of: "("), let close = rest.firstIndex(of: ")"), open < close {
      codename = String(rest[rest.index(after: open)..<close])
    }
    let lower = name.lowercased()
    let table: [(String, String)] = [
      ("red hat", "rhel"), ("centos", "centos"), ("rocky", "rocky"), ("almalinux", "almalinux"),
      ("scientific", "scientific"), ("fedora", "fedora"), ("oracle", "ol"), ("amazon", "amzn"),
    ]
    let id =
      table.first { lower.contains($0.0) }?.1 ?? lower.split(separator: " ").first.map(String.init)
      ?? lower
    return Distro(id: id, versionID: version, versionCodename: codename, prettyName: line)
  }

  /// `cpe:/o:VENDOR:PRODUCT:VERSION[:…]` (CPE 2.2 URI form, as in `system-release-cpe`).
  static func distro(fromCPE text: String) -> Distro? {
    let line = DpkgControlParser.trim(
      text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "")
    let parts = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard parts.count >= 5, parts[0] == "cpe", parts[1] == "/o", let first = parts[4].first,
      first.isNumber
    else {
      return nil
    }
    let vendor = parts[2].lowercased()
    let id = vendor == "redhat" ? "rhel" : vendor
    return Distro(id: id, versionID: parts[4], prettyName: line)
  }

  /// `12.4` → `12`; `bookworm/sid` → nil (testing has no number).
  static func debianMajor(_ line: String) -> String? {
    let major = String(line.prefix { $0.isNumber })
    return major.isEmpty ? nil : major
  }

  /// Finds `BusyBox v1.36.1` in the first 8 MiB of the binary.
  static func busyBoxVersion(_ source: any ByteSource) -> String? {
    guard let bytes = try? source.read(at: 0, length: 8 << 20) else { return nil }
    let needle = Array("BusyBox v".utf8)
    guard bytes.count >= needle.count else { return nil }
    var i = 0
    while i + needle.count <= bytes.count {
      if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) {
        var j = i + needle.count
        var version: [UInt8] = []
        while j < bytes.count, version.count < 32,
          (0x30...0x39).contains(bytes[j]) || bytes[j] == 0x2E
        {
          version.append(bytes[j])
          j += 1
        }
        if !version.isEmpty { return String(decoding: version, as: UTF8.self) }
      }
      i += 1
    }
    return nil
  }
}

extension String {
  fileprivate func trimmingSpaces() -> String { DpkgControlParser.trim(self) }
}
