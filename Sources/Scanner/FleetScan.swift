import Advisories
import ByteFormats
import FileTrees
import Fleet
import Foundation
import ImageSources
import Policy
import SBOMFormats
import Signatures
import TailguardModel

/// `fleet scan` as a value: which deployment files and usage file make the fleet, how to rank
/// it, where tags resolve, which advisory data, and the thresholds.
public struct FleetScanRequest: Sendable {
  public var paths: [String]
  /// A usage file (CSV with a header, or a JSON array).
  public var usageFile: String?
  public var head = 20
  public var rankKey: FleetDefinitions.RankKey = .replicas
  /// A DaemonSet counts as this many replicas.
  public var daemonSetNodes = 1
  public var advisories: AdvisoryChoice
  /// Images scanned at the same time.
  public var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
  /// Resolve tags from this OCI layout (and read the images from it) instead of a registry.
  public var ociLayout: String?
  public var buildArgs: [String: String] = [:]
  public var environment: [String: String] = [:]
  /// endoflife.date checkout (`products/*.md`); nil: the embedded table.
  public var endOfLifeData: String?
  /// The day ages and end-of-life are measured against (`YYYY-MM-DD`); nil: today (UTC).
  public var asOf: String?
  public var maxAgeDays = 365
  /// `key:FILE` or `identity:…,issuer:…`: the health check `signed` verifies it per image.
  public var requireSignature: String?
  public var trustedRoot: String?
  public var onlyFixed = false
  public var ignoreUnfixed = false
  public var failOn: Severity?
  public var failOnAlert = false
  /// A partial failure (some images unreadable) fails the run.
  public var strict = false
  /// Where each image's SBOM is kept by digest; nil: `<cache>/sboms` (none without a cache).
  public var sbomCache: String?
  public var options: ScanOptions

  public init(paths: [String], advisories: AdvisoryChoice, options: ScanOptions) {
    self.paths = paths
    self.advisories = advisories
    self.options = options
  }
}

/// The fleet report and what it means for the exit status.
public struct FleetScanOutcome: Sendable, ExitStatusReporting {
  public var report: FleetScanReport
  public var crossed: [ThresholdCrossing]
  /// Nothing could be scanned, or (with `strict`) something could not.
  public var incomplete: String?
  /// Images scanned from their layers and images whose kept SBOM was matched again.
  public var scanned: Int
  public var cached: Int

  public var exitStatus: ExitStatus {
    if incomplete != nil { return .couldNotRun }
    return crossed.isEmpty ? .done : .thresholdCrossed
  }
}

