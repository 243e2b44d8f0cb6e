import FileTrees
import TailguardModel

/// The precision rule: a file the OS package manager installed is reported as that OS package,
/// not again as a language package. Debian's `python3-yaml` ships a `PyYAML-*.dist-info`; the
/// deb is the component (and Debian's advisories cover it), so the PyPI reading of the same
/// files is dropped unless the user asked for every ecosystem (`CatalogOptions.allEcosystems`).
///
/// Pure function over the merged result of all catalogers; the scanner applies it once, after
/// every cataloger ran. Each drop is recorded as an info diagnostic, never silently.
public enum Ownership {
  public static let diagnosticSource = "ownership"

  /// `result` with language packages whose evidence files are owned by a dpkg, apk or rpm
  /// package removed, together with relationships that mention them. With a resolver, paths
  /// are also compared after symlink resolution (merged-/usr images list `/lib/...` in dpkg
  /// while the file is reached as `usr/lib/...`).
  public static func apply(
    to result: CatalogResult, options: CatalogOptions, resolver: (any FileResolver)? = nil
  ) -> CatalogResult {
    guard !options.allEcosystems else { return result }
    // Only OS files that could be some language package's evidence matter: those with the
    // name of an evidence file, or of a symlink to one. Checking the name first spares the
    // tens of thousands of other files OS packages list everything but two set lookups.
    var evidenceNames = Set<Substring>()
    for package in result.packages where !package.ecosystem.isOperatingSystem {
      for location in package.locations {
        let path = clean(location.path)
        evidenceNames.insert(baseName(path))
        if let r = resolver?.resolve(path) { evidenceNames.insert(baseName(r)) }
      }
    }
    guard !evidenceNames.isEmpty else { return result }
    // A listed symlink owns what it points at (possibly under another name): the tree's
    // symlinks whose final target is named like an evidence file, by their own path. The
    // image has far fewer symlinks than its OS packages list files, so this spares a lookup
    // per listed file; a listed file is looked at only when its name is one of these names.
    var linkTargets: [String: String] = [:]
    var linkNames = Set<Substring>()
    if let resolver {
      let symlinks = resolver.symlinks()
      let symlinkNames = Set(symlinks.map { baseName($0.path) })
      for link in symlinks {
        // The final target's name is the last hop's last component, so a link can reach an
        // evidence name only if its own target's last component is one, is another link
        // (a chain), or is `.`, `..` or empty (a directory); only those are resolved.
        let hop = baseName(link.linkTarget ?? "")
        guard
          hop.isEmpty || hop == "." || hop == ".." || evidenceNames.contains(hop)
            || symlinkNames.contains(hop)
        else { continue }
        guard let target = resolver.resolve(link.path), evidenceNames.contains(baseName(target))
        else { continue }
        linkTargets[link.path] = target
        linkNames.insert(baseName(link.path))
      }
    }
    var owners: [String: Package] = [:]
    // Directories are resolved once each (merged-/usr images list `/lib/...` while the file
    // is reached as `usr/lib/...`), then the file name is appended.
    var resolvedDirectories: [Substring: String?] = [:]
    func throughDirectories(_ path: String) -> String? {
      guard let resolver else { return path }
      guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
      let dir = path[..<slash]
      let resolvedDir: String?
      if let known = resolvedDirectories[dir] {
        resolvedDir = known
      } else {
        resolvedDir = resolver.resolve(String(dir))
        resolvedDirectories[dir] = .some(resolvedDir)
      }
      guard let resolvedDir else { return nil }
      return resolvedDir + path[slash...]
    }
    for package in result.packages where package.ecosystem.isOperatingSystem {
      for file in ownedFiles(of: package) {
        // The listed name decides; cleaning (an allocation) only for the few that match.
        // Cleaning changes the last component only when it is empty, `.` or `..`.
        var name = baseName(file)
        var cleaned: String?
        if name.isEmpty || name == "." || name == ".." {
          cleaned = clean(file)
          name = baseName(cleaned!)
        }
        let named = evidenceNames.contains(name)
        guard named || linkNames.contains(name) else { continue }
        let path = cleaned ?? clean(file)
        guard let real = throughDirectories(path) else {
          if named, owners[path] == nil { owners[path] = package }
          continue
        }
        if named {
          if owners[path] == nil { owners[path] = package }
          if owners[real] == nil { owners[real] = package }
        }
        if let target = linkTargets[real], owners[target] == nil { owners[target] = package }
      }
    }
    guard !owners.isEmpty else { return result }
    var kept: [Package] = []
    var dropped = Set<String>()
    var diagnostics = result.diagnostics
    for package in result.packages {
      guard !package.ecosystem.isOperatingSystem else {
        kept.append(package)
        continue
      }
      let evidence = package.locations.map { clean($0.path) }
      let owned = evidence.lazy.compactMap { path -> (String, Package)? in
        if let owner = owners[path] { return (path, owner) }
        if let resolved = resolver?.resolve(path), let owner = owners[resolved] {
          return (path, owner)
        }
        return nil
      }.first
      guard let (path, owner) = owned else {
        kept.append(package)
        continue
      }
      dropped.insert(package.id)
      diagnostics.append(
        Diagnostic(
          .info, code: "ownership.dropped",
          "\(package.purl) not reported: \(path) belongs to \(owner.ecosystem.rawValue) package \(owner.name) \(owner.version) (use --all-ecosystems to keep both)",
          source: diagnosticSource, path: path, layer: package.introducedBy))
    }
    var out = result
    out.packages = kept
    out.relationships = result.relationships.filter {
      !dropped.contains($0.from) && !dropped.contains($0.to)
    }
    out.diagnostics = diagnostics
    return out
  }

  /// Convenience over a package list.
  public static func apply(
    to packages: [Package], options: CatalogOptions, resolver: (any FileResolver)? = nil
  ) -> (packages: [Package], diagnostics: [Diagnostic]) {
    let out = apply(to: CatalogResult(packages: packages), options: options, resolver: resolver)
    return (out.packages, out.diagnostics)
  }

  static func ownedFiles(of package: Package) -> [String] {
    switch package.metadata {
    case .dpkg(let m): m.files
    case .apk(let m): m.files
    case .rpm(let m): m.files
    default: []
    }
  }

  /// The last path component (what follows the last `/`).
  static func baseName(_ path: String) -> Substring {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path[...] }
    return path[path.utf8.index(after: slash)...]
  }

  /// Image path form: no leading slash, no `.` or empty components, `..` clamped at the root.
  static func clean(_ path: String) -> String { PathNormalizer.clean(path) }
}
