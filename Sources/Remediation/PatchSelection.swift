import TailguardModel
import VersionSchemes

/// A Debian package as the image has it installed.
public struct InstalledDeb: Sendable, Hashable {
  public var name: String
  public var version: String
  public var architecture: String
  public var files: [String]
  public init(name: String, version: String, architecture: String, files: [String] = []) {
    self.name = name
    self.version = version
    self.architecture = architecture
    self.files = files
  }
}

/// Which `.deb` from the index replaces which installed package, and why: for each vulnerable
/// OS package the lowest indexed version at or above every fix its findings name, plus any
/// dependency the image lacks at a version the new packages need.
public struct PatchSelection: Sendable, Hashable {
  public struct Choice: Sendable, Hashable {
    public var name: String
    /// nil when the package is added to satisfy a dependency.
    public var installedVersion: String?
    public var entry: DebianPackageIndex.Entry
    /// Primary ids of the findings this version closes, sorted.
    public var closes: [String]
  }
  /// A vulnerable package the index cannot fix, with the reason.
  public struct Skipped: Sendable, Hashable {
    public var name: String
    public var reason: String
    public var findings: [String]
  }
  public var choices: [Choice]
  public var skipped: [Skipped]

  public init(
    findings: [Finding], installed: [InstalledDeb], index: DebianPackageIndex,
    architecture: String
  ) throws(RemediationError) {
    let byName = Dictionary(installed.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var choices: [String: Choice] = [:]
    var skipped: [Skipped] = []
    let groups = Dictionary(grouping: findings.filter { $0.ecosystem == .deb }, by: \.packageName)
    for (name, group) in groups.sorted(by: { $0.key < $1.key }) {
      let ids = Set(group.map(\.primaryID)).sorted()
      guard let have = byName[name] else { continue }
      let fixes = group.compactMap(\.fixedVersion)
      guard fixes.count == group.count, let required = Self.highest(fixes) else {
        let open = group.filter { $0.fixedVersion == nil }.map(\.primaryID)
        skipped.append(
          Skipped(
            name: name,
            reason: "no fixed version upstream for \(Set(open).sorted().joined(separator: ", "))",
            findings: ids))
        if fixes.isEmpty { continue }
        // Still fix what can be fixed.
        let fixable = group.filter { $0.fixedVersion != nil }
        if let required = Self.highest(fixable.compactMap(\.fixedVersion)),
          let entry = index.lowest(name, architecture: have.architecture, atLeast: required)
        {
          choices[name] = Choice(
            name: name, installedVersion: have.version, entry: entry,
            closes: Set(fixable.map(\.primaryID)).sorted())
        }
        continue
      }
      guard let entry = index.lowest(name, architecture: have.architecture, atLeast: required)
      else {
        skipped.append(
          Skipped(
            name: name, reason: "the package index has no \(name) at or above \(required)",
            findings: ids))
        continue
      }
      choices[name] = Choice(name: name, installedVersion: have.version, entry: entry, closes: ids)
    }
    // Dependencies of what is chosen: satisfied by the image, by another choice, or added.
    var pending = choices.keys.sorted()
    while let name = pending.popLast() {
      guard let choice = choices[name] else { continue }
      for clause in Self.clauses(choice.entry.preDepends) + Self.clauses(choice.entry.depends) {
        if clause.contains(where: { alt in
          if let c = choices[alt.name] { return alt.accepts(c.entry.version) }
          if let i = byName[alt.name] { return alt.accepts(i.version) }
          return false
        }) {
          continue
        }
        // Upgrade or add the first alternative the index can satisfy.
        guard
          let found = clause.lazy.compactMap({ alt -> (Dependency, DebianPackageIndex.Entry)? in
            guard
              let e = index.versions(of: alt.name, architecture: architecture).first(where: {
                alt.accepts($0.version)
              })
            else { return nil }
            return (alt, e)
          }).first
        else {
          let text = clause.map(\.description).joined(separator: " | ")
          let have = clause.compactMap { alt in byName[alt.name].map { "\(alt.name) \($0.version)" }
          }
          throw RemediationError(
            .dependency,
            "\(name) \(choice.entry.version) depends on \(text), which "
              + (have.isEmpty
                ? "the image lacks" : "the image has only as \(have.joined(separator: ", "))")
              + " and the package index cannot supply; refusing the patch")
        }
        let (alt, entry) = found
        choices[alt.name] = Choice(
          name: alt.name, installedVersion: byName[alt.name]?.version, entry: entry, closes: [])
        pending.append(alt.name)
      }
    }
    self.choices = choices.values.sorted { $0.name < $1.name }
    self.skipped = skipped
  }

  static func highest(_ versions: [String]) -> String? {
    versions.max { ((try? VersionSchemeKind.deb.compare($0, $1)) ?? 0) < 0 }
  }

  /// One alternative of a `Depends` clause: `name[:arch] [(op version)]`.
  public struct Dependency: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var op: String?
    public var version: String?
    public var description: String {
      op.map { "\(name) (\($0) \(version ?? ""))" } ?? name
    }
    /// Whether `installed` satisfies the relation (deb-control(5): `<<`, `<=`, `=`, `>=`, `>>`).
    public func accepts(_ installed: String) -> Bool {
      guard let op, let version else { return true }
      guard let c = try? VersionSchemeKind.deb.compare(installed, version) else { return false }
      switch op {
      case "<<", "<": return c < 0
      case "<=": return c <= 0
      case "=": return c == 0
      case ">=": return c >= 0
      case ">>", ">": return c > 0
      default: return false
      }
    }
  }

  /// `Depends` split into clauses of alternatives.
  static func clauses(_ field: String?) -> [[Dependency]] {
    guard let field else { return [] }
    return field.split(separator: ",").map { clause in
      clause.split(separator: "|").compactMap { alt -> Dependency? in
        let text = alt.trimmingCharacters(in: " \t\n")
        guard !text.isEmpty else { return nil }
        var name = text
        var op: String?
        var version: String?
        if let open = text.firstIndex(of: "("), let close = text.firstIndex(of: ")"), open < close {
          name = text[..<open].trimmingCharacters(in: " \t")
          let relation = text[text.index(after: open)..<close].trimmingCharacters(in: " \t")
          let opText = relation.prefix { "<>=".contains($0) }
          op = String(opText)
          version = relation.dropFirst(opText.count).trimmingCharacters(in: " \t")
        }
        if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }
        return Dependency(name: name, op: op, version: version)
      }
    }.filter { !$0.isEmpty }
  }
}

extension StringProtocol {
  func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s = s.dropFirst() }
    while let l = s.last, set.contains(l) { s = s.dropLast() }
    return String(s)
  }
}
