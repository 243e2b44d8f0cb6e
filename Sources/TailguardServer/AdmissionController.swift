import ByteFormats
import Foundation
import Logging
import Policy
import Rego
import SBOMFormats
import Scanner
import TailguardModel

/// The admission decision, shared by `POST /admission/validate`, `POST /admission/mutate` and
/// `tailguard admission review`: each image's digest (a digest reference as written; a tag
/// through the registry, cached for `tagCacheTTL`), the facts the server stored for that digest,
/// and the same Rego policies as `scan --policy` with the review under `input.admission`. Every
/// answer is given before `settings.deadline`: a registry that is slow or down makes an image
/// unknown, never the answer late.
public final class AdmissionController: Sendable {
  public let settings: AdmissionSettings
  let store: any AdmissionStore
  let policy: PolicyEngine?
  /// `sha256:…` of the policies (pack names and tailguard version, user files' bytes).
  public let policyBundle: String
  let resolver: TagResolver
  /// Facts of indexed digests for a few seconds (findings change on re-match and suppression;
  /// five seconds is how stale a decision may be).
  let facts = TTLCache<CachedFacts>(ttl: .seconds(5))
  /// Policy verdicts for (digest, image as written, container), as stale as the facts: the same
  /// workload's pods are judged once. Keyed on the review too when a policy may read it.
  let verdicts = TTLCache<Verdict>(ttl: .seconds(5))
  let policiesReadReview: Bool

  struct Verdict: Sendable {
    var violations: [(String, String)]
    var warnings: [String]
  }
  let metrics: ServerMetrics?
  let recorder: AdmissionRecorder?
  let advisoryVersion: @Sendable () async -> String
  let logger: Logger

  /// Resolves a `registry:REF` target to the manifest digest the server indexes.
  public typealias Resolve = @Sendable (String) async throws -> String

  /// - Parameters:
  ///   - record: store decisions and queue unknown images (the server); the CLI replays
  ///     without either.
  public init(
    settings: AdmissionSettings, store: any AdmissionStore, resolve: @escaping Resolve,
    metrics: ServerMetrics? = nil, record: Bool = true,
    advisoryVersion: @escaping @Sendable () async -> String = { "unknown" },
    logger: Logger = Logger(label: "tailguard.admission")
  ) throws {
    self.settings = settings
    self.store = store
    policy = settings.policies.isEmpty ? nil : try PolicyEngine(arguments: settings.policies)
    (policyBundle, policiesReadReview) = Self.bundle(settings.policies)
    resolver = TagResolver(ttl: settings.tagCacheTTL, resolve: resolve)
    self.metrics = metrics
    recorder = record ? AdmissionRecorder(store: store, logger: logger) : nil
    self.advisoryVersion = advisoryVersion
    self.logger = logger
  }

  /// The registry resolution `POST /api/v1/images` uses: the manifest digest for the server's
  /// platform.
  public static func registryResolver(options: ScanOptions) -> Resolve {
    { target in
      let image = try await Scanner().resolveImage(target: target, options: options)
      guard let digest = image.manifestDigest?.description else {
        throw ServerFailure(.unavailable, "\(target) resolved to no manifest digest")
      }
      return digest
    }
  }

  static func bundleHash(_ arguments: [String]) -> String { bundle(arguments).hash }

  /// The bundle hash, and whether a decision can depend on the review: a user policy that names
  /// `admission` (or indexes `input` by a computed key) may read `input.admission`; the built-in
  /// packs never do.
  static func bundle(_ arguments: [String]) -> (hash: String, readsReview: Bool) {
    var readsReview = false
    var bytes: [UInt8] = Array("tailguard \(TailguardVersion.current)\n".utf8)
    let fm = FileManager.default
    for argument in arguments {
      var isDir: ObjCBool = false
      if fm.fileExists(atPath: argument, isDirectory: &isDir) {
        var files = [argument]
        if isDir.boolValue {
          files = (fm.subpaths(atPath: argument) ?? []).sorted().map { argument + "/" + $0 }
        }
        for file in files {
          guard let data = fm.contents(atPath: file) else { continue }
          bytes += Array("file \(file)\n".utf8) + Array(data) + [10]
          let text = String(decoding: data, as: UTF8.self)
          if text.contains("admission") || text.contains("input[") { readsReview = true }
        }
      } else {
        bytes += Array("pack \(argument)\n".utf8)
      }
    }
    return ("sha256:" + BlobHasher.sha256Hex(bytes), readsReview)
  }

