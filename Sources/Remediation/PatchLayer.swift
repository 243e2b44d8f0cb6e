import ByteFormats
import Foundation

/// What the image already holds at a path, as far as writing a layer on top needs to know.
public enum ExistingFile: Sendable, Hashable {
  case directory
  case symlink(target: String)
  case file
}

/// The image a patch layer goes on top of: its squashed file tree, read-only.
public protocol PatchBase: Sendable {
  /// What is at `path` (no leading slash), without following a final symlink.
  func existing(_ path: String) -> ExistingFile?
  /// The contents of a regular file (the dpkg `status` file), when the view kept them.
  func contents(_ path: String) -> [UInt8]?
}

/// How the image records installed packages, which decides how the patch records new versions.
public enum DpkgDatabaseStyle: String, Sendable, Hashable, Codable {
  /// One file per package in `var/lib/dpkg/status.d/` (distroless images).
  case statusDirectory = "status.d"
  /// The one `var/lib/dpkg/status` file (+ `info/<pkg>.list`), rewritten whole in the layer.
  case statusFile = "status"
}

/// One package replaced by the patch: what the image has and the package that replaces it.
public struct PackageReplacement: Sendable {
  public var name: String
  /// The installed version, nil when the package is added (a dependency the image lacks).
  public var installedVersion: String?
  /// Files the installed version owns (from the dpkg database), image paths without a slash.
  public var installedFiles: [String]
  public var package: DebPackage
  public init(
    name: String, installedVersion: String?, installedFiles: [String], package: DebPackage
  ) {
    self.name = name
    self.installedVersion = installedVersion
    self.installedFiles = installedFiles
    self.package = package
  }
}

/// Builds the single layer a patch appends: the new packages' files (parents resolved through
/// the image's own symlinks, as dpkg would write them on a merged-/usr system), whiteouts for
/// files the old versions had and the new ones dropped, and the dpkg records. No maintainer
/// script runs; the tar is sorted and its times come from the packages, so equal inputs give an
/// equal layer.
public struct PatchLayer: Sendable {
  /// The uncompressed layer tar.
  public var tar: [UInt8]
  /// Paths written, sorted (whiteouts included as `.wh.` names).
  public var paths: [String]
  /// Package files by their path in the layer, for checking the layer against the package.
  public var packagePaths: [String: String]
  public var notes: [String]

  public init(
    replacing replacements: [PackageReplacement], on base: some PatchBase,
    style: DpkgDatabaseStyle
  ) throws(RemediationError) {
    var entries: [String: (TarEntry, [UInt8])] = [:]
    var packagePaths: [String: String] = [:]
    var notes: [String] = []
    var newest: Int64 = 0
    for r in replacements.sorted(by: { $0.name < $1.name }) {
      let pkg = r.package
      let symlinks = Set(pkg.files.filter { $0.entry.kind == .symlink }.map(\.entry.path))
      var written = Set<String>()
      for file in pkg.files {
        // A path through a symlink the package itself ships could be steered anywhere.
        let parts = file.entry.path.split(separator: "/")
        for i in 1..<max(parts.count, 1)
        where symlinks.contains(parts[0..<i].joined(separator: "/")) {
          throw RemediationError(
            .unsafePath,
            "\(pkg.name) \(pkg.version): \(file.entry.path) lies under a symlink of the package; refusing"
          )
        }
        newest = max(newest, file.entry.mtime)
        let path = try Self.resolveParents(file.entry.path, on: base)
        written.insert(path)
        if file.entry.kind == .directory {
          if case .directory? = Self.follow(path, on: base) { continue }
        }
        var entry = file.entry
        entry.path = path
        if entry.kind == .hardLink {
          entry.linkName = try Self.resolveParents(entry.linkName, on: base)
        }
        entries[path] = (entry, file.data)
        if entry.kind != .directory { packagePaths[path] = file.entry.path }
      }
      for old in r.installedFiles {
        guard let path = try? Self.resolveParents(old, on: base), !written.contains(path) else {
          continue
        }
        switch base.existing(path) {
        case .file?, .symlink?:
          let (dir, name) = Self.split(path)
          let wh = dir.isEmpty ? ".wh.\(name)" : "\(dir)/.wh.\(name)"
          entries[wh] = (TarEntry(path: wh, kind: .regular, mode: 0o644), [])
          notes.append("\(r.name): \(path) belonged to \(r.installedVersion ?? "?") only; removed")
        default: break
        }
      }
      if !pkg.maintainerScripts.isEmpty {
        notes.append(
          "\(pkg.name): maintainer scripts not run: \(pkg.maintainerScripts.joined(separator: ", "))"
        )
      }
      if !pkg.triggers.isEmpty {
        notes.append("\(pkg.name): triggers not run: \(pkg.triggers.joined(separator: "; "))")
      }
    }
    func put(_ path: String, _ data: [UInt8]) {
      entries[path] = (TarEntry(path: path, kind: .regular, mode: 0o644, mtime: newest), data)
    }
    switch style {
    case .statusDirectory:
      for r in replacements {
        put(
          "var/lib/dpkg/status.d/\(r.name)", Array(Self.stanza(r.package, withStatus: false).utf8))
        if let md5 = r.package.controlFiles["md5sums"] {
          put("var/lib/dpkg/status.d/\(r.name).md5sums", md5)
        }
      }
    case .statusFile:
      guard let status = base.contents("var/lib/dpkg/status") else {
        throw RemediationError(
          .unsupportedImage,
          "the image's var/lib/dpkg/status could not be read; cannot record the new versions")
      }
      put("var/lib/dpkg/status", Self.rewriteStatus(status, with: replacements.map(\.package)))
      for r in replacements {
        let pkg = r.package
        // The file names the image's database already uses (format 1 names Multi-Arch: same
        // packages `<name>:<arch>`; a legacy database does not), else dpkg's current rule.
        let qualified = "\(pkg.name):\(pkg.architecture)"
        let stem: String
        if base.existing("var/lib/dpkg/info/\(qualified).list") != nil {
          stem = qualified
        } else if base.existing("var/lib/dpkg/info/\(pkg.name).list") != nil {
          stem = pkg.name
        } else {
          stem = pkg.control["Multi-Arch"] == "same" ? qualified : pkg.name
        }
        let list = (["/."] + pkg.files.map { "/" + $0.entry.path }).joined(separator: "\n") + "\n"
        put("var/lib/dpkg/info/\(stem).list", Array(list.utf8))
        if let md5 = pkg.controlFiles["md5sums"] { put("var/lib/dpkg/info/\(stem).md5sums", md5) }
      }
    }
    var writer = TarWriter(mtime: nil)
    let sorted = entries.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    for path in sorted {
      let (entry, data) = entries[path]!
      writer.append(entry, data: data)
    }
    self.tar = writer.finished()
    self.paths = sorted
    self.packagePaths = packagePaths
    self.notes = notes.sorted()
  }

