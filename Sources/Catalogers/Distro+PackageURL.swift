import TailguardModel

extension Distro {
  /// The purl `distro` qualifier: `debian-12`, `alpine-3.10.4`, `rhel-8.9`; the bare id when the
  /// release has no version (Debian sid, Arch). Matching uses it to pick the distro's advisories.
  var purlQualifier: String {
    guard let versionID, !versionID.isEmpty else { return id }
    return "\(id)-\(versionID)"
  }

  /// The purl namespace of rpm packages: the vendor's short name as the purl spec examples and
  /// other scanners spell it (`redhat`, `fedora`, `suse`, `mariner`, …).
  var rpmNamespace: String {
    switch id {
    case "rhel", "redhat": "redhat"
    case "sles", "sled", "sles_sap", "suse": "suse"
    case "opensuse", "opensuse-leap", "opensuse-tumbleweed", "opensuse-microos": "opensuse"
    case "ol", "oracle": "oracle"
    case "amzn": "amazon"
    case "azurelinux": "azurelinux"
    default: id
    }
  }
}

/// Vendor-based fallbacks for rpm packages scanned without a known distro.
enum DistroVendorNamespace {
  static func rpmNamespace(vendor: String?) -> String? {
    guard let v = vendor?.lowercased(), !v.isEmpty else { return nil }
    let table: [(String, String)] = [
      ("red hat", "redhat"), ("centos", "centos"), ("fedora", "fedora"), ("suse", "suse"),
      ("microsoft", "mariner"), ("amazon", "amazon"), ("oracle", "oracle"), ("rocky", "rocky"),
      ("almalinux", "almalinux"), ("vmware", "photon"),
    ]
    return table.first { v.contains($0.0) }?.1
  }
}
