import ByteFormats
import FileTrees
import Fleet
import Foundation
import ImageSources
import Remediation
import Reports
import TailguardModel

/// `tailguard patch`: the job as a value.
public struct PatchRequest: Sendable {
  public var scan: ScanRequest
  /// A directory holding a flat apt repository (`Packages` next to the `.deb` files).
  public var packages: String
  /// `oci:DIR:TAG` (or `DIR:TAG`): where the patched image goes.
  public var output: String
  /// Where to write the OpenVEX document of the fixed vulnerabilities.
  public var vex: String?
  public var allowScriptsSkipped = false
  public init(scan: ScanRequest, packages: String, output: String) {
    self.scan = scan
    self.packages = packages
    self.output = output
  }
}

/// What a patch did: the new image, each package replaced, the findings it closes.
public struct PatchOutcome: Sendable, Codable, Hashable {
  public struct Replaced: Sendable, Codable, Hashable {
    public var name: String
    public var from: String?
    public var to: String
    public var closes: [String]
  }
  public var manifestDigest: String
  public var layerDigest: String
  public var output: String
  public var style: DpkgDatabaseStyle
  public var replaced: [Replaced]
  public var skipped: [String]
  public var notes: [String]
  public var vex: String?
}

extension Scanner {
  /// `fix plan`: scans the target and plans what removes each open finding. `endOfLife` is the
  /// table deciding whether the distribution still gets fixes (asOf: `YYYY-MM-DD`).
  public func fixPlan(
    _ request: ScanRequest, endOfLife: EndOfLifeTable?, asOf: String,
    baseBump: FixPlanner.BaseBump? = nil
  ) async throws -> (FixPlan, ScanReport) {
    let outcome = try await scan(request)
    guard let report = outcome.report else {
      throw ScannerError(.unsupportedTarget, "no report to plan from")
    }
    var planner = FixPlanner(baseBump: baseBump)
    if let table = endOfLife, let distro = report.sbom.distro {
      let check = table.check(distro: distro, asOf: asOf)
      if !check.passed, table.release(of: distro) != nil { planner.endOfLife = check.detail }
    }
    return (planner.plan(report), report)
  }

