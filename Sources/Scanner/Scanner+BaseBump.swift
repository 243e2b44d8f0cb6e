import ByteFormats
import Fleet
import Foundation
import ImageSources
import Remediation
import Reports
import TailguardModel

/// Where `fix plan` finds the image's base and how far it looks for a newer one.
public struct BaseBumpRequest: Sendable {
  /// A Dockerfile whose final stage's `FROM` names the base (ARG defaults applied).
  public var dockerfile: String?
  /// The base reference, given directly (`--base-name`); wins over the Dockerfile.
  public var baseName: String?
  /// How many candidate tags (newest first) are scanned.
  public var maxCandidates = 3
  public init(dockerfile: String? = nil, baseName: String? = nil) {
    self.dockerfile = dockerfile
    self.baseName = baseName
  }

  /// The label (or annotation) BuildKit writes with the base image's name.
  public static let baseNameLabel = "org.opencontainers.image.base.name"
}

extension Scanner {
  /// `fix plan` with base-image candidates: the base is named by `bump` (or the image's
  /// `org.opencontainers.image.base.name` label); its layers are found by comparing `diff_ids`
  /// with the base image itself; the base repository's tags in the same line (TagLine) are
  /// scanned, newest first, and the one with the fewest findings is recommended, pinned by digest.
  public func fixPlan(
    _ request: ScanRequest, endOfLife: EndOfLifeTable?, asOf: String, bump: BaseBumpRequest
  ) async throws -> (FixPlan, ScanReport) {
    var (plan, report) = try await fixPlan(request, endOfLife: endOfLife, asOf: asOf)
    var notes: [String] = []
    let written: String
    if let name = bump.baseName {
      written = name
    } else if let file = bump.dockerfile {
      guard let name = try Self.finalBase(dockerfile: file, notes: &notes) else {
        plan.notes += notes
        return (plan, report)
      }
      written = name
    } else if let label = report.sbom.image.config.labels[BaseBumpRequest.baseNameLabel] {
      written = label
    } else {
      plan.notes.append(
        "no base image named (--dockerfile, --base-name or the \(BaseBumpRequest.baseNameLabel) label): no base-image bump considered"
      )
      return (plan, report)
    }
    let ref: ImageReference
    do { ref = try ImageReference(parsing: written) } catch {
      plan.notes.append("base image \(written) is not an image reference: no base-image bump")
      return (plan, report)
    }
    guard ref.digest == nil || ref.tag != nil else {
      plan.notes.append(
        "base image \(written) is pinned by digest only; no tag line to look for newer tags in")
      return (plan, report)
    }
    let current = ref.tag ?? "latest"
    let repoWritten = FixApply.splitReference(written).repository
    var options = request.options
    options.baseImage = nil
    // The current base: its layers mark which packages came with it, its size is the reference.
    let baseTarget =
      "registry:"
      + ImageReference(
        registry: ref.registry, repository: ref.repository, tag: current, digest: ref.digest
      ).description
    let baseImage: ImageMetadata
    do {
      baseImage = try await imageSource(
        for: try ImageTarget.parse(baseTarget), target: baseTarget, options: options
      ).image()
    } catch {
      plan.notes.append("base image \(written) could not be read: \(error)")
      return (plan, report)
    }
    BaseImageBoundary.apply(
      count: BaseImageBoundary.baseLayerCount(image: report.sbom.image, base: baseImage),
      to: &report.sbom)
    let baseSize = baseImage.layers.reduce(Int64(0)) { $0 + $1.size }
    // Tags in the same line.
    let client = try RegistryClient(configuration: options.registry)
    let tags: [String]
    do {
      tags = try await client.listTags(registry: ref.apiHost, repository: ref.repository)
      await client.shutdown()
    } catch {
      await client.shutdown()
      plan.notes.append("tags of \(ref.name) could not be listed: \(error)")
      return (plan, report)
    }
    let releases = Self.tagLineReleases(endOfLife, distro: report.sbom.distro)
    let line = TagLine.candidates(current: current, tags: tags, releases: releases, asOf: asOf)
    var candidates: [FixPlan.Candidate] = []
    var scanned: [(FixPlan.Candidate, Set<String>)] = []
    for (i, tag) in line.candidates.enumerated() {
      guard i < bump.maxCandidates else {
        candidates.append(
          FixPlan.Candidate(
            tag: tag, skipped: "not scanned (only the \(bump.maxCandidates) newest are)"))
        continue
      }
      let target =
        "registry:"
        + ImageReference(
          registry: ref.registry, repository: ref.repository, tag: tag
        ).description
      var scanRequest = request
      scanRequest.target = target
      scanRequest.options = options
      do {
        let outcome = try await scan(scanRequest)
        guard let r = outcome.report else { throw ScannerError(.unsupportedTarget, "no report") }
        let open = Set(r.findings.map { "\($0.finding.packageName)@\($0.finding.primaryID)" })
        let size = r.sbom.image.layers.reduce(Int64(0)) { $0 + $1.size }
        let c = FixPlan.Candidate(
          tag: tag, digest: r.sbom.image.manifestDigest?.description, findings: r.findings.count,
          sizeDifference: size - baseSize)
        candidates.append(c)
        scanned.append((c, open))
      } catch {
        candidates.append(FixPlan.Candidate(tag: tag, skipped: "could not be scanned: \(error)"))
      }
    }
    candidates += line.skipped.map { FixPlan.Candidate(tag: $0.tag, skipped: $0.reason) }
    // Fewest findings wins; among equals the newest (the order TagLine gives).
    let best = scanned.min { ($0.0.findings ?? .max) < ($1.0.findings ?? .max) }
    if line.candidates.isEmpty {
      notes.append("no newer tag of \(repoWritten) in the line of \(current)")
    }
    var planner = FixPlanner(
      baseBump: FixPlanner.BaseBump(
        repository: repoWritten, from: written, chosen: best?.0, remaining: best?.1 ?? [],
        candidates: candidates))
    if let table = endOfLife, let distro = report.sbom.distro {
      let check = table.check(distro: distro, asOf: asOf)
      if !check.passed, table.release(of: distro) != nil { planner.endOfLife = check.detail }
    }
    var out = planner.plan(report)
    out.notes = plan.notes + notes + out.notes
    return (out, report)
  }