extension Scanner {
  /// The fleet's long tail, measured: every reference resolved to a digest, every digest read
  /// once (`jobs` at a time, its SBOM kept by digest so an unchanged image is only re-matched),
  /// then usage, head/tail segments, usage-weighted risk, health and the alert floor.
  public func fleetScan(_ request: FleetScanRequest) async throws -> FleetScanOutcome {
    let progress = request.options.progress
    var diagnostics: [Diagnostic] = []
    let inventory = FleetScanner(buildArgs: request.buildArgs, environment: request.environment)
      .scan(request.paths)
    diagnostics += inventory.diagnostics
    var usage: UsageFile?
    if let path = request.usageFile {
      let bytes: [UInt8]
      do { bytes = try BoundedFile.read(path: path, limit: UsageFile.maxBytes) } catch {
        throw ScannerError(.usageFile, "usage file \(error.message)")
      }
      let parsed = UsageFile(parsing: bytes, path: path)
      diagnostics += parsed.diagnostics
      usage = parsed
    }
    var (members, unresolved) = FleetMember.collect(inventory.references, usage: usage)
    let resolver = try makeResolver(request)
    let resolved = await Self.resolveAll(
      Set(members.map(\.text)), resolver: resolver, jobs: request.jobs)
    var placed: [(member: FleetMember, digest: String)] = []
    var targets: [String: String] = [:]  // digest → scan target
    for member in members {
      switch resolved[member.text] {
      case .success(let (digest, target))?:
        placed.append((member, digest))
        if targets[digest] == nil { targets[digest] = target }
      case .failure(let failure)?:
        unresolved.append(
          UnresolvedReference(
            reference: member.text, file: member.file, line: member.line, reason: failure.reason))
      case nil: break
      }
    }
    members = []
    // Nothing resolved: nothing to match (and no advisory data needed to say so).
    let (store, info): (any AdvisoryStore, AdvisoryDataInfo?) =
      targets.isEmpty
      ? (InMemoryAdvisoryStore(), nil) : try request.advisories.open { progress?($0) }
    let filters = FindingFilters(onlyFixed: request.onlyFixed, ignoreUnfixed: request.ignoreUnfixed)
    let work = targets.sorted { $0.key < $1.key }
    var shared = request.options
    shared.layerCache = LayerPrefixCache()
    let options = shared
    let cacheDir = request.sbomCache ?? request.options.cache.map { $0.root + "/sboms" }
    let signer = try request.requireSignature.map { try SignatureRequirement(parsing: $0) }
    let trusted: TrustedRoot? =
      signer == nil
      ? nil : try request.trustedRoot.map(TrustedRoot.init(contentsOf:)) ?? TrustedRoot.production()
    let results = await Self.boundedMap(work, jobs: request.jobs) {
      index, item -> (String, Result<(FleetImageEvidence, Bool), FleetFailure>) in
      let (digest, target) = item
      do {
        let (inspected, cached) = try await self.inspectKept(
          target: target, digest: digest, cacheDir: cacheDir, options: options)
        progress?(
          "[\(index + 1)/\(work.count)] \(cached ? "re-matching kept SBOM of" : "scanned") \(target)"
        )
        let report = self.report(
          for: inspected.sbom, store: store, dataInfo: info, filters: filters)
        var signature: SignatureCheck?
        if let signer, let trusted {
          signature = try? await self.verifySignatures(
            target: target, requirement: signer, trustedRoot: trusted,
            registry: request.options.registry, digest: Digest(parsing: digest))
        }
        let shells = inspected.files.map { facts in
          facts.present.filter { $0.kind == .shell || $0.kind == .packageManager }.map(\.path)
        }
        return (
          digest,
          .success(
            (
              FleetImageEvidence(
                digest: digest, findings: report.findings, distro: inspected.sbom.distro,
                config: inspected.sbom.image.config, shellsAndPackageManagers: shells,
                signature: signature), cached
            ))
        )
      } catch {
        progress?("[\(index + 1)/\(work.count)] failed \(target): \(error)")
        return (digest, .failure(FleetFailure("\(error)")))
      }
    }
    var evidence: [String: FleetImageEvidence] = [:]
    var failed: [FailedImage] = []
    var cachedCount = 0
    for (digest, result) in results {
      switch result {
      case .success(let (ev, cached)):
        evidence[digest] = ev
        if cached { cachedCount += 1 }
      case .failure(let failure):
        failed.append(
          FailedImage(
            reference: targets[digest] ?? digest, digest: digest, reason: failure.reason))
      }
    }
    let endOfLife = try request.endOfLifeData.map(EndOfLifeTable.init(directory:)) ?? .embedded
    let analysis = FleetAnalysis(
      definitions: FleetDefinitions(
        rankKey: request.rankKey, head: request.head, daemonSetNodes: request.daemonSetNodes),
      asOf: request.asOf ?? Self.day(Date()), endOfLife: endOfLife, routes: inventory.routes,
      maxAgeDays: request.maxAgeDays)
    let report = analysis.report(
      members: placed, evidence: evidence, unresolved: unresolved, failed: failed,
      advisoryData: info, diagnostics: diagnostics, toolVersion: TailguardVersion.current)
    return FleetScanOutcome(
      report: report, crossed: Self.fleetThresholds(report, request: request),
      incomplete: Self.incompleteness(report, targets: targets.count, strict: request.strict),
      scanned: evidence.count - cachedCount, cached: cachedCount)
  }

  static func incompleteness(_ report: FleetScanReport, targets: Int, strict: Bool) -> String? {
    if report.images.isEmpty {
      return targets == 0
        ? "no image of the fleet could be resolved (\(report.unresolved.count) unresolved)"
        : "none of the fleet's \(targets) images could be scanned"
    }
    if strict && (!report.failed.isEmpty || !report.unresolved.isEmpty) {
      return
        "\(report.failed.count) image(s) could not be scanned and \(report.unresolved.count) reference(s) not resolved (--strict)"
    }
    return nil
  }

  static func fleetThresholds(_ report: FleetScanReport, request: FleetScanRequest)
    -> [ThresholdCrossing]
  {
    var crossed: [ThresholdCrossing] = []
    if let failOn = request.failOn {
      let hit = report.images.filter { image in
        let f = image.findings
        switch failOn {
        case .critical: return f.critical > 0
        case .high: return f.critical + f.high > 0
        case .medium: return f.critical + f.high + f.medium > 0
        case .low, .negligible: return f.critical + f.high + f.medium + f.low > 0
        case .unknown: return f.total > 0
        }
      }
      if !hit.isEmpty {
        crossed.append(
          ThresholdCrossing(
            kind: .severity,
            lines: [
              "tailguard: \(hit.count) image(s) have findings at or above \(failOn.rawValue): failing (--fail-on)"
            ]))
      }
    }
    if request.failOnAlert && !report.alerts.isEmpty {
      crossed.append(
        ThresholdCrossing(
          kind: .alert,
          lines: ["tailguard: \(report.alerts.count) image(s) alerted: failing (--fail-on-alert)"]))
    }
    return crossed
  }

  /// Tag → digest through the registry or the OCI layout.
  func makeResolver(_ request: FleetScanRequest) throws -> FleetResolver {
    if let layout = request.ociLayout {
      return .layout(try OCILayoutResolver(path: layout), layout)
    }
    return .registry(
      RegistryDigestResolver(client: try RegistryClient(configuration: request.options.registry)))
  }