  // MARK: - Reviews

  /// What one review came to (for the response, the record and the metrics).
  public struct Outcome: Sendable {
    public var response: AdmissionReview.Response
    public var request: AdmissionRequest?
    public var judged: [Judgement]
    public var mode: String
    public var rules: [String]
  }

  /// One image's judgement.
  public struct Judgement: Sendable {
    public var image: String
    public var digest: String?
    /// `name:tag@sha256:…` when the reference was a tag that resolved.
    public var pinned: String?
    /// False when the server has not indexed the digest (or none resolved).
    public var known: Bool
    /// A registry call was made (no cached digest).
    public var registryCall: Bool
    public var timedOut: Bool
    public var violations: [(rule: String, message: String)]
    public var warnings: [String]
  }

  /// `POST /admission/validate`. Throws only for a body that is not an AdmissionReview (400).
  public func validate(_ body: [UInt8]) async throws(AdmissionReviewProblem) -> Outcome {
    let started = ContinuousClock.now
    let outcome: Outcome
    switch AdmissionReview.read(body) {
    case .success(let request): outcome = await decide(request, started: started)
    case .failure(.notUnderstood(let uid, let reason)):
      outcome = await notUnderstood(uid: uid, reason: reason)
    case .failure(.malformed(let message)): throw .malformed(message)
    }
    finish(outcome, started: started, record: true)
    return outcome
  }

  /// `POST /admission/mutate`: pins tags to the digests they resolve to; never denies.
  public func mutate(_ body: [UInt8]) async throws(AdmissionReviewProblem) -> Outcome {
    let started = ContinuousClock.now
    let request: AdmissionRequest
    switch AdmissionReview.read(body) {
    case .success(let r): request = r
    case .failure(.malformed(let message)): throw .malformed(message)
    case .failure(.notUnderstood(let uid, let reason)):
      // Nothing to pin in what cannot be read: the validating webhook decides it.
      return Outcome(
        response: .init(
          uid: uid, allowed: true, warnings: [AdmissionReview.warning("tailguard: \(reason)")]),
        request: nil, judged: [], mode: "error", rules: [])
    }
    var response = AdmissionReview.Response(uid: request.uid, allowed: true)
    guard !request.containers.isEmpty, !isExcluded(request.namespace) else {
      return Outcome(response: response, request: request, judged: [], mode: "none", rules: [])
    }
    let deadline = started + settings.deadline
    let judged = await judgeAll(request, deadline: deadline, evaluate: false)
    var patch: [Value] = []
    for c in request.containers {
      guard let j = judged[c.image], let pinned = j.pinned else { continue }
      patch.append(
        .object(["op": "replace", "path": .string(c.pointer), "value": .string(pinned)]))
    }
    if !patch.isEmpty {
      response.patchType = "JSONPatch"
      response.patch = Data(JSONCodec.encode(.array(patch)).utf8).base64EncodedString()
    }
    let outcome = Outcome(
      response: response, request: request, judged: Array(judged.values), mode: "mutate",
      rules: [])
    finish(outcome, started: started, record: false)
    return outcome
  }

  func isExcluded(_ namespace: String?) -> Bool {
    guard let namespace else { return false }
    return settings.excludeNamespaces.contains(namespace)
  }

  func notUnderstood(uid: String, reason: String) async -> Outcome {
    let allow = settings.onError == .allow
    var response = AdmissionReview.Response(uid: uid, allowed: allow)
    let text =
      "tailguard cannot understand this review (\(reason)); admission.onError is \(settings.onError.rawValue)"
    if allow {
      response.warnings = [AdmissionReview.warning(text)]
    } else {
      response.status = .init(code: 400, message: text, reason: "BadRequest")
    }
    response.auditAnnotations = await annotations(decision: allow ? "allowed" : "denied")
    return Outcome(
      response: response, request: nil, judged: [], mode: "error", rules: ["review-error"])
  }