  /// TagLine's view of the distribution's release cycles: end of regular security support,
  /// and LTS by Ubuntu's rule (April releases of even years; the embedded table has no LTS).
  static func tagLineReleases(_ table: EndOfLifeTable?, distro: Distro?) -> [TagLine.Release] {
    guard let table, let id = distro?.id else { return [] }
    return table.releases(distribution: id).map {
      let parts = $0.releaseCycle.split(separator: ".")
      let lts =
        id == "ubuntu" && parts.count == 2 && parts[1] == "04"
        && (Int(parts[0]).map { $0 % 2 == 0 } ?? false)
      let eol: String? =
        switch $0.eol {
        case .date(let d)?: d
        case .flag(let b)?: b ? "true" : "false"
        case nil: nil
        }
      return TagLine.Release(cycle: $0.releaseCycle, codename: $0.codename, lts: lts, eol: eol)
    }
  }

  /// The image the final stage of a Dockerfile is built on, following stage names; nil (with a
  /// note) when it is a build argument without a default or `scratch`.
  static func finalBase(dockerfile path: String, notes: inout [String]) throws -> String? {
    let bytes: [UInt8]
    do { bytes = try BoundedFile.read(path: path, limit: 4 << 20) } catch {
      throw ScannerError(.unsupportedTarget, "cannot read the Dockerfile: \(error)")
    }
    let refs = DockerfileExtractor().extract(bytes: bytes, file: path).references
    let stages = refs.filter { $0.workload?.kind == "stage" }
    guard var ref = stages.last else {
      notes.append("\(path) has no FROM line: no base-image bump considered")
      return nil
    }
    var hops = 0
    while let next = stages.first(where: {
      $0.workload?.name?.lowercased() == ref.effectiveText.lowercased()
    }), hops < stages.count {
      ref = next
      hops += 1
    }
    let name = ref.effectiveText
    if name.contains("$") || name.lowercased() == "scratch" || name.isEmpty {
      notes.append("\(path): the final stage is built on \(name); no base-image bump considered")
      return nil
    }
    return name
  }
}
