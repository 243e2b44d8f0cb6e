import Advisories
import ByteFormats
import Foundation
import Remediation
import Scanner
import TailguardTesting

/// Real Debian 12 packages from `../shared/data/debs`, the advisories a Debian feed would give
/// for them (derived here from each package's own changelog.Debian.gz), and test images with
/// the older revisions installed.
enum DebFixtures {
  static let debs = SharedData.path("debs")

  /// Binary package → (source package, installed old revision, newest revision's file).
  static let packages: [(name: String, source: String, old: String, newestFile: String)] = [
    ("libexpat1", "expat", "2.5.0-1+deb12u2", "libexpat1_2.5.0-1+deb12u5_amd64.deb"),
    ("libssl3", "openssl", "3.0.17-1~deb12u2", "libssl3_3.0.22-1~deb12u2_amd64.deb"),
    ("zlib1g", "zlib", "1:1.2.13.dfsg-1", "zlib1g_1%3a1.2.13.dfsg-1+deb12u1_amd64.deb"),
  ]

  static func deb(_ file: String) throws -> DebPackage {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: debs + "/" + file)))
    return try DebPackage(parsing: bytes, what: file)
  }

  static func index() throws -> DebianPackageIndex {
    try DebianPackageIndex(
      parsing: [UInt8](try Data(contentsOf: URL(fileURLWithPath: debs + "/Packages"))),
      path: "Packages")
  }

  /// The file of `name` at `version` in the index.
  static func file(_ name: String, _ version: String) throws -> String {
    let entry = try index().entries.first { $0.name == name && $0.version == version }
    guard let entry else { throw FixtureError("no \(name) \(version) in the index") }
    return String(entry.filename.dropFirst(2))
  }

  /// CVE → the first revision whose changelog entry names it, from the newest package's
  /// changelog.Debian.gz (the Debian security tracker's "fixed in" for that release).
  static func fixedIn(_ newestFile: String, name: String) throws -> [String: String] {
    let pkg = try deb(newestFile)
    guard
      let gz = pkg.files.first(where: {
        $0.entry.path == "usr/share/doc/\(name)/changelog.Debian.gz"
      })
    else { throw FixtureError("\(newestFile) has no changelog.Debian.gz") }
    let text = String(decoding: try Inflater.inflate(gz.data, mode: .gzip), as: UTF8.self)
    var fixed: [String: String] = [:]
    var current: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if let first = line.first, first != " ", let open = line.firstIndex(of: "("),
        let close = line.firstIndex(of: ")")
      {
        current = String(line[line.index(after: open)..<close])
        continue
      }
      guard let version = current else { continue }
      for m in line.matches(of: /CVE-\d{4}-\d{4,}/) {
        let id = String(m.output)
        // Walking newest to oldest: the last revision seen is the first that fixed it.
        fixed[id] = version
      }
    }
    return fixed
  }

  /// OSV records (`Debian:12`, keyed by source package) for every CVE of the three packages.
  static func writeAdvisories(to db: String, scratch: String) throws -> [String: [String: String]] {
    var all: [String: [String: String]] = [:]
    var paths: [String] = []
    for p in packages {
      let fixed = try fixedIn(p.newestFile, name: p.name)
      all[p.name] = fixed
      for (cve, version) in fixed {
        let record: [String: Any] = [
          "schema_version": "1.6.0", "id": "DEBIAN-\(cve)", "aliases": [cve],
          "modified": "2026-12-07T00:00:00Z", "summary": "\(p.source): \(cve)",
          "affected": [
            [
              "package": ["ecosystem": "Debian:12", "name": p.source],
              "ranges": [
                ["type": "ECOSYSTEM", "events": [["introduced": "0"], ["fixed": version]]]
              ],
            ]
          ],
        ]
        let path = "\(scratch)/DEBIAN-\(cve).json"
        try Data(ImageBuilder.json(record)).write(to: URL(fileURLWithPath: path))
        paths.append(path)
      }
    }
    let store = try SQLiteAdvisoryStore(path: db)
    try store.write(AdvisoryImporter().load(paths: paths))
    return all
  }

  /// Which image database style to build.
  enum Style { case distroless, full }

  /// An OCI layout tagged `old` with the old revisions installed on a merged-/usr Debian 12
  /// root (`lib` → `usr/lib`), recorded in `status.d/` or in the real minbase `status` file.
  static func writeImage(at dir: String, style: Style) throws {
    var builder = ImageBuilder(layers: [
      .init(try rootTar(style: style), compression: .gzip, createdBy: "debootstrap + old revisions")
    ])
    builder.labels = [:]
    _ = try builder.writeOCILayout(at: dir, tag: "old")
  }

  /// The installed revision of each package: `old`, or the newest the shared data has.
  static func newest(_ name: String) throws -> String {
    let p = packages.first { $0.name == name }!
    let entry = try index().entries.first { "./" + p.newestFile == $0.filename }
    guard let entry else { throw FixtureError("\(p.newestFile) is not in the index") }
    return entry.version
  }

  /// The root file system layer: a merged-/usr Debian 12 root with each package at
  /// `version(name)` (default: the old revisions).
  static func rootTar(
    style: Style,
    version: (String) throws -> String = { name in
      packages.first { $0.name == name }!.old
    }
  ) throws -> [UInt8] {
    var tar = TarBuilder()
    tar.file(
      "etc/os-release",
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n"
    )
    tar.directory("usr")
    tar.directory("usr/lib")
    tar.directory("usr/lib/x86_64-linux-gnu")
    tar.directory("usr/share")
    tar.directory("usr/share/doc")
    tar.symlink("lib", to: "usr/lib")
    tar.directory("var")
    tar.directory("var/lib")
    tar.directory("var/lib/dpkg")
    let minbase = [UInt8](
      try Data(
        contentsOf: URL(
          fileURLWithPath: SharedData.path("pkgdb/debian-bookworm-minbase/var/lib/dpkg/status"))))
    var paragraphs = String(decoding: minbase, as: UTF8.self).components(separatedBy: "\n\n")
      .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    let libc = paragraphs.first { $0.hasPrefix("Package: libc6\n") } ?? ""
    if style == .distroless {
      tar.directory("var/lib/dpkg/status.d")
      tar.file(
        "var/lib/dpkg/status.d/libc6",
        libc.replacingOccurrences(of: "Status: install ok installed\n", with: "") + "\n")
    }
    var seen = Set<String>()
    for p in packages {
      let old = try deb(try file(p.name, try version(p.name)))
      for f in old.files {
        let path = f.entry.path.hasPrefix("lib/") ? "usr/" + f.entry.path : f.entry.path
        if seen.contains(path) || path == "lib" { continue }
        seen.insert(path)
        switch f.entry.kind {
        case .directory: tar.directory(path)
        case .symlink: tar.symlink(path, to: f.entry.linkName)
        default: tar.file(path, f.data, mode: f.entry.mode)
        }
      }
      switch style {
      case .distroless:
        tar.file("var/lib/dpkg/status.d/\(p.name)", old.controlText)
        if let md5 = old.controlFiles["md5sums"] {
          tar.file("var/lib/dpkg/status.d/\(p.name).md5sums", md5)
        }
      case .full:
        var lines = old.controlText.split(separator: "\n").map(String.init)
        lines.insert("Status: install ok installed", at: 1)
        let stanza = lines.joined(separator: "\n")
        if let i = paragraphs.firstIndex(where: { $0.hasPrefix("Package: \(p.name)\n") }) {
          paragraphs[i] = stanza
        } else {
          paragraphs.append(stanza)
        }
        tar.directory("var/lib/dpkg/info")
        let list = (["/."] + old.files.map { "/" + $0.entry.path }).joined(separator: "\n") + "\n"
        tar.file("var/lib/dpkg/info/\(p.name):amd64.list", list)
      }
    }
    if style == .full {
      tar.file("var/lib/dpkg/status", paragraphs.joined(separator: "\n\n") + "\n")
      // dpkg's database format 1: Multi-Arch: same packages' files are `<name>:<arch>.list`.
      tar.file("var/lib/dpkg/info/format", "1\n")
    }
    tar.end()
    return tar.finished()
  }
}

struct FixtureError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
