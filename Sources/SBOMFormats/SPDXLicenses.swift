import Foundation

/// A subset of the SPDX license list: the identifiers that package metadata in container images
/// commonly declares. A declared license in this set is written as an SPDX id; anything else
/// becomes a `LicenseRef-` (SPDX) or a license `name` (CycloneDX), never an invalid id.
enum SPDXLicenses {
  static let known: [String: String] = {
    let ids = [
      "0BSD", "AFL-2.1", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1",
      "Apache-2.0",
      "Artistic-1.0", "Artistic-1.0-Perl", "Artistic-2.0", "BlueOak-1.0.0", "BSD-1-Clause",
      "BSD-2-Clause", "BSD-3-Clause", "BSD-4-Clause", "BSL-1.0", "bzip2-1.0.6", "CC-BY-3.0",
      "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1", "CPL-1.0", "curl", "EPL-1.0",
      "EPL-2.0", "EUPL-1.2", "FTL", "GFDL-1.2-only", "GFDL-1.3-only", "GPL-1.0-only",
      "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
      "HPND", "ICU", "IJG", "ISC", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only",
      "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "Libpng", "libtiff", "MIT",
      "MIT-0", "MPL-1.1", "MPL-2.0", "MS-PL", "NCSA", "OpenSSL", "OFL-1.1", "PHP-3.01",
      "PostgreSQL",
      "PSF-2.0", "Python-2.0", "Ruby", "Sleepycat", "Unicode-DFS-2016", "Unlicense", "UPL-1.0",
      "Vim", "W3C", "WTFPL", "X11", "Zlib", "ZPL-2.1",
    ]
    var map: [String: String] = [:]
    for id in ids { map[id.lowercased()] = id }
    // Common deprecated or informal spellings.
    let aliases = [
      "gpl-2.0": "GPL-2.0-only", "gpl-2.0+": "GPL-2.0-or-later", "gpl-3.0": "GPL-3.0-only",
      "gpl-3.0+": "GPL-3.0-or-later", "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later",
      "lgpl-3.0": "LGPL-3.0-only", "lgpl-3.0+": "LGPL-3.0-or-later", "agpl-3.0": "AGPL-3.0-only",
      "apache 2.0": "Apache-2.0", "apache-2": "Apache-2.0", "apache license 2.0": "Apache-2.0",
      "apache software license": "Apache-2.0", "mit license": "MIT", "bsd": "BSD-3-Clause",
      "new bsd license": "BSD-3-Clause", "bsd license": "BSD-3-Clause", "isc license": "ISC",
      "psf": "PSF-2.0", "mpl 2.0": "MPL-2.0", "gplv2": "GPL-2.0-only", "gplv3": "GPL-3.0-only",
      "lgplv2+": "LGPL-2.0-or-later", "gplv2+": "GPL-2.0-or-later", "gplv3+": "GPL-3.0-or-later",
      "zlib": "Zlib", "public domain": "",
    ]
    for (k, v) in aliases where !v.isEmpty { map[k] = v }
    return map
  }()

  /// The SPDX id for a declared license string, or nil when it is not a known id.
  static func id(for declared: String) -> String? {
    known[declared.trimmingCharacters(in: .whitespaces).lowercased()]
  }

  /// A `LicenseRef-` id built from arbitrary text (letters, digits, `.` and `-` only).
  static func licenseRef(for declared: String) -> String {
    let cleaned = declared.unicodeScalars.map { scalar -> Character in
      let c = Character(scalar)
      return (c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-")) ? c : "-"
    }
    var text = String(cleaned)
    while text.contains("--") { text = text.replacingOccurrences(of: "--", with: "-") }
    text = text.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    return "LicenseRef-" + (text.isEmpty ? "unknown" : String(text.prefix(64)))
  }
}
