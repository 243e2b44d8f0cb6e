import Foundation
import TailguardModel
import Yams

/// Parses Alpine's secdb (`v3.10/main.yaml`, or the JSON form secdb.alpinelinux.org serves) into
/// OSV-shaped advisories in the `Alpine:vX.Y` ecosystem, the same shape OSV publishes for Alpine.
///
/// secdb lists, per source package (an `origin`), `secfixes: {fixed-version: [CVE…]}`.
/// Semantics (Alpine wiki, "APKBUILD Reference", secfixes): the version is the first release in
/// that branch that contains the fix, so versions before it are affected (`introduced 0`,
/// `fixed V`). The special version `0` means the package was never affected by the listed
/// vulnerabilities in Alpine (e.g. the vulnerable code is not built); those entries produce no
/// affected range and are counted in an info diagnostic.
///
/// One advisory is made per (vulnerability id, file), named by the id (`CVE-2019-1547`), with one
/// affected entry per package; the source is `alpine-secdb:<distroversion>/<reponame>`.
public struct AlpineSecDBParser: Sendable {
  public var maxBytes = 64 << 20
  public var maxPackages = 200_000

  public init() {}

  public struct Output: Sendable {
    public var records: [AdvisoryRecord]
    public var diagnostics: [Diagnostic]
    /// `v3.10` style release the file describes.
    public var distroVersion: String?
  }

  public func parse(_ bytes: [UInt8], path: String) -> Output {
    var diags: [Diagnostic] = []
    func fail(_ code: String, _ message: String) -> Output {
      Output(
        records: [], diagnostics: diags + [OSVParser.diag(.error, code, message, path)],
        distroVersion: nil)
    }
    guard bytes.count <= maxBytes else {
      return fail("secdb.too-large", "file of \(bytes.count) bytes exceeds \(maxBytes)")
    }
    let text = String(decoding: bytes, as: UTF8.self)
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch {
      return fail("secdb.bad-yaml", "not valid YAML/JSON: \(String(describing: error).prefix(300))")
    }
    guard let root, let top = root.mapping else {
      return fail("secdb.bad-format", "top level is not a mapping")
    }
    var distro = top["distroversion"]?.scalar?.string
    if distro == nil {
      // Fall back to the directory name (`…/v3.10/main.yaml`).
      distro = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
      if let d = distro, !(d.hasPrefix("v") && d.dropFirst().first?.isNumber == true) {
        distro = nil
      }
      diags.append(
        OSVParser.diag(
          .warning, "secdb.missing-field",
          "field 'distroversion' is missing; release \(distro ?? "unknown") taken from the path",
          path))
    }
    guard var release = distro, !release.isEmpty, release.utf8.count <= 32 else {
      return fail(
        "secdb.missing-field", "field 'distroversion' is missing and the path names no release")
    }
    if !release.hasPrefix("v") && release != "edge" { release = "v" + release }
    let repo =
      top["reponame"]?.scalar?.string
      ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let ecosystem = "Alpine:\(release)"
    let source = "alpine-secdb:\(release)/\(repo)"
    let packages: Node.Sequence
    if let list = top["packages"]?.sequence {
      packages = list
    } else if let value = top["packages"]?.scalar,
      value.string.isEmpty || value.string == "null" || value.string == "~"
    {
      // `packages:` with nothing after it (Alpine's v3.3/community.yaml): a repository without
      // security fixes, not a broken file.
      packages = Node.Sequence()
    } else {
      return fail("secdb.missing-field", "field 'packages' is missing or not a list")
    }
    // id → package name → fixed versions
    var byID: [String: [String: [String]]] = [:]
    var neverAffected = 0
    for (i, item) in packages.prefix(maxPackages).enumerated() {
      guard let pkg = item.mapping?["pkg"]?.mapping, let name = pkg["name"]?.scalar?.string,
        !name.isEmpty
      else {
        diags.append(
          OSVParser.diag(
            .warning, "secdb.bad-field",
            "field 'packages[\(i)].pkg.name' is missing; entry ignored", path))
        continue
      }
      guard let secfixes = pkg["secfixes"] else { continue }
      guard let fixes = secfixes.mapping else {
        diags.append(
          OSVParser.diag(
            .warning, "secdb.bad-field",
            "field 'packages[\(i)].pkg.secfixes' of \(name) is not a mapping; ignored", path))
        continue
      }
      for (key, value) in fixes {
        guard let version = key.scalar?.string, !version.isEmpty, version.utf8.count <= 256 else {
          diags.append(
            OSVParser.diag(
              .warning, "secdb.bad-field", "a secfixes key of \(name) is not a version; ignored",
              path))
          continue
        }
        let items: [Node] = value.sequence.map { Array($0) } ?? []
        var ids: [String] = []
        for item in items {
          guard let text = item.scalar?.string else { continue }
          for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" })
          where token.utf8.count <= 128 {
            ids.append(String(token))
          }
        }
        if ids.isEmpty {
          diags.append(
            OSVParser.diag(
              .warning, "secdb.bad-field",
              "field 'secfixes.\(version)' of \(name) lists no ids; ignored", path))
          continue
        }
        if version == "0" {
          neverAffected += ids.count
          continue
        }
        for id in ids { byID[id, default: [:]][name, default: []].append(version) }
      }
    }
    if neverAffected > 0 {
      diags.append(
        OSVParser.diag(
          .info, "secdb.never-affected",
          "\(neverAffected) entries under fixed version 0 (never affected in Alpine) produce no affected range",
          path))
    }
    var records: [AdvisoryRecord] = []
    for id in byID.keys.sorted() {
      var advisory = Advisory(id: id, source: source)
      for name in byID[id, default: [:]].keys.sorted() {
        for fixed in byID[id, default: [:]][name, default: []].sorted() {
          advisory.affected.append(
            AffectedPackage(
              ecosystem: ecosystem, name: name, purl: "pkg:apk/alpine/\(name)",
              ranges: [
                AffectedRange(
                  kind: .ecosystem,
                  events: [RangeEvent(.introduced, "0"), RangeEvent(.fixed, fixed)])
              ]))
        }
      }
      records.append(AdvisoryRecord(advisory: advisory, rawJSON: OSVRenderer.render(advisory)))
    }
    return Output(records: records, diagnostics: diags, distroVersion: release)
  }
}
