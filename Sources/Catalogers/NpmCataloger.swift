import ByteFormats
import FileTrees
import Foundation
import TailguardModel

/// Installed npm packages: `node_modules/<name>/package.json` and
/// `node_modules/@scope/<name>/package.json` at any nesting depth, plus workspace members that
/// `node_modules` links to. A project's own `package.json` outside `node_modules` is not an
/// installed package; it is skipped with an info diagnostic.
public struct NpmCataloger: Cataloger {
  public let id = "npm"
  public init() {}

  static let selector = FileSelector(.basename("package.json"), maxSize: 8 << 20)
  public var selectors: [FileSelector] { [Self.selector] }

  /// Whether `path` is the manifest of a package installed in a `node_modules` directory.
  static func isInstalledManifest(_ path: String) -> Bool {
    let parts = path.split(separator: "/")
    guard parts.count >= 3, parts.last == "package.json" else { return false }
    let name = parts[parts.count - 2]
    if parts[parts.count - 3] == "node_modules" {
      return !name.hasPrefix("@") && !name.hasPrefix(".")
    }
    if parts.count >= 4, parts[parts.count - 3].hasPrefix("@"),
      parts[parts.count - 4] == "node_modules"
    {
      return true
    }
    return false
  }

  public func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult {
    var result = CatalogResult()
    var nodeModulesDirs = Set<String>()
    var seen = Set<String>()
    var projectManifests: [String] = []
    for path in resolver.paths(matching: Self.selector) {
      if Self.isInstalledManifest(path) {
        if seen.insert(path).inserted { catalogManifest(path, resolver: resolver, into: &result) }
        if let range = path.range(of: "node_modules/", options: .backwards) {
          nodeModulesDirs.insert(String(path[..<range.upperBound].dropLast()))
        }
      } else if !path.split(separator: "/").contains("node_modules") {
        projectManifests.append(path)
        let dir = BinaryCatalogerSupport.parent(of: path)
        nodeModulesDirs.insert(dir.isEmpty ? "node_modules" : dir + "/node_modules")
      }
    }
    // Linked packages (workspaces, `npm link`): node_modules entries that are symlinks.
    for dir in nodeModulesDirs.sorted() {
      var links: [String] = []
      for child in resolver.children(of: dir) {
        let full = dir + "/" + child
        if child.hasPrefix("@") {
          links += resolver.children(of: full).map { full + "/" + $0 }
        } else {
          links.append(full)
        }
      }
      for link in links where resolver.entry(at: link)?.kind == .symlink {
        guard let target = resolver.resolve(link) else {
          result.diagnostics.append(
            BinaryCatalogerSupport.diagnostic(
              .info, "npm.dangling-link", "linked package does not resolve inside the image",
              source: id, path: link,
              resolver: resolver))
          continue
        }
        let manifest = target + "/package.json"
        if resolver.contents(at: manifest) != nil, seen.insert(manifest).inserted {
          catalogManifest(manifest, resolver: resolver, into: &result)
        }
      }
    }
    // Project manifests not reached through a node_modules link are not installed packages.
    for path in projectManifests where !seen.contains(path) {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .info, "npm.project-manifest", "project manifest, not an installed package; skipped",
          source: id,
          path: path, resolver: resolver))
    }
    result.packages.sort()
    return result
  }

  private func catalogManifest(
    _ path: String, resolver: any FileResolver, into result: inout CatalogResult
  ) {
    func warn(_ code: String, _ message: String) {
      result.diagnostics.append(
        BinaryCatalogerSupport.diagnostic(
          .warning, code, message, source: id, path: path, resolver: resolver))
    }
    let object: [String: Any]
    do {
      guard let source = resolver.contents(at: path) else { return }
      let bytes = try source.readAll(limit: Int(Self.selector.maxSize))
      guard let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
      else {
        warn("npm.bad-manifest", "package.json is not a JSON object")
        return
      }
      object = parsed
    } catch {
      warn("npm.bad-manifest", "cannot parse package.json: \(error)")
      return
    }
    guard let name = object["name"] as? String, !name.isEmpty else {
      warn("npm.missing-name", "package.json has no name; skipped")
      return
    }
    guard let version = object["version"] as? String, !version.isEmpty else {
      warn("npm.missing-version", "\(name) has no version; skipped")
      return
    }
    var namespace: String? = nil
    var shortName = name
    if name.hasPrefix("@"), let slash = name.firstIndex(of: "/") {
      namespace = String(name[..<slash])
      shortName = String(name[name.index(after: slash)...])
    }
    let layer = BinaryCatalogerSupport.layer(of: path, in: resolver)
    result.packages.append(
      Package(
        name: name, version: version, ecosystem: .npm,
        purl: PackageURL(type: "npm", namespace: namespace, name: shortName, version: version),
        licenses: Self.licenses(object), locations: [resolver.location(of: path)], foundBy: id,
        introducedBy: layer.digest, introducedByIndex: layer.index,
        metadata: .npm(
          NpmMetadata(
            description: object["description"] as? String, author: Self.person(object["author"]),
            homepage: object["homepage"] as? String,
            isPrivate: (object["private"] as? Bool) ?? false))))
  }

  /// `license` as a string or `{type}`, or the legacy `licenses` array.
  static func licenses(_ object: [String: Any]) -> [String] {
    func one(_ value: Any?) -> String? {
      if let s = value as? String, !s.isEmpty { return s }
      if let o = value as? [String: Any], let t = o["type"] as? String, !t.isEmpty { return t }
      return nil
    }
    if let l = one(object["license"]) { return [l] }
    if let list = object["licenses"] as? [Any] { return list.compactMap(one) }
    return []
  }

  /// `author` as a string or `{name, email, url}` (rendered `name <email> (url)`).
  static func person(_ value: Any?) -> String? {
    if let s = value as? String { return s.isEmpty ? nil : s }
    guard let o = value as? [String: Any] else { return nil }
    var parts: [String] = []
    if let n = o["name"] as? String, !n.isEmpty { parts.append(n) }
    if let e = o["email"] as? String, !e.isEmpty { parts.append("<\(e)>") }
    if let u = o["url"] as? String, !u.isEmpty { parts.append("(\(u))") }
    return parts.isEmpty ? nil : parts.joined(separator: " ")
  }
}
