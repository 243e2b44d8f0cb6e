import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TailguardModel

/// `tailguard db update`: downloads the feeds, builds a new database beside the old one and
/// swaps it in atomically.
///
/// Safety: nothing touches the live file until the new one is complete. The new database is a
/// copy of the old one (SQLite backup) with the changed feeds replaced, written in one
/// transaction, integrity-checked, fsynced and `rename(2)`d over the old path in the same
/// directory. An interrupted download, a corrupt archive or a crash at any point leaves the
/// previous database as it was. Conditional requests (ETag / If-Modified-Since, validators stored
/// per source) make an unchanged feed cost one round trip.
public struct AdvisoryUpdater: Sendable {
  public var configuration: UpdateConfiguration
  public var databasePath: String

  public init(databasePath: String, configuration: UpdateConfiguration = UpdateConfiguration()) {
    self.databasePath = databasePath
    self.configuration = configuration
  }

  /// What one feed did.
  public struct FeedOutcome: Hashable, Sendable, Codable {
    public enum State: String, Hashable, Sendable, Codable {
      case updated
      case notModified = "not-modified"
    }
    public var source: String
    public var url: String
    public var state: State
    public var records: Int
  }

  public struct Report: Hashable, Sendable, Codable {
    public var feeds: [FeedOutcome]
    public var diagnostics: [Diagnostic]
    /// False when every feed answered 304 and the database was left untouched.
    public var swapped: Bool
  }

  struct Feed {
    var source: String
    var kind: AdvisoryFeedKind
    var url: String
    var fileName: String
  }

  var feeds: [Feed] {
    var out = configuration.ecosystems.map {
      Feed(
        source: "osv:\($0)", kind: .osv, url: configuration.osvURL(for: $0),
        fileName: "osv-\(out_safe($0)).zip")
    }
    if let kev = configuration.kevURL {
      out.append(Feed(source: "kev", kind: .kev, url: kev, fileName: "kev.json"))
    }
    if let epss = configuration.epssURL {
      out.append(
        Feed(
          source: "epss", kind: .epss, url: epss,
          fileName: epss.hasSuffix(".gz") ? "epss.csv.gz" : "epss.csv"))
    }
    return out
  }