  func annotations(decision: String) async -> [String: String] {
    [
      "policy-bundle": policyBundle, "advisory-data": await advisoryVersion(),
      "decision": decision,
    ]
  }

  func decide(_ request: AdmissionRequest, started: ContinuousClock.Instant) async -> Outcome {
    var response = AdmissionReview.Response(uid: request.uid, allowed: true)
    guard !request.containers.isEmpty else {
      return Outcome(response: response, request: request, judged: [], mode: "none", rules: [])
    }
    if isExcluded(request.namespace) {
      return Outcome(response: response, request: request, judged: [], mode: "excluded", rules: [])
    }
    let mode = settings.mode(for: request.namespace)
    let judged = await judgeAll(request, deadline: started + settings.deadline, evaluate: true)
    var denials: [String] = []
    var warnings: [String] = []
    var rules: Set<String> = []
    var denialWarnings: [String] = []
    for image in orderedImages(request) {
      guard let j = judged[image] else { continue }
      let short = Self.short(image)
      for v in j.violations {
        rules.insert(v.rule)
        denials.append("image \(image): [\(v.rule)] \(v.message)")
        denialWarnings.append("[\(v.rule)] \(short): \(v.message)")
      }
      warnings += j.warnings.map { "\(short): \($0)" }
    }
    switch mode {
    case .enforce:
      if !denials.isEmpty {
        response.allowed = false
        var message = "tailguard denied \(request.kind) \(request.name ?? ""): "
        message += denials.joined(separator: "; ")
        if message.count > 2000 { message = String(message.prefix(1999)) + "…" }
        response.status = .init(code: 403, message: message, reason: "Forbidden")
      }
    case .warn:
      warnings = denialWarnings + warnings
    case .audit:
      warnings = []
    }
    if !warnings.isEmpty {
      response.warnings = warnings.prefix(16).map(AdmissionReview.warning)
    }
    response.auditAnnotations = await annotations(
      decision: (response.allowed ? "allowed" : "denied")
        + (rules.isEmpty ? "" : " (\(rules.sorted().joined(separator: ",")))"))
    return Outcome(
      response: response, request: request,
      judged: orderedImages(request).compactMap { judged[$0] },
      mode: mode.rawValue, rules: rules.sorted())
  }

  /// The image for a warning (≤ 120 characters): a digest cut to 12 hex digits.
  static func short(_ image: String) -> String {
    guard let at = image.range(of: "@sha256:") else { return image }
    return String(image[..<at.upperBound]) + String(image[at.upperBound...].prefix(12))
  }

  /// The images in container order (init containers first), once each.
  func orderedImages(_ request: AdmissionRequest) -> [String] {
    var seen: Set<String> = []
    return request.containers.map(\.image).filter { seen.insert($0).inserted }
  }

  func judgeAll(_ request: AdmissionRequest, deadline: ContinuousClock.Instant, evaluate: Bool)
    async -> [String: Judgement]
  {
    let images = orderedImages(request)
    return await withTaskGroup(of: Judgement.self) { group in
      for image in images {
        let container = request.containers.first { $0.image == image }!
        group.addTask {
          await self.judge(
            image, container: container, request: request, deadline: deadline,
            evaluate: evaluate)
        }
      }
      var out: [String: Judgement] = [:]
      for await j in group { out[j.image] = j }
      return out
    }
  }