  /// Resolves every distinct reference text, `jobs` at a time: the digest and the scan target,
  /// or why not.
  static func resolveAll(_ texts: Set<String>, resolver: FleetResolver, jobs: Int) async
    -> [String: Result<(String, String), FleetFailure>]
  {
    let results = await boundedMap(texts.sorted(), jobs: jobs) { _, text in
      (text, await resolver.resolve(text))
    }
    return Dictionary(results, uniquingKeysWith: { a, _ in a })
  }

  /// The SoftwareBOM and file facts of `digest`, from the kept copy when there is one (no
  /// layer read), else read from `target` and kept. The key covers the digest, the platform,
  /// the cataloguing options and the tool version, so a new tailguard catalogues again.
  func inspectKept(target: String, digest: String, cacheDir: String?, options: ScanOptions)
    async throws -> (InspectedTarget, Bool)
  {
    var quiet = options
    quiet.progress = nil
    guard let cacheDir else { return (try await inspect(target: target, options: quiet), false) }
    let keyText =
      "\(digest)|\(options.platform.map { "\($0)" } ?? "default")|\(options.catalog.allEcosystems)|\(TailguardVersion.current)|\(options.baseImage ?? "")|\(KeptSBOM.format)"
    let key = (try? BlobHasher.hex(of: Array(keyText.utf8), algorithm: "sha256")) ?? digest
    let path = "\(cacheDir)/\(key).json"
    if let bytes = try? BoundedFile.read(path: path, limit: KeptSBOM.maxBytes),
      let kept = try? JSONDecoder().decode(KeptSBOM.self, from: Data(bytes)), kept.digest == digest
    {
      return (InspectedTarget(sbom: kept.sbom, files: kept.files), true)
    }
    let inspected = try await inspect(target: target, options: quiet)
    let kept = KeptSBOM(
      digest: digest, sbom: inspected.sbom.trimmedForMatching(), files: inspected.files)
    if let data = try? JSONEncoder().encode(kept) {
      try? FileManager.default.createDirectory(
        atPath: cacheDir, withIntermediateDirectories: true)
      let temp = "\(path).\(UUID().uuidString).tmp"
      if FileManager.default.createFile(atPath: temp, contents: data) {
        if rename(temp, path) != 0 { try? FileManager.default.removeItem(atPath: temp) }
      }
    }
    return (inspected, false)
  }

  /// Maps `items` with at most `jobs` running at once; results in input order.
  static func boundedMap<T: Sendable, R: Sendable>(
    _ items: [T], jobs: Int, _ transform: @escaping @Sendable (Int, T) async -> R
  ) async -> [R] {
    await withTaskGroup(of: (Int, R).self) { group in
      var results: [R?] = Array(repeating: nil, count: items.count)
      var next = 0
      for _ in 0..<min(max(1, jobs), items.count) {
        let i = next
        group.addTask { (i, await transform(i, items[i])) }
        next += 1
      }
      while let (i, r) = await group.next() {
        results[i] = r
        if next < items.count {
          let j = next
          group.addTask { (j, await transform(j, items[j])) }
          next += 1
        }
      }
      return results.compactMap { $0 }
    }
  }
}

/// What is kept per image digest between fleet scans: what matching and the health checks read
/// (`SoftwareBOM.trimmedForMatching`: no installed-file lists, one location per package). The
/// file lists are most of an OS image's SBOM, and decoding them was most of a second run's time.
struct KeptSBOM: Codable {
  static let maxBytes = 512 << 20
  /// Part of the cache key: a kept SBOM of another format is catalogued again.
  static let format = "kept-3"
  var digest: String
  var sbom: SoftwareBOM
  var files: PolicyFileFacts?
}

/// Why a fleet reference, or an image, could not be used: the text a report lists.
struct FleetFailure: Error, Sendable {
  var reason: String
  init(_ reason: String) { self.reason = reason }
}

/// Where tags resolve: the registry, or an OCI layout (whose images are then read from it).
enum FleetResolver: Sendable {
  case registry(RegistryDigestResolver)
  case layout(OCILayoutResolver, String)

  func resolve(_ text: String) async -> Result<(String, String), FleetFailure> {
    let ref: ImageReference
    do { ref = try ImageReference(parsing: text) } catch {
      return .failure(FleetFailure("not a valid image reference: \(error)"))
    }
    switch self {
    case .registry(let resolver):
      if let digest = ref.digest {
        return .success((digest.description, "registry:\(ref.name)@\(digest)"))
      }
      do {
        let digest = try await resolver.resolve(ref)
        return .success((digest.description, "registry:\(ref.name)@\(digest)"))
      } catch {
        return .failure(FleetFailure("registry: \(error)"))
      }
    case .layout(let resolver, let dir):
      do {
        let digest = try await ref.digest.asyncOr { try await resolver.resolve(ref) }
        return .success((digest.description, "oci:\(dir)@\(digest)"))
      } catch {
        return .failure(FleetFailure("\(error)"))
      }
    }
  }
}

extension Optional where Wrapped == Digest {
  fileprivate func asyncOr(_ make: () async throws -> Digest) async throws -> Digest {
    if let self { return self }
    return try await make()
  }
}
