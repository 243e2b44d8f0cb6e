import TailguardModel

/// Package differences between two SBOMs, keyed by (ecosystem, name, first location): the
/// check a team runs before promoting a rebuilt image.
public struct SBOMDiffResult: Codable, Sendable, Hashable {
  public struct Entry: Codable, Sendable, Hashable, Comparable {
    public var name: String
    public var ecosystem: Ecosystem
    public var location: String?
    public var oldVersion: String?
    public var newVersion: String?
    public var purl: String
    public static func < (a: Entry, b: Entry) -> Bool {
      (a.ecosystem.rawValue, a.name, a.location ?? "") < (
        b.ecosystem.rawValue, b.name, b.location ?? ""
      )
    }
  }

  public var old: String
  public var new: String
  public var added: [Entry]
  public var removed: [Entry]
  public var changed: [Entry]
  public var unchanged: Int

  public init(old a: SoftwareBOM, new b: SoftwareBOM) {
    func key(_ p: Package) -> String {
      // Language packages are told apart by where they live; OS packages by name (+arch in purl).
      let where_ =
        p.ecosystem.isOperatingSystem
        ? (p.purl.qualifiers["arch"] ?? "")
        : Self.installPlace(p.locations.min()?.path ?? "", version: p.version)
      return "\(p.ecosystem.rawValue)|\(p.name)|\(where_)"
    }
    var olds: [String: Package] = [:]
    for p in a.packages { olds[key(p)] = p }
    var news: [String: Package] = [:]
    for p in b.packages { news[key(p)] = p }
    var added: [Entry] = []
    var removed: [Entry] = []
    var changed: [Entry] = []
    var unchanged = 0
    for (k, p) in news {
      if let o = olds[k] {
        if o.version != p.version {
          changed.append(
            Entry(
              name: p.name, ecosystem: p.ecosystem, location: p.locations.min()?.path,
              oldVersion: o.version, newVersion: p.version, purl: p.purl.description))
        } else {
          unchanged += 1
        }
      } else {
        added.append(
          Entry(
            name: p.name, ecosystem: p.ecosystem, location: p.locations.min()?.path,
            oldVersion: nil, newVersion: p.version, purl: p.purl.description))
      }
    }
    for (k, o) in olds where news[k] == nil {
      removed.append(
        Entry(
          name: o.name, ecosystem: o.ecosystem, location: o.locations.min()?.path,
          oldVersion: o.version, newVersion: nil, purl: o.purl.description))
    }
    self.old = a.image.target
    self.new = b.image.target
    self.added = added.sorted()
    self.removed = removed.sorted()
    self.changed = changed.sorted()
    self.unchanged = unchanged
  }

  /// Where a language package is installed, without the parts of its path that name its
  /// version: `site-packages/requests-2.31.0.dist-info/METADATA` and
  /// `site-packages/requests-2.32.3.dist-info/METADATA` are one place (an upgrade, not a removal
  /// and an addition), as are `lib/foo-1.2.jar` and `lib/foo-1.3.jar`. A component names the
  /// version when it contains `-VERSION` or `_VERSION`.
  static func installPlace(_ path: String, version: String) -> String {
    guard !version.isEmpty else { return path }
    let components = path.split(separator: "/", omittingEmptySubsequences: false)
    guard
      let cut = components.firstIndex(where: {
        $0.contains("-" + version) || $0.contains("_" + version)
      })
    else { return path }
    return components[..<cut].joined(separator: "/")
  }

  public func table() -> String {
    var rows: [[String]] = []
    for e in added { rows.append(["+", e.name, e.ecosystem.rawValue, "", e.newVersion ?? ""]) }
    for e in removed { rows.append(["-", e.name, e.ecosystem.rawValue, e.oldVersion ?? "", ""]) }
    for e in changed {
      rows.append(["~", e.name, e.ecosystem.rawValue, e.oldVersion ?? "", e.newVersion ?? ""])
    }
    var out = "Old: \(old)\nNew: \(new)\n\n"
    out +=
      rows.isEmpty
      ? "No package differences.\n"
      : TableRenderer().render(header: ["", "NAME", "TYPE", "OLD", "NEW"], rows: rows)
    out +=
      "\nadded: \(added.count), removed: \(removed.count), changed: \(changed.count), unchanged: \(unchanged)\n"
    return out
  }
}