  func judge(
    _ image: String, container: AdmissionContainer, request: AdmissionRequest,
    deadline: ContinuousClock.Instant, evaluate: Bool
  ) async -> Judgement {
    var j = Judgement(
      image: image, digest: nil, pinned: nil, known: false, registryCall: false, timedOut: false,
      violations: [], warnings: [])
    guard let ref = try? ImageReference(parsing: image) else {
      return unknown(j, why: "is not an image reference", request: request, target: nil)
    }
    if let digest = ref.digest {
      j.digest = digest.description
    } else {
      let target = "registry:" + image
      switch await resolver.resolve(target, deadline: deadline) {
      case .digest(let digest, let cached):
        j.digest = digest
        j.registryCall = !cached
        j.pinned = image + "@" + digest
      case .failed(let why, let timedOut):
        j.registryCall = true
        j.timedOut = timedOut
        if timedOut { metrics?.admissionTimeout() }
        // The digest the reference was last indexed at, if any: pinned, that is what runs.
        if let last = (try? store.lastDigest(reference: target)) ?? nil {
          j.digest = last
          j.pinned = image + "@" + last
          j.warnings.append("registry did not answer (\(why)); judged at the last indexed digest")
        } else {
          if !request.dryRun, recorder != nil {
            resolver.enqueueWhenResolved(target, store: store, logger: logger)
          }
          return unknown(j, why: "could not be resolved (\(why))", request: request, target: nil)
        }
      }
    }
    guard let digest = j.digest else { return j }
    let facts: CachedFacts?
    if let cached = self.facts.get(digest) {
      facts = cached
    } else {
      do {
        let store = self.store
        facts = try await BlockingWork.run {
          try store.admissionFacts(digest: digest).map(CachedFacts.init)
        }
      } catch {
        logger.error("admission: store: \(error)")
        return unknown(j, why: "cannot be read from the database", request: request, target: nil)
      }
      if let facts, facts.indexed { self.facts.put(digest, facts) }
    }
    guard let facts, facts.indexed else {
      var pinnedRef = ref
      pinnedRef.tag = nil
      pinnedRef.digest = try? Digest(parsing: digest)
      let why =
        facts?.summary.status == "failed"
        ? "(\(digest)) could not be indexed: \(facts?.summary.error ?? "")"
        : "(\(digest)) is not yet scanned"
      return unknown(j, why: why, request: request, target: "registry:" + pinnedRef.description)
    }
    j.known = true
    guard evaluate, let policy else { return j }
    var key = [
      digest, image, container.name, container.list, String(container.index), container.pointer,
    ].joined(separator: "\n")
    if policiesReadReview {
      // The review without its uid (new on every request), which no policy decides on.
      key +=
        "\n" + JSONCodec.encode(request.document).replacingOccurrences(of: request.uid, with: "")
    }
    if let verdict = verdicts.get(key) {
      j.violations += verdict.violations
      j.warnings += verdict.warnings
      return j
    }
    let input = facts.input(container: container, image: image, reference: ref, review: request)
    var verdict = Verdict(violations: [], warnings: [])
    do {
      let decision = try policy.evaluate(input: input)
      for v in decision.violations {
        verdict.violations.append((v.pack ?? "\(v.package).\(v.rule)", v.message))
      }
      for w in decision.warnings { verdict.warnings.append("[\(w.pack ?? w.rule)] \(w.message)") }
      verdicts.put(key, verdict)
    } catch {
      // A policy that cannot be evaluated decides nothing in the image's favour (not cached).
      verdict.violations.append(("policy-error", "policy evaluation failed: \(error)"))
    }
    j.violations += verdict.violations
    j.warnings += verdict.warnings
    return j
  }

  /// The configured decision for an image the server cannot judge; queues an index job at the
  /// highest priority (not for a dry run, which has no side effects).
  func unknown(_ j: Judgement, why: String, request: AdmissionRequest, target: String?)
    -> Judgement
  {
    var j = j
    if let target, let digest = j.digest, !request.dryRun, recorder != nil {
      do {
        _ = try store.enqueue(digest: digest, reference: target, priority: 100, now: Date())
      } catch {
        logger.error("admission: cannot queue \(target): \(error)")
      }
    }
    let queued = target != nil && !request.dryRun && recorder != nil ? " (queued for indexing)" : ""
    switch settings.unknownImage {
    case .deny:
      j.violations.append(("unknown-image", "\(why)\(queued); retry once tailguard has indexed it"))
    case .allow:
      j.warnings.append("\(why)\(queued); admitted unchecked (admission.unknownImage: allow)")
    }
    return j
  }

