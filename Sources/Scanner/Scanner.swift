import Advisories
import Catalogers
import FileTrees
import Foundation
import Matching
import Policy
import SBOMFormats
import Scoring
import TailguardModel

/// Wires the pipeline: source → file tree → catalogers → SoftwareBOM → matching → scoring →
/// ScanReport. The only place that knows every stage; each stage talks to the next through a value.
public struct Scanner: Sendable {
  /// The catalogers, in a fixed order. Nothing registers itself: this array is the list.
  public var catalogers: [any Cataloger]

  public init(catalogers: [any Cataloger] = Scanner.defaultCatalogers) {
    self.catalogers = catalogers
  }

  public static let defaultCatalogers: [any Cataloger] = [
    DpkgCataloger(), ApkCataloger(), RpmCataloger(), PythonCataloger(), NpmCataloger(),
    GoBinaryCataloger(), RustBinaryCataloger(), JavaCataloger(),
  ]

  /// Every file any stage wants captured during the one walk over each layer.
  public var selectors: [FileSelector] {
    var seen = Set<FileSelector>()
    let policyFiles = PolicyFileFacts.contentPaths.map {
      FileSelector(.path($0), maxSize: Int64(PolicyFileFacts.maxConfigBytes))
    }
    return (OSReleaseDetector.selectors + catalogers.flatMap(\.selectors) + policyFiles).filter {
      seen.insert($0).inserted
    }
  }

  /// Runs the catalogers over a file tree and assembles the SoftwareBOM.
  public func catalog(
    resolver: any FileResolver, image: ImageMetadata, options: CatalogOptions = CatalogOptions()
  ) -> SoftwareBOM {
    var diagnostics = resolver.diagnostics
    let (distro, osDiagnostics) = OSReleaseDetector().detect(resolver)
    diagnostics += osDiagnostics
    let context = CatalogContext(distro: distro, options: options)
    var packages: [Package] = []
    var relationships: [Relationship] = []
    // Catalogers are independent readers of the finished tree: they run side by side, and
    // their results are taken in list order (deterministic output).
    let results = ParallelMap.map(catalogers) { $0.catalog(resolver, context: context) }
    for result in results {
      packages += result.packages
      relationships += result.relationships
      diagnostics += result.diagnostics
    }
    let owned = Ownership.apply(
      to: CatalogResult(packages: packages, relationships: relationships), options: options,
      resolver: resolver)
    packages = owned.packages
    relationships = owned.relationships
    diagnostics += owned.diagnostics
    for pkg in packages {
      relationships.append(
        Relationship(from: Relationship.imageRootID, to: pkg.id, kind: .contains))
    }
    var bom = SoftwareBOM(
      image: image, distro: distro, packages: packages, relationships: relationships,
      diagnostics: diagnostics)
    bom.normalize()
    return bom
  }

  /// Matches a SoftwareBOM (scanned or imported) and builds the report.
  /// GROUPS keeps prepared advisories across calls against the same unchanging STORE.
  public func report(
    for bom: SoftwareBOM, store: any AdvisoryStore, dataInfo: AdvisoryDataInfo?,
    filters: FindingFilters = FindingFilters(),
    now: Date = Date(), groups: PreparedGroupCache? = nil
  ) -> ScanReport {
    let result = Matcher(store: store, cache: groups).match(bom)
    let assessor = Assessor()
    let today = Self.day(now)
    var open: [ScoredFinding] = []
    var suppressed: [ScoredFinding] = []
    for finding in result.findings {
      var scored = ScoredFinding(finding: finding, assessment: assessor.assess(finding))
      if let rule = filters.ignore?.match(finding, today: today) {
        scored.suppression = Suppression(
          kind: "ignore-file", reason: rule.reason,
          source: "\(filters.ignore?.file ?? ""):\(rule.line)", expires: rule.expires)
        suppressed.append(scored)
        continue
      }
      if let st = filters.vex?.match(finding) {
        scored.suppression = Suppression(
          kind: "openvex", reason: st.justification ?? st.status,
          source: filters.vex?.file ?? "")
        suppressed.append(scored)
        continue
      }
      if filters.onlyFixed && finding.fixedVersion == nil { continue }
      if filters.ignoreUnfixed && (finding.fixState == .notFixed || finding.fixState == .wontFix) {
        continue
      }
      open.append(scored)
    }
    open.sort(by: Self.reportOrder)
    suppressed.sort(by: Self.reportOrder)
    var diagnostics = bom.diagnostics + result.diagnostics
    diagnostics += filters.ignore?.diagnostics ?? []
    diagnostics += filters.vex?.diagnostics ?? []
    return ScanReport(
      toolVersion: TailguardVersion.current, scannedAt: Self.timestamp(now), sbom: bom,
      findings: open,
      suppressed: suppressed, advisoryData: dataInfo, diagnostics: diagnostics)
  }

  /// Severity, then risk (highest first), then the finding's own stable order.
  static func reportOrder(_ a: ScoredFinding, _ b: ScoredFinding) -> Bool {
    if a.assessment.severity != b.assessment.severity {
      return a.assessment.severity > b.assessment.severity
    }
    if a.assessment.risk.value != b.assessment.risk.value {
      return a.assessment.risk.value > b.assessment.risk.value
    }
    return a.finding < b.finding
  }

  static func day(_ date: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd"
    return f.string(from: date)
  }

  static func timestamp(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
  }
}

/// What the user asked to leave out of the open findings.
public struct FindingFilters: Sendable {
  public var onlyFixed: Bool
  public var ignoreUnfixed: Bool
  public var ignore: IgnoreRules?
  public var vex: VEXStatements?
  public init(
    onlyFixed: Bool = false, ignoreUnfixed: Bool = false, ignore: IgnoreRules? = nil,
    vex: VEXStatements? = nil
  ) {
    self.onlyFixed = onlyFixed
    self.ignoreUnfixed = ignoreUnfixed
    self.ignore = ignore
    self.vex = vex
  }
}
