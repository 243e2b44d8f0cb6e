import Foundation
import Logging
import SBOMFormats
import Scanner
import Synchronization
import TailguardModel
import Tracing

/// Why a request or a job could not be done, with the HTTP status the API answers.
public struct ServerFailure: Error, Sendable, CustomStringConvertible {
  public enum Kind: Sendable { case badRequest, notFound, unavailable }
  public var kind: Kind
  public var message: String
  public var description: String { message }
  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }
}

/// What `POST /api/v1/advisories/update` (or a tool-version change at start) did.
public struct RematchSummary: Sendable, Codable, Hashable {
  /// True when every stored SBOM was re-matched (the matcher itself changed).
  public var full: Bool
  public var keysChecked: Int
  public var keysChanged: Int
  public var imagesRematched: Int
  public var historyEvents: Int
  public var advisoryRecords: Int
  public var seconds: Double
}

/// The server's work over the pipeline API: resolve and enqueue, index a claimed job, re-match
/// stored SBOMs when advisory data changes. Matching, storing and re-matching run on one actor,
/// so an index never interleaves with a re-match: the fingerprints stored for a key are always
/// those of the advisory data every image holding the key was last matched against.
public actor ServerEngine {
  public let store: any ServerStore
  public let choice: AdvisoryChoice
  public let scanOptions: ScanOptions
  /// Whether local targets (`oci:DIR`, `docker-archive:FILE`) may be named through the API: they
  /// read the server's own file system, so only when the operator says so.
  public let allowLocalTargets: Bool
  let metrics: ServerMetrics
  let logger: Logger
  private var advisories: OpenedAdvisories?
  private nonisolated let executor = ThreadExecutor(name: "tailguard-engine")

  /// Matching, storing and re-matching block for as long as they take (a re-match of a fleet,
  /// minutes): the engine runs them on a thread of its own, not on Swift concurrency's shared few.
  public nonisolated var unownedExecutor: UnownedSerialExecutor {
    executor.asUnownedSerialExecutor()
  }

  deinit { executor.shutdown() }

  public init(
    store: any ServerStore, choice: AdvisoryChoice, scanOptions: ScanOptions,
    allowLocalTargets: Bool, metrics: ServerMetrics, logger: Logger
  ) {
    self.store = store
    self.choice = choice
    self.scanOptions = scanOptions
    self.allowLocalTargets = allowLocalTargets
    self.metrics = metrics
    self.logger = logger
  }

  /// The advisory data in use, opened on first need.
  func currentAdvisories() throws -> OpenedAdvisories {
    if let advisories { return advisories }
    let opened = try OpenedAdvisories(choice: choice) { [logger] in logger.notice("\($0)") }
    advisories = opened
    openedInfo.withLock { $0 = opened.info }
    return opened
  }

  /// What advisory data was last opened, readable without waiting for the engine (which may be
  /// busy re-matching for minutes).
  private nonisolated let openedInfo = Mutex<AdvisoryDataInfo?>(nil)

  /// What advisory data is open (nil before it opened).
  public nonisolated func advisoryInfo() -> AdvisoryDataInfo? { openedInfo.withLock { $0 } }

  /// True once the advisory data opened (for `/readyz`); answers at once while the engine works.
  public nonisolated func ready() async -> Bool {
    if advisoryInfo() != nil { return true }
    return await openAdvisories()
  }

  private func openAdvisories() -> Bool { (try? currentAdvisories()) != nil }

  /// At start: opens the advisory data and, when the stored findings came from another tool
  /// version (another matcher), re-matches every stored SBOM.
  /// Otherwise it re-matches what changed in the advisory data while the server was down (or a
  /// re-match a kill interrupted: the stored fingerprints are saved only when one completes).
  public func start() throws -> RematchSummary {
    _ = try currentAdvisories()
    let version = try store.meta("tool_version")
    let summary = try rematchLocked(full: version != nil && version != TailguardVersion.current)
    if version != TailguardVersion.current {
      try store.setMeta("tool_version", TailguardVersion.current)
    }
    return summary
  }

  // MARK: - Index

  /// Resolves REFERENCE to a manifest digest (reading no layer) and enqueues it unless indexed.
  public nonisolated func submit(reference: String, priority: Int) async throws -> (
    digest: String, outcome: EnqueueOutcome
  ) {
    let trimmed = reference.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty, trimmed.utf8.count <= 4096 else {
      throw ServerFailure(.badRequest, "reference must be 1 to 4096 bytes")
    }
    let isLocal = trimmed.hasPrefix("oci:") || trimmed.hasPrefix("docker-archive:")
    let explicitRemote = trimmed.hasPrefix("registry:")
    if isLocal && !allowLocalTargets {
      throw ServerFailure(
        .badRequest, "local targets (oci:, docker-archive:) are disabled on this server")
    }
    if !isLocal && !explicitRemote && (trimmed.hasPrefix("/") || trimmed.hasPrefix(".")) {
      throw ServerFailure(.badRequest, "reference '\(trimmed)' is a path, not an image reference")
    }
    let target = isLocal || explicitRemote ? trimmed : "registry:" + trimmed
    let image: ImageMetadata
    do {
      image = try await withSpan("resolve") { _ in
        try await Scanner().resolveImage(target: target, options: scanOptions)
      }
    } catch {
      throw ServerFailure(.badRequest, "cannot resolve \(trimmed): \(error)")
    }
    guard let digest = image.manifestDigest?.description else {
      throw ServerFailure(.badRequest, "\(trimmed) resolved to no manifest digest")
    }
    let outcome = try store.enqueue(
      digest: digest, reference: target, priority: priority, now: Date())
    metrics.jobsQueued.set(to: Double(try store.queuedJobCount()))
    return (digest, outcome)
  }

  /// Inspects a claimed job's image and stores the result; a failure puts the job back for a
  /// retry (or marks it failed after `maxAttempts`).
  public nonisolated func process(_ job: JobRecord, maxAttempts: Int) async {
    await tracedProcess(job) { await process(job, maxAttempts: maxAttempts, span: $0) }
  }

  nonisolated func process(_ job: JobRecord, maxAttempts: Int, span: any Span) async {
    let started = ContinuousClock.now
    do {
      let inspected = try await Scanner().inspect(target: job.reference, options: scanOptions)
      let got = inspected.sbom.image.manifestDigest?.description
      guard got == job.digest else {
        throw ServerFailure(
          .unavailable,
          "\(job.reference) now resolves to \(got ?? "no digest"), not \(job.digest) (the tag moved)"
        )
      }
      try await finishIndex(job, sbom: inspected.sbom)
      metrics.jobDuration.record(ContinuousClock.now - started)
      logger.info("indexed \(job.digest) (\(job.reference))")
    } catch {
      span.fail(error)
      logger.warning("job \(job.id) (\(job.reference)) failed: \(error)")
      try? store.failJob(jobID: job.id, error: "\(error)", maxAttempts: maxAttempts, now: Date())
    }
    metrics.jobsQueued.set(to: Double((try? store.queuedJobCount()) ?? 0))
  }

  func finishIndex(_ job: JobRecord, sbom: SoftwareBOM) throws {
    let advisories = try currentAdvisories()
    let report = withSpan("match") { _ in advisories.report(for: sbom) }
    let keys = AdvisoryLookupKey.keys(of: sbom)
    let fingerprints = try advisories.fingerprints(for: keys)
    try withSpan("store") { _ in
      try store.completeIndex(
        jobID: job.id, digest: job.digest, sbom: sbom, keys: keys, fingerprints: fingerprints,
        matched: MatchedVulnerability.fold(report), now: Date())
    }
  }

  // MARK: - Re-match

  /// Re-opens the advisory database, finds the lookup keys whose advisories changed since the
  /// stored fingerprints, and re-matches only the stored SBOMs that hold them. No image is read.
  public func updateAdvisories() throws -> RematchSummary {
    advisories = nil
    return try rematchLocked(full: false)
  }

  func rematchLocked(full: Bool) throws -> RematchSummary {
    try withSpan("rematch") { span in
      span.attributes["tailguard.rematch.full"] = full
      let summary = try rematch(full: full)
      span.attributes["tailguard.rematch.keys_changed"] = summary.keysChanged
      span.attributes["tailguard.rematch.images"] = summary.imagesRematched
      return summary
    }
  }

  /// Images per re-match transaction.
  static let rematchBatch = 64

  /// Re-matches the stored SBOMs of DIGESTS: a batch of images is read and matched on every
  /// core, then written in one transaction while the next batch is matched. Returns the history
  /// events written.
  func rematch(
    _ digests: [String], advisories: OpenedAdvisories, cause: String, withdrawn: Set<String>,
    now: Date
  ) throws -> Int {
    var events = 0
    // Each lookup key's advisories read and prepared once for the whole re-match.
    let groups = AdvisoryGroupCache()
    let batches = stride(from: 0, to: digests.count, by: Self.rematchBatch).map {
      Array(digests[$0..<min($0 + Self.rematchBatch, digests.count)])
    }
    let store = self.store
    func matching(_ i: Int) -> Background<[ImageMatch]>? {
      guard i < batches.count else { return nil }
      return Background {
        try Self.match(batches[i], store: store, advisories: advisories, now: now, groups: groups)
      }
    }
    // The next batch is matched while this one is written: the writer and the matchers overlap.
    var next = matching(0)
    var i = 0
    var waited = Duration.zero
    var writing = Duration.zero
    let clock = ContinuousClock()
    while let current = next {
      var matched: [ImageMatch] = []
      waited += try clock.measure { matched = try current.wait() }
      i += 1
      next = matching(i)
      do {
        writing += try clock.measure {
          events += try store.applyFindings(
            batch: matched, cause: cause, withdrawn: withdrawn, now: now)
        }
      } catch {
        _ = try? next?.wait()
        throw error
      }
    }
    logger.info(
      "re-match of \(digests.count) images: \(writing) writing findings, \(waited) waiting for matches"
    )
    return events
  }

  /// Reads and matches the stored SBOMs of DIGESTS concurrently (one worker per core); images
  /// without a stored SBOM are left out. The result is in DIGESTS' order.
  static func match(
    _ digests: [String], store: any ServerStore, advisories: OpenedAdvisories, now: Date,
    groups: AdvisoryGroupCache? = nil
  ) throws -> [ImageMatch] {
    let results = Mutex<[Int: Result<ImageMatch?, any Error>]>([:])
    DispatchQueue.concurrentPerform(iterations: digests.count) { i in
      let result = Result { () throws -> ImageMatch? in
        guard let sbom = try store.sbom(digest: digests[i]) else { return nil }
        return ImageMatch(
          digest: digests[i],
          matched: MatchedVulnerability.fold(advisories.report(for: sbom, now: now, groups: groups))
        )
      }
      results.withLock { $0[i] = result }
    }
    let all = results.withLock { $0 }
    return try digests.indices.compactMap { try all[$0]?.get() }
  }

  private func rematch(full: Bool) throws -> RematchSummary {
    let started = ContinuousClock.now
    let advisories = try currentAdvisories()
    let keys = try store.allLookupKeys()
    let fresh = try advisories.fingerprints(for: keys)
    let digests: [String]
    var changed: [AdvisoryLookupKey] = []
    if full {
      digests = try store.indexedDigests()
      changed = keys
    } else {
      let stored = try store.fingerprints()
      changed = keys.filter { stored[$0] != fresh[$0] }
      digests = try store.digests(holding: changed)
    }
    var events = 0
    let now = Date()
    let withdrawn = try advisories.withdrawnIDs(for: changed)
    events += try rematch(
      digests, advisories: advisories, cause: "advisory-update", withdrawn: withdrawn, now: now)
    let changedSet = Set(changed)
    try store.saveFingerprints(fresh.filter { key, _ in full || changedSet.contains(key) })
    let elapsed = ContinuousClock.now - started
    metrics.rematchDuration.record(elapsed)
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    logger.info(
      "re-matched \(digests.count) images for \(changed.count) changed keys: \(events) history events"
    )
    return RematchSummary(
      full: full, keysChecked: keys.count, keysChanged: changed.count,
      imagesRematched: digests.count, historyEvents: events,
      advisoryRecords: advisories.info.records, seconds: seconds)
  }
}

/// Work started on a global queue now, its result (or error) waited for later.
final class Background<T: Sendable>: @unchecked Sendable {
  private let done = DispatchSemaphore(value: 0)
  private let lock = NSLock()
  /// Set once, before `done` is signalled; nil only until then.
  private var result: Result<T, any Error>?

  init(_ work: @escaping @Sendable () throws -> T) {
    DispatchQueue.global().async {
      let outcome = Result { try work() }
      self.lock.withLock { self.result = outcome }
      self.done.signal()
    }
  }

  /// Blocks until the work is done (any number of calls).
  func wait() throws -> T {
    done.wait()
    done.signal()
    let outcome = lock.withLock { result }
    guard let outcome else {
      throw ServerFailure(.unavailable, "background work ended without a result")
    }
    return try outcome.get()
  }
}