  /// `patch`: replaces the vulnerable Debian packages of an OCI-layout image by the fixing
  /// versions from a package directory, in one new layer. Every check (index, hashes, paths,
  /// scripts, dependencies) runs before anything is written.
  public func patch(_ request: PatchRequest) async throws -> PatchOutcome {
    let parsed = try ImageTarget.parse(request.scan.target)
    guard case .ociLayout(let directory, _) = parsed else {
      throw ScannerError(
        .unsupportedTarget,
        "patch reads OCI layouts (oci:DIR[:tag]); \(request.scan.target) is not one")
    }
    let (outDir, outTag) = try Self.patchOutput(request.output)
    let filters = try Self.filters(request.scan)
    let (store, info) = try request.scan.advisories.open { _ in }
    let options = request.scan.options
    let source = try imageSource(for: parsed, target: request.scan.target, options: options)
    let image = try await source.image()
    guard let manifestDigest = image.manifestDigest else {
      throw ScannerError(.unsupportedTarget, "\(request.scan.target) has no manifest digest")
    }
    let tree = try await fileTree(of: source, image: image, options: options)
    let bom = catalog(resolver: tree, image: image, options: options.catalog)
    let report = self.report(for: bom, store: store, dataInfo: info, filters: filters)
    guard let distro = bom.distro,
      ["debian", "ubuntu"].contains(distro.id) || distro.idLike.contains("debian")
    else {
      throw RemediationError(
        .unsupportedImage,
        "patch handles Debian and Ubuntu images; \(request.scan.target) is \(bom.distro?.id ?? "of no known distribution")"
      )
    }
    let style: DpkgDatabaseStyle
    if tree.entry(at: "var/lib/dpkg/status.d")?.kind == .directory {
      style = .statusDirectory
    } else if tree.entry(at: "var/lib/dpkg/status") != nil {
      style = .statusFile
    } else {
      throw RemediationError(.unsupportedImage, "\(request.scan.target) has no dpkg database")
    }
    let installed = bom.packages.filter { $0.ecosystem == .deb }.map { p -> InstalledDeb in
      var arch = "all"
      var files: [String] = []
      if case .dpkg(let m) = p.metadata {
        arch = m.architecture ?? "all"
        files = m.files
      }
      return InstalledDeb(name: p.name, version: p.version, architecture: arch, files: files)
    }
    let indexPath = request.packages + "/Packages"
    let indexBytes = try FileBlobReader.readSmall(
      indexPath, limit: 256 << 20, what: "package index")
    let index = try DebianPackageIndex(parsing: indexBytes, path: indexPath)
    let arch = image.platform?.architecture ?? "amd64"
    let selection = try PatchSelection(
      findings: report.findings.map(\.finding).filter { $0.fixState == .fixed },
      installed: installed, index: index, architecture: arch)
    guard !selection.choices.isEmpty else {
      throw RemediationError(
        .noFix,
        "nothing to patch: no vulnerable OS package has a fixing version in \(request.packages)"
          + selection.skipped.map { "; \($0.name): \($0.reason)" }.joined())
    }
    var replacements: [PackageReplacement] = []
    var scripted: [String] = []
    for choice in selection.choices {
      let entry = choice.entry
      let path = request.packages + "/" + entry.filename
      let what = "\(entry.name) \(entry.version) (\(entry.filename))"
      let bytes = try FileBlobReader.readSmall(path, limit: 1 << 30, what: what)
      if let size = entry.size, size != bytes.count {
        throw RemediationError(
          .package, "\(what): \(bytes.count) bytes, the index says \(size); refusing it")
      }
      let actual = BlobHasher.sha256Hex(bytes)
      guard actual == entry.sha256 else {
        throw RemediationError(
          .package,
          "\(what): SHA256 \(actual) does not match the index's \(entry.sha256); refusing it")
      }
      let pkg = try DebPackage(parsing: bytes, what: what)
      guard pkg.name == entry.name, pkg.version == entry.version else {
        throw RemediationError(
          .package, "\(what) contains \(pkg.name) \(pkg.version), not what the index names")
      }
      if !pkg.maintainerScripts.isEmpty {
        scripted.append("\(pkg.name) (\(pkg.maintainerScripts.joined(separator: ", ")))")
      }
      let have = installed.first { $0.name == choice.name }
      replacements.append(
        PackageReplacement(
          name: choice.name, installedVersion: have?.version, installedFiles: have?.files ?? [],
          package: pkg))
    }
    if !scripted.isEmpty && !request.allowScriptsSkipped {
      throw RemediationError(
        .maintainerScripts,
        "these packages have maintainer scripts that a patch does not run: \(scripted.joined(separator: "; ")); pass --allow-scripts-skipped to patch without running them"
      )
    }
    let layer = try PatchLayer(replacing: replacements, on: TreePatchBase(tree: tree), style: style)
    let summary = selection.choices.map {
      "\($0.name) \($0.installedVersion ?? "(new)") -> \($0.entry.version)"
    }
    let written = try OCILayoutWriter(directory: outDir).appendLayer(
      to: manifestDigest, from: OCILayout(directory: directory), layerTar: layer.tar, tag: outTag,
      createdBy: "tailguard patch: " + summary.joined(separator: ", "),
      comment: "OS packages replaced without running maintainer scripts (\(style.rawValue))")
    var outcome = PatchOutcome(
      manifestDigest: written.manifestDigest.description,
      layerDigest: written.layerDigest.description, output: "oci:\(outDir):\(outTag)", style: style,
      replaced: selection.choices.map {
        PatchOutcome.Replaced(
          name: $0.name, from: $0.installedVersion, to: $0.entry.version, closes: $0.closes)
      }, skipped: selection.skipped.map { "\($0.name): \($0.reason)" }, notes: layer.notes,
      vex: nil)
    if let vexPath = request.vex {
      let doc = Self.patchVEX(report: report, outcome: outcome)
      try JSONReport.encode(doc, finalNewline: true).write(to: URL(fileURLWithPath: vexPath))
      outcome.vex = vexPath
    }
    return outcome
  }