  func finish(_ outcome: Outcome, started: ContinuousClock.Instant, record: Bool) {
    let elapsed = ContinuousClock.now - started
    let decision: String
    switch outcome.mode {
    case "excluded", "none": decision = outcome.mode
    default: decision = outcome.response.allowed ? "allowed" : "denied"
    }
    let cache = outcome.judged.contains { $0.registryCall } ? "miss" : "hit"
    metrics?.admissionReview(decision: decision, cache: cache, duration: elapsed)
    guard record, let recorder, outcome.mode != "excluded", outcome.mode != "none" else { return }
    let request = outcome.request
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    recorder.add(
      AdmissionRecord(
        uid: outcome.response.uid, at: SQLServerStore.timestamp(Date()),
        operation: request?.operation ?? "", kind: request?.kind ?? "",
        namespace: request?.namespace, name: request?.name,
        images: outcome.judged.map(\.image), digests: outcome.judged.map { $0.digest ?? "" },
        decision: outcome.response.allowed ? "allowed" : "denied", mode: outcome.mode,
        rules: outcome.rules,
        message: outcome.response.status?.message ?? outcome.response.warnings?.first,
        latencyMs: seconds * 1000, dryRun: request?.dryRun ?? false, cache: cache))
  }

  /// Waits for the decisions written so far (tests, and the CLI).
  public func flush() async { await recorder?.flush() }
}

// MARK: - Facts

/// The facts of one indexed digest, projected once into the policy input.
struct CachedFacts: Sendable {
  let summary: ImageSummary
  let base: Value

  var indexed: Bool { summary.status == "indexed" }

  init(_ facts: AdmissionImageFacts) {
    summary = facts.summary
    guard let sbom = facts.sbom else {
      base = .null
      return
    }
    let report = ScanReport(
      toolVersion: TailguardVersion.current, scannedAt: facts.summary.indexedAt ?? "", sbom: sbom)
    var object: [Value: Value] = [:]
    if case .object(let o) = PolicyInput.make(report: report) { object = o }
    var open: [Value] = []
    var suppressed: [Value] = []
    var bySeverity: [String: Int] = [:]
    var fixable = 0
    var kev = 0
    var openCount = 0
    for f in facts.findings {
      let values = Self.findings(f)
      if f.state == "suppressed" {
        suppressed += values
        continue
      }
      open += values
      openCount += values.count
      bySeverity[f.severity, default: 0] += values.count
      if f.fixedVersion != nil { fixable += values.count }
      if f.kev { kev += values.count }
    }
    var counts: [Value: Value] = [:]
    for s in Severity.allCases { counts[.string(s.rawValue)] = .int(bySeverity[s.rawValue] ?? 0) }
    counts["total"] = .int(openCount)
    counts["fixable"] = .int(fixable)
    counts["kev"] = .int(kev)
    counts["suppressed"] = .int(suppressed.count)
    object["findings"] = .array(open)
    object["suppressed"] = .array(suppressed)
    object["summary"] = .object(counts)
    object["server"] = .object([
      "digest": .string(facts.summary.digest),
      "status": .string(facts.summary.status),
      "indexedAt": facts.summary.indexedAt.map { .string($0) } ?? .null,
      "references": .array((facts.summary.references ?? []).map { .string($0) }),
      "openFindings": .int(facts.summary.openFindings),
      "segment": facts.segment.map { .string($0) } ?? .null,
      "usage": .array(
        facts.usage.map { u in
          .object([
            "source": .string(u.source), "namespace": u.namespace.map { .string($0) } ?? .null,
            "workload": .string(u.workload), "kind": .string(u.kind), "replicas": .int(u.replicas),
            "exposure": .array(u.exposure.map { .string($0) }),
            "team": u.team.map { .string($0) } ?? .null,
          ])
        }),
    ])
    base = .object(object)
  }