  public func run(progress: @Sendable (String) -> Void = { _ in }) async throws(AdvisoryError)
    -> Report
  {
    let fm = FileManager.default
    let dir =
      (databasePath as NSString).deletingLastPathComponent.isEmpty
      ? "." : (databasePath as NSString).deletingLastPathComponent
    do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
      throw AdvisoryError(.io, "cannot create the database directory: \(error)", path: dir)
    }
    var previous: [String: SourceInfo] = [:]
    if fm.fileExists(atPath: databasePath) {
      let old = try SQLiteAdvisoryStore(path: databasePath, readOnly: true)
      for s in try old.sources() { previous[s.name] = s }
      old.close()
    }
    let work =
      dir
      + "/.tailguard-update-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    do { try fm.createDirectory(atPath: work, withIntermediateDirectories: true) } catch {
      throw AdvisoryError(.io, "cannot create a work directory: \(error)", path: work)
    }
    defer { try? fm.removeItem(atPath: work) }

    // 1. Download everything first; any failure aborts before the database is touched.
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    var downloads: [(Feed, Download)] = []
    var failure: AdvisoryError?
    for feed in feeds {
      progress("fetching \(feed.url)")
      do {
        let d = try await fetch(
          feed, previous: previous[feed.source], to: work + "/" + feed.fileName, client: client,
          progress: progress)
        downloads.append((feed, d))
      } catch {
        failure = error
        break
      }
    }
    try? await client.shutdown()
    if let failure { throw failure }

    // 2. Parse what changed; a corrupt archive aborts the update.
    let stamp = AdvisoryImporter.timestamp(Date())
    var batch = ImportBatch(replaceSources: true)
    var outcomes: [FeedOutcome] = []
    for (feed, d) in downloads {
      guard case .downloaded(let file, let etag, let lastModified) = d else {
        outcomes.append(
          FeedOutcome(
            source: feed.source, url: feed.url, state: .notModified,
            records: previous[feed.source]?.records ?? 0))
        continue
      }
      let importer = AdvisoryImporter(osvSourceOverride: feed.kind == .osv ? feed.source : nil)
      let part = importer.loadFile(file, kind: feed.kind)
      if let bad = part.diagnostics.first(where: {
        $0.level == .error && ($0.code.hasPrefix("import.") || feed.kind != .osv)
      }) {
        throw AdvisoryError(
          .archive, "\(feed.url): \(bad.message); the database was not changed", path: databasePath)
      }
      let count: Int
      let dataDate: String?
      switch feed.kind {
      case .osv, .alpineSecDB:
        count = part.records.count
        dataDate = nil
      case .kev:
        count = part.kev.count
        dataDate = part.sources.first?.dataDate
      case .epss:
        count = part.epss.count
        dataDate = part.sources.first?.dataDate
      }
      batch.records += part.records
      batch.kev += part.kev
      batch.epss += part.epss
      batch.diagnostics += part.diagnostics
      batch.sources.append(
        SourceInfo(
          name: feed.source, kind: feed.kind.rawValue, location: feed.url, records: count,
          importedAt: stamp,
          dataDate: dataDate, etag: etag, lastModified: lastModified))
      outcomes.append(
        FeedOutcome(source: feed.source, url: feed.url, state: .updated, records: count))
    }
    guard !batch.sources.isEmpty else {
      return Report(feeds: outcomes, diagnostics: [], swapped: false)
    }

    // 3. Build the new database beside the old one, then swap.
    progress(
      "writing \(batch.records.count) advisories, \(batch.kev.count) KEV entries, \(batch.epss.count) EPSS scores"
    )
    let staging =
      dir + "/.\((databasePath as NSString).lastPathComponent).new-\(UUID().uuidString.prefix(8))"
    defer { try? fm.removeItem(atPath: staging) }
    if fm.fileExists(atPath: databasePath) {
      let old = try SQLiteAdvisoryStore(path: databasePath, readOnly: true)
      try old.backup(to: staging)
      old.close()
    }
    let fresh = try SQLiteAdvisoryStore(path: staging)
    try fresh.write(batch)
    try fresh.integrityCheck()
    fresh.close()
    try Self.syncToDisk(path: staging)
    guard rename(staging, databasePath) == 0 else {
      throw AdvisoryError(
        .io, "cannot rename the new database into place (errno \(errno))", path: databasePath)
    }
    try? Self.syncToDisk(path: dir)
    return Report(feeds: outcomes, diagnostics: batch.diagnostics, swapped: true)
  }

  enum Download {
    case notModified
    case downloaded(file: String, etag: String?, lastModified: String?)
  }

  /// What one attempt came to when it did not fail for good.
  enum Attempt {
    case done(Download)
    /// Worth another try within `configuration.retry` (the server may have said when).
    case retry(reason: String, retryAfter: Duration?)
  }

  /// GET with validators, retried within `configuration.retry` (the registry client's policy) on
  /// network errors, truncated bodies, 408, 429 and 5xx answers. Other 4xx fail at once.
  func fetch(
    _ feed: Feed, previous: SourceInfo?, to file: String, client: HTTPClient,
    progress: @Sendable (String) -> Void
  ) async throws(AdvisoryError) -> Download {
    let policy = configuration.retry
    let started = ContinuousClock.now
    var rng = SystemRandomNumberGenerator()
    var attempt = 0
    var lastError = ""
    while true {
      attempt += 1
      var retryAfter: Duration?
      do {
        switch try await fetchOnce(feed, previous: previous, to: file, client: client) {
        case .done(let download): return download
        case .retry(let reason, let after):
          lastError = reason
          retryAfter = after
        }
      } catch let e {
        if e.code == .limitExceeded || e.code == .io
          || (e.code == .network && e.message.hasPrefix("HTTP 4"))
        {
          throw e
        }
        lastError = e.message
      }
      guard
        let wait = policy.nextDelay(
          attempt: attempt, retryAfter: retryAfter, elapsed: ContinuousClock.now - started,
          using: &rng)
      else { break }
      progress("retrying \(feed.url) in \(wait) (\(lastError))")
      try? await Task.sleep(for: wait)
    }
    throw AdvisoryError(
      .network,
      "\(feed.url) failed after \(attempt) attempts: \(lastError); the database was not changed",
      path: feed.url)
  }

  /// One conditional GET streamed to `file`, bounded by `maxDownloadBytes`.
  func fetchOnce(_ feed: Feed, previous: SourceInfo?, to file: String, client: HTTPClient)
    async throws(AdvisoryError) -> Attempt
  {
    do {
      var request = HTTPClientRequest(url: feed.url)
      request.headers.add(name: "User-Agent", value: "tailguard-db-update")
      if let etag = previous?.etag { request.headers.add(name: "If-None-Match", value: etag) }
      if let lm = previous?.lastModified {
        request.headers.add(name: "If-Modified-Since", value: lm)
      }
      let response = try await client.execute(request, timeout: .seconds(configuration.timeout))
      if response.status == .notModified { return .done(.notModified) }
      let code = Int(response.status.code)
      if code >= 500 || code == 408 || code == 429 {
        let after = response.headers.first(name: "Retry-After").flatMap {
          RetryPolicy.parseRetryAfter($0)
        }
        return .retry(reason: "HTTP \(code)", retryAfter: after)
      }
      guard response.status == .ok else {
        throw AdvisoryError(.network, "HTTP \(code) from \(feed.url)", path: feed.url)
      }
      let expected = response.headers.first(name: "Content-Length").flatMap { Int($0) }
      if let expected, expected > configuration.maxDownloadBytes {
        throw AdvisoryError(
          .limitExceeded, "\(feed.url) announces \(expected) bytes, above the limit",
          path: feed.url)
      }
      FileManager.default.createFile(atPath: file, contents: nil)
      guard let handle = FileHandle(forWritingAtPath: file) else {
        throw AdvisoryError(.io, "cannot write the download", path: file)
      }
      var received = 0
      do {
        defer { try? handle.close() }
        for try await buffer in response.body {
          received += buffer.readableBytes
          if received > configuration.maxDownloadBytes {
            throw AdvisoryError(
              .limitExceeded,
              "\(feed.url) is larger than \(configuration.maxDownloadBytes) bytes", path: feed.url)
          }
          try handle.write(contentsOf: Data(buffer.readableBytesView))
        }
      }
      if let expected, received != expected {
        return .retry(
          reason: "truncated body (\(received) of \(expected) bytes)", retryAfter: nil)
      }
      return .done(
        .downloaded(
          file: file, etag: response.headers.first(name: "ETag"),
          lastModified: response.headers.first(name: "Last-Modified")))
    } catch let e as AdvisoryError {
      throw e
    } catch {
      throw AdvisoryError(.network, String(describing: error), path: feed.url)
    }
  }

  static func syncToDisk(path: String) throws(AdvisoryError) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw AdvisoryError(.io, "cannot open for fsync", path: path) }
    defer { close(fd) }
    guard fsync(fd) == 0 else {
      throw AdvisoryError(.io, "fsync failed (errno \(errno))", path: path)
    }
  }
}

/// File-name-safe form of an ecosystem name.
private func out_safe(_ s: String) -> String {
  String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
}
