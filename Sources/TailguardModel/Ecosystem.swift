/// The package ecosystem a component belongs to. The raw value is the purl type, which is also
/// how the JSON output spells it. Everything else about it is in its row of `Ecosystem.table` (`traits`).
public enum Ecosystem: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
  case deb, apk, rpm, pypi, npm, golang, cargo, maven, gem, nuget, composer, generic

  public static func < (a: Ecosystem, b: Ecosystem) -> Bool { a.rawValue < b.rawValue }

  /// True for packages managed by the operating system's package manager.
  public var isOperatingSystem: Bool { self == .deb || self == .apk || self == .rpm }

  /// OSV's ecosystem name for language ecosystems (distro ecosystems carry a release, see
  /// `Distro`): the `osvName` of this ecosystem's row in `Ecosystem.table`.
  public var osvName: String? { traits.osvName }
}