  /// A stored finding as `input.findings[]` elements (one per package, as `scan` has them).
  static func findings(_ f: FindingRecord) -> [Value] {
    func str(_ s: String?) -> Value { s.map { .string($0) } ?? .null }
    let severity = Severity(rawValue: f.severity) ?? .unknown
    var kev: Value = .null
    if f.kev {
      kev = .object([
        "dateAdded": .string(f.kevDate ?? ""), "knownRansomwareCampaignUse": .bool(false),
        "dueDate": .null,
      ])
    }
    let suppression: Value =
      f.suppression.map { s in
        .object([
          "kind": "server", "reason": .string(s.reason), "source": .string("suppression #\(s.id)"),
          "expires": .null,
        ])
      } ?? .null
    return f.packages.map { p in
      var name = p
      var version = ""
      if let at = p.lastIndex(of: "@"), at != p.startIndex {
        name = String(p[..<at])
        version = String(p[p.index(after: at)...])
      }
      return .object([
        "id": .string(f.vulnerabilityID), "aliases": .array([]), "recordIDs": .array([]),
        "summary": str(f.summary),
        "package": .object([
          "id": .string(p), "name": .string(name), "version": .string(version), "purl": .null,
          "type": .null,
        ]),
        "severity": .string(severity.rawValue), "severityRank": .int(severity.rank),
        "severitySource": "server", "cvss": .null,
        "risk": .object(["value": .double(f.risk), "reasons": .array([])]),
        "fixState": .string(f.fixable ? "fixed" : "unknown"), "fixedVersion": str(f.fixedVersion),
        "fixedVersions": f.fixedVersion.map { .array([.string($0)]) } ?? .null,
        "kev": kev, "epss": .null, "layerIndex": .null, "layerDigest": .null,
        "suppression": suppression, "state": .string(f.state), "firstSeen": .string(f.firstSeen),
        "slaState": str(f.slaState), "slaDue": str(f.slaDue),
      ])
    }
  }

  /// The input for one container: the stored facts, the reference as the object writes it
  /// (`input.image.target`, `.tag`, `.digest`), the container and the review.
  func input(
    container: AdmissionContainer, image: String, reference: ImageReference,
    review: AdmissionRequest
  ) -> Value {
    guard case .object(var object) = base else { return base }
    if case .object(var img) = object["image"] ?? .null {
      img["target"] = .string(image)
      img["reference"] = .string(reference.description)
      img["registry"] = .string(reference.registry)
      img["repository"] = .string(reference.repository)
      img["tag"] = reference.tag.map { .string($0) } ?? .null
      img["digest"] = reference.digest.map { .string($0.description) } ?? .null
      object["image"] = .object(img)
    }
    object["container"] = .object([
      "name": .string(container.name), "list": .string(container.list),
      "index": .int(container.index), "image": .string(image), "path": .string(container.pointer),
    ])
    object["admission"] = review.document
    return .object(object)
  }
}

// MARK: - Tag resolution

/// Tag → digest with a TTL, one registry call per reference at a time, and a deadline: the call
/// goes on after the deadline passes (its result fills the cache for the next request), but the
/// caller stops waiting.
final class TagResolver: @unchecked Sendable {
  enum Answer: Sendable {
    case digest(String, cached: Bool)
    case failed(String, timedOut: Bool)
  }

  let ttl: Duration
  let lookup: AdmissionController.Resolve
  private let lock = NSLock()
  private var cache: [String: (digest: String, until: ContinuousClock.Instant)] = [:]
  private var inFlight: [String: Task<String, any Error>] = [:]

  init(ttl: Duration, resolve: @escaping AdmissionController.Resolve) {
    self.ttl = ttl
    lookup = resolve
  }

  func task(for target: String) -> (cached: String?, task: Task<String, any Error>?) {
    lock.withLock {
      if let hit = cache[target], hit.until > .now { return (hit.digest, nil) }
      if let running = inFlight[target] { return (nil, running) }
      let lookup = self.lookup
      let task = Task<String, any Error> {
        do {
          let digest = try await lookup(target)
          self.finished(target, digest: digest)
          return digest
        } catch {
          self.finished(target, digest: nil)
          throw error
        }
      }
      inFlight[target] = task
      return (nil, task)
    }
  }