  /// OpenVEX `fixed` statements for every finding the patch closes, on the patched image.
  static func patchVEX(report: ScanReport, outcome: PatchOutcome) -> OpenVEXDocument {
    var statements: [OpenVEXDocument.Statement] = []
    let product = "pkg:oci/patched@\(outcome.manifestDigest)"
    for r in outcome.replaced {
      let closing = Set(r.closes)
      for s in report.findings
      where s.finding.packageName == r.name && closing.contains(s.finding.primaryID) {
        let f = s.finding
        statements.append(
          OpenVEXDocument.Statement(
            vulnerability: .init(
              name: f.primaryID, aliases: f.advisoryIDs.filter { $0 != f.primaryID }),
            products: [.init(id: product), .init(id: f.purl.description)], status: "fixed",
            impactStatement:
              "\(r.name) \(r.from ?? "?") replaced by \(r.to) in layer \(outcome.layerDigest)"))
      }
    }
    statements.sort {
      ($0.vulnerability.name, $0.products[1].id) < ($1.vulnerability.name, $1.products[1].id)
    }
    return OpenVEXDocument(
      id: "https://tailguard.invalid/vex/patch/\(outcome.manifestDigest.suffix(64))",
      author: "tailguard patch",
      timestamp: report.sbom.image.config.created ?? "1970-01-01T00:00:00Z",
      statements: statements)
  }

  /// `oci:DIR:TAG` or `DIR:TAG` → (DIR, TAG); the tag defaults to `patched`.
  static func patchOutput(_ text: String) throws -> (String, String) {
    var rest = text.hasPrefix("oci:") ? String(text.dropFirst(4)) : text
    var tag = "patched"
    if let colon = rest.lastIndex(of: ":"), !rest[rest.index(after: colon)...].contains("/") {
      tag = String(rest[rest.index(after: colon)...])
      rest = String(rest[..<colon])
    }
    guard !rest.isEmpty, !tag.isEmpty else {
      throw ScannerError(.usage, "--output must be oci:DIR:TAG, not \(text)")
    }
    return (rest, tag)
  }
}

/// The squashed file tree of the image as a patch sees it.
struct TreePatchBase: PatchBase, @unchecked Sendable {
  let tree: any FileResolver
  func existing(_ path: String) -> ExistingFile? {
    guard let e = tree.entry(at: path) else { return nil }
    switch e.kind {
    case .directory: return .directory
    case .symlink: return .symlink(target: e.linkTarget ?? "")
    default: return .file
    }
  }
  func contents(_ path: String) -> [UInt8]? {
    (try? tree.contents(at: path)?.readAll(limit: 256 << 20)) ?? nil
  }
}

/// The remediation results the pipeline hands its callers (the CLI names them through Scanner).
public typealias FixPlan = Remediation.FixPlan
public typealias FileEdit = Remediation.FileEdit

/// `fix plan` as one request: the target, the end-of-life data (a directory of endoflife.date
/// files; nil: the embedded table), the day the distribution's support is judged at
/// (`YYYY-MM-DD`; nil: today) and the base-image bump to look for (nil: none).
public struct FixPlanRequest: Sendable {
  public var scan: ScanRequest
  public var endOfLifeData: String?
  public var asOf: String?
  public var bump: BaseBumpRequest?
  public init(
    scan: ScanRequest, endOfLifeData: String? = nil, asOf: String? = nil,
    bump: BaseBumpRequest? = nil
  ) {
    self.scan = scan
    self.endOfLifeData = endOfLifeData
    self.asOf = asOf
    self.bump = bump
  }
}

extension Scanner {
  public func fixPlan(_ request: FixPlanRequest) async throws -> FixPlan {
    let table = try request.endOfLifeData.map(EndOfLifeTable.init(directory:)) ?? .embedded
    let day = request.asOf ?? String(ISO8601DateFormatter().string(from: Date()).prefix(10))
    if let bump = request.bump {
      return try await fixPlan(request.scan, endOfLife: table, asOf: day, bump: bump).0
    }
    return try await fixPlan(request.scan, endOfLife: table, asOf: day).0
  }

  /// `fix apply`: reads the plan at PLANPATH and prepares the edits of PATHS; writes them unless
  /// DRYRUN. Nothing is written when any file is refused.
  public func applyFixes(planPath: String, paths: [String], dryRun: Bool) throws -> [FileEdit] {
    let edits = try FixApplyFiles.prepare(paths, plan: try FixApplyFiles.loadPlan(path: planPath))
    if !dryRun { try FixApplyFiles.write(edits) }
    return edits
  }
}

extension FileEdit {
  /// The edit as a unified diff (empty when nothing changed).
  public var unifiedDiff: String { FixApply.unifiedDiff(self) }
}
