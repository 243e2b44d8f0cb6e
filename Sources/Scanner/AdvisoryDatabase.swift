import Advisories
import Foundation
import TailguardModel

/// `db status`, `db import` and `db update` as values: the advisory database file is opened,
/// read, filled or swapped here; what happened (or why it could not) comes back for the command
/// line to print.
public enum AdvisoryDatabase {
  /// What `db status` reports: sources, record counts, data age, schema version.
  public typealias Status = DatabaseStatus
  /// The input kinds `db import --kind` forces: osv, alpine-secdb, kev, epss.
  public typealias FeedKind = AdvisoryFeedKind
  /// Where `db update` downloads from by default.
  public typealias Feeds = UpdateConfiguration

  /// Why the database could not be read or written; the text is what the user sees.
  public struct Failure: Error, Sendable, Hashable, CustomStringConvertible, ExitStatusReporting {
    public var description: String
    public var exitStatus: ExitStatus { .couldNotRun }
  }

  /// The status of the database at `path`, opened read-only.
  public static func status(path: String) -> Result<Status, Failure> {
    do throws(AdvisoryError) {
      let store = try SQLiteAdvisoryStore(path: path, readOnly: true)
      let status = try store.status()
      store.close()
      return .success(status)
    } catch {
      return .failure(Failure(description: error.description))
    }
  }

  /// What `db import` reads and where it writes.
  public struct ImportRequest: Sendable, Hashable {
    public var path: String
    public var paths: [String]
    /// nil: detected per file.
    public var kind: FeedKind?

    public init(path: String, paths: [String], kind: FeedKind? = nil) {
      self.path = path
      self.paths = paths
      self.kind = kind
    }
  }

  /// What `db import` read and whether it was written.
  public struct ImportOutcome: Sendable, Hashable, ExitStatusReporting {
    /// What the importer noticed in the inputs (unreadable files, skipped records).
    public var diagnostics: [Diagnostic]
    public var advisories: Int
    public var kevEntries: Int
    public var epssScores: Int
    /// The inputs held nothing to import; the database was not touched.
    public var empty: Bool
    /// The database could not be written.
    public var failure: Failure?

    public var exitStatus: ExitStatus { empty || failure != nil ? .couldNotRun : .done }
  }

  /// Reads every input, then writes the records in one transaction (nothing when the inputs
  /// held nothing).
  public static func importFiles(_ request: ImportRequest) -> ImportOutcome {
    let batch = AdvisoryImporter().load(paths: request.paths, kind: request.kind)
    var outcome = ImportOutcome(
      diagnostics: batch.diagnostics, advisories: batch.records.count, kevEntries: batch.kev.count,
      epssScores: batch.epss.count, empty: false, failure: nil)
    if batch.records.isEmpty && batch.kev.isEmpty && batch.epss.isEmpty {
      outcome.empty = true
      return outcome
    }
    do throws(AdvisoryError) {
      let store = try SQLiteAdvisoryStore(path: request.path)
      try store.write(batch)
      store.close()
    } catch {
      outcome.failure = Failure(description: error.description)
    }
    return outcome
  }

  /// What `db update` downloads and which database it replaces.
  public struct UpdateRequest: Sendable, Hashable {
    public var path: String
    public var osvBaseURL: String = Feeds.defaultOSVBase
    /// Empty: `Feeds.defaultEcosystems`.
    public var ecosystems: [String] = []
    /// nil skips the feed.
    public var kevURL: String? = Feeds.defaultKEVURL
    public var epssURL: String? = Feeds.defaultEPSSURL

    public init(path: String) {
      self.path = path
    }
  }

  /// One feed `db update` asked for: whether it changed and how many records it held.
  public struct FeedResult: Sendable, Hashable {
    public var source: String
    /// `updated` or `not-modified`.
    public var state: String
    public var records: Int
  }

  /// The update's result: per feed, and whether the database was swapped.
  public struct UpdateOutcome: Sendable, Hashable, ExitStatusReporting {
    public var feeds: [FeedResult]
    public var diagnostics: [Diagnostic]
    /// False when every feed answered 304 and the database was left untouched.
    public var swapped: Bool
    public var failure: Failure?

    public var exitStatus: ExitStatus { failure == nil ? .done : .couldNotRun }
  }

  /// Downloads the feeds into a new database and swaps it in atomically; `progress` hears each
  /// step.
  public static func update(
    _ request: UpdateRequest, progress: @escaping @Sendable (String) -> Void
  ) async -> UpdateOutcome {
    let configuration = UpdateConfiguration(
      osvBaseURL: request.osvBaseURL,
      ecosystems: request.ecosystems.isEmpty ? Feeds.defaultEcosystems : request.ecosystems,
      kevURL: request.kevURL, epssURL: request.epssURL)
    do throws(AdvisoryError) {
      let report = try await AdvisoryUpdater(
        databasePath: request.path, configuration: configuration
      ).run(progress: progress)
      return UpdateOutcome(
        feeds: report.feeds.map {
          FeedResult(source: $0.source, state: $0.state.rawValue, records: $0.records)
        },
        diagnostics: report.diagnostics, swapped: report.swapped, failure: nil)
    } catch {
      return UpdateOutcome(
        feeds: [], diagnostics: [], swapped: false,
        failure: Failure(description: error.description))
    }
  }
}
