import TailguardModel

/// Maps an image's os-release to the OSV ecosystems that describe its packages. OS packages
/// are matched against their own release only (precision first: Debian 12's data judges a
/// Debian 12 package, not Debian 11's nor PyPI's).
public enum DistroEcosystems {
  /// OSV ecosystem strings to query, most specific first; empty when the distro has none.
  public static func osvEcosystems(for distro: Distro) -> [String] {
    let version = distro.versionID ?? ""
    let parts = version.split(separator: ".").map(String.init)
    let major = parts.first ?? ""
    let majorMinor = parts.count >= 2 ? parts[0] + "." + parts[1] : major
    switch distro.id.lowercased() {
    case "debian":
      return major.isEmpty ? [] : ["Debian:\(major)"]
    case "ubuntu":
      return majorMinor.isEmpty ? [] : ["Ubuntu:\(majorMinor):LTS", "Ubuntu:\(majorMinor)"]
    case "alpine":
      return majorMinor.isEmpty ? [] : ["Alpine:v\(majorMinor)"]
    case "rocky":
      return major.isEmpty ? [] : ["Rocky Linux:\(major)"]
    case "almalinux", "alma":
      return major.isEmpty ? [] : ["AlmaLinux:\(major)"]
    case "wolfi":
      return ["Wolfi"]
    case "chainguard":
      return ["Chainguard"]
    case "mageia":
      return major.isEmpty ? [] : ["Mageia:\(major)"]
    case "opensuse-leap":
      return version.isEmpty ? [] : ["openSUSE:Leap \(version)"]
    default:
      return []
    }
  }
}
