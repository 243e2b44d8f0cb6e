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
    let manifest: Manifest
    do {
      guard let source = resolver.contents(at: path) else { return }
      let bytes = try source.readAll(limit: Int(Self.selector.maxSize))
      manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes))
    } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
      warn("npm.bad-manifest", "package.json is not a JSON object")
      return
    } catch {
      warn("npm.bad-manifest", "cannot parse package.json: \(error)")
      return
    }
    guard let name = manifest.name, !name.isEmpty else {
      warn("npm.missing-name", "package.json has no name; skipped")
      return
    }
    guard let version = manifest.version, !version.isEmpty else {
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
        licenses: manifest.licenseList, locations: [resolver.location(of: path)], foundBy: id,
        introducedBy: layer.digest, introducedByIndex: layer.index,
        metadata: .npm(
          NpmMetadata(
            description: manifest.description, author: manifest.author?.text,
            homepage: manifest.homepage, isPrivate: manifest.isPrivate ?? false))))
  }

  /// The fields of `package.json` (https://docs.npmjs.com/cli/configuring-npm/package-json)
  /// the cataloger uses. Hand-edited manifests are messy: a field of an unexpected type reads as
  /// absent rather than rejecting the package.
  struct Manifest: Decodable {
    @Lenient var name: String?
    @Lenient var version: String?
    @Lenient var description: String?
    @Lenient var homepage: String?
    @Lenient var isPrivate: Bool?
    @Lenient var author: Person?
    @Lenient var license: License?
    /// The legacy form; entries of another shape are skipped.
    @Lenient var licenses: [JSONField<License>]?

    enum CodingKeys: String, CodingKey {
      case name, version, description, homepage, author, license, licenses
      case isPrivate = "private"
    }

    /// `license` as a string or `{type}`, or the legacy `licenses` array.
    var licenseList: [String] {
      if let l = license?.name { return [l] }
      return licenses?.compactMap { $0.value?.name } ?? []
    }
  }

  /// A licence entry: an SPDX expression string or the legacy `{type, url}` object.
  struct License: Decodable, Sendable {
    var name: String?
    init(from decoder: any Decoder) throws {
      if let s = try? decoder.singleValueContainer().decode(String.self) {
        name = s
      } else {
        name = try Typed(from: decoder).type
      }
      if name?.isEmpty == true { name = nil }
    }
    private struct Typed: Decodable { @Lenient var type: String? }
  }

  /// `author` as a string or `{name, email, url}` (rendered `name <email> (url)`).
  struct Person: Decodable, Sendable {
    var text: String?
    init(from decoder: any Decoder) throws {
      if let s = try? decoder.singleValueContainer().decode(String.self) {
        text = s.isEmpty ? nil : s
        return
      }
      let o = try Fields(from: decoder)
      func some(_ s: String?) -> String? { s?.isEmpty == false ? s : nil }
      let parts = [some(o.name), some(o.email).map { "<\($0)>" }, some(o.url).map { "(\($0))" }]
        .compactMap { $0 }
      text = parts.isEmpty ? nil : parts.joined(separator: " ")
    }
    private struct Fields: Decodable {
      @Lenient var name: String?
      @Lenient var email: String?
      @Lenient var url: String?
    }
  }
}