  func finished(_ target: String, digest: String?) {
    lock.withLock {
      inFlight[target] = nil
      if let digest, ttl > .zero {
        if cache.count >= 10_000 { cache.removeAll(keepingCapacity: true) }
        cache[target] = (digest, .now + ttl)
      }
    }
  }

  func resolve(_ target: String, deadline: ContinuousClock.Instant) async -> Answer {
    let (cached, task) = task(for: target)
    if let cached { return .digest(cached, cached: true) }
    guard let task else { return .failed("no resolution", timedOut: false) }
    let answer = await Deadline.race(task, until: deadline)
    switch answer {
    case .value(let digest): return .digest(digest, cached: false)
    case .error(let error): return .failed(String("\(error)".prefix(300)), timedOut: false)
    case .timedOut:
      return .failed("the registry did not answer before the deadline", timedOut: true)
    }
  }

  /// After a timeout: once the registry answers, queue the digest so the next request is warm.
  func enqueueWhenResolved(_ target: String, store: any AdmissionStore, logger: Logger) {
    let (cached, task) = task(for: target)
    Task {
      let digest: String
      if let cached {
        digest = cached
      } else if let task, let d = try? await task.value {
        digest = d
      } else {
        return
      }
      do {
        _ = try store.enqueue(
          digest: digest, reference: target, priority: 100, now: Date())
      } catch {
        logger.error("admission: cannot queue \(target): \(error)")
      }
    }
  }
}

/// Waits for a task's value until an instant, whichever comes first; the task is not cancelled.
enum Deadline {
  enum Result<T: Sendable>: Sendable {
    case value(T)
    case error(String)
    case timedOut
  }

  final class Once<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<T>, Never>?
    init(_ c: CheckedContinuation<Result<T>, Never>) { continuation = c }
    func resume(_ value: Result<T>) {
      let c = lock.withLock { () -> CheckedContinuation<Result<T>, Never>? in
        defer { continuation = nil }
        return continuation
      }
      c?.resume(returning: value)
    }
  }

  static func race<T: Sendable>(_ task: Task<T, any Error>, until deadline: ContinuousClock.Instant)
    async -> Result<T>
  {
    if deadline <= .now { return .timedOut }
    return await withCheckedContinuation { continuation in
      let once = Once(continuation)
      let timer = Task {
        try? await Task.sleep(until: deadline, clock: .continuous)
        once.resume(.timedOut)
      }
      Task {
        do { once.resume(.value(try await task.value)) } catch {
          once.resume(.error("\(error)"))
        }
        timer.cancel()
      }
    }
  }
}

// MARK: - Recording

/// Writes decisions off the request path, in batches (one transaction per batch). A full queue
/// (10,000) drops the oldest and logs it.
final class AdmissionRecorder: @unchecked Sendable {
  let store: any AdmissionStore
  let logger: Logger
  private let lock = NSLock()
  private var pending: [AdmissionRecord] = []
  private var draining: Task<Void, Never>?

  init(store: any AdmissionStore, logger: Logger) {
    self.store = store
    self.logger = logger
  }

  func add(_ record: AdmissionRecord) {
    lock.withLock {
      if pending.count >= 10_000 {
        pending.removeFirst()
        logger.warning("admission: decision queue full, the oldest unrecorded decision dropped")
      }
      pending.append(record)
      if draining == nil { draining = Task { self.drain() } }
    }
  }

  private func drain() {
    while true {
      let batch: [AdmissionRecord] = lock.withLock {
        let b = Array(pending.prefix(500))
        pending.removeFirst(b.count)
        if b.isEmpty { draining = nil }
        return b
      }
      if batch.isEmpty { return }
      do { try store.recordAdmissions(batch) } catch {
        logger.error("admission: cannot record \(batch.count) decisions: \(error)")
      }
    }
  }

  func flush() async {
    while true {
      let task = lock.withLock { draining }
      guard let task else { return }
      await task.value
    }
  }
}