  /// The package's control paragraph for the dpkg database (`Status` after `Package`, as dpkg
  /// writes it), ending with a newline.
  static func stanza(_ pkg: DebPackage, withStatus: Bool) -> String {
    var lines = pkg.controlText.split(separator: "\n", omittingEmptySubsequences: false).map(
      String.init)
    while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty {
      lines.removeLast()
    }
    if withStatus, let i = lines.firstIndex(where: { $0.hasPrefix("Package:") }) {
      lines.insert("Status: install ok installed", at: i + 1)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `status` with the paragraphs of the replaced packages (same name and architecture)
  /// swapped for the new ones; added packages are appended. Other paragraphs stay byte for byte.
  static func rewriteStatus(_ status: [UInt8], with packages: [DebPackage]) -> [UInt8] {
    let text = String(decoding: status, as: UTF8.self)
    var paragraphs = text.components(separatedBy: "\n\n").filter {
      !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
    func field(_ paragraph: String, _ name: String) -> String? {
      for line in paragraph.split(separator: "\n") where line.hasPrefix(name + ":") {
        return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
      }
      return nil
    }
    for pkg in packages.sorted(by: { $0.name < $1.name }) {
      let replacement = stanza(pkg, withStatus: true).trimmingCharacters(in: .newlines)
      if let i = paragraphs.firstIndex(where: {
        field($0, "Package") == pkg.name
          && (field($0, "Architecture") == pkg.architecture || field($0, "Architecture") == "all"
            || pkg.architecture == "all")
      }) {
        paragraphs[i] = replacement
      } else {
        paragraphs.append(replacement)
      }
    }
    return Array(
      (paragraphs.map { $0.trimmingCharacters(in: .newlines) }.joined(separator: "\n\n") + "\n")
        .utf8)
  }

  static func split(_ path: String) -> (String, String) {
    guard let slash = path.lastIndex(of: "/") else { return ("", path) }
    return (String(path[..<slash]), String(path[path.index(after: slash)...]))
  }

  /// `path` with every parent directory resolved through the image's symlinks (`lib/x` →
  /// `usr/lib/x` when `lib` is a symlink to `usr/lib`); the last component is kept as is.
  static func resolveParents(_ path: String, on base: some PatchBase) throws(RemediationError)
    -> String
  {
    let (dir, name) = split(path)
    if dir.isEmpty { return name }
    guard let resolved = resolve(dir, on: base, depth: 0) else {
      throw RemediationError(
        .unsafePath, "\(path): its parent directory resolves through too many symlinks")
    }
    return resolved.isEmpty ? name : resolved + "/" + name
  }

  /// The directory `path` fully resolved (symlinks followed, `..` clamped at the root).
  static func resolve(_ path: String, on base: some PatchBase, depth: Int) -> String? {
    if depth > 40 { return nil }
    var done: [Substring] = []
    let parts = path.split(separator: "/")
    for (i, part) in parts.enumerated() {
      if part == "." || part.isEmpty { continue }
      if part == ".." {
        _ = done.popLast()
        continue
      }
      let candidate = (done + [part]).joined(separator: "/")
      if case .symlink(let target)? = base.existing(candidate) {
        let joined =
          target.hasPrefix("/")
          ? String(target.dropFirst()) : (done.map(String.init) + [target]).joined(separator: "/")
        guard let through = resolve(joined, on: base, depth: depth + 1) else { return nil }
        let rest = parts[(i + 1)...].joined(separator: "/")
        return resolve(rest.isEmpty ? through : through + "/" + rest, on: base, depth: depth + 1)
      }
      done.append(part)
    }
    return done.joined(separator: "/")
  }

  /// What is at `path` after following symlinks.
  static func follow(_ path: String, on base: some PatchBase) -> ExistingFile? {
    guard let resolved = resolve(path, on: base, depth: 0) else { return nil }
    return base.existing(resolved)
  }
}
