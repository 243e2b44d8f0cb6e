import Advisories
import Foundation
import TailguardModel

/// Which advisory data a scan matches against: the database file when it exists, else the
/// embedded starter set — unless the user named the database (flag or `TAILGUARD_DB`), in
/// which case a missing file is an error rather than a silent fallback.
public struct AdvisoryChoice: Sendable, Hashable {
  public var path: String
  public var named: Bool

  public init(path: String, named: Bool) {
    self.path = path
    self.named = named
  }

  /// `--db`, else `TAILGUARD_DB`, else the user data directory (`$XDG_DATA_HOME/tailguard` or
  /// `~/.local/share/tailguard`).
  public static func resolve(
    flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> AdvisoryChoice {
    AdvisoryChoice(
      path: DatabaseLocation.resolve(flag: flag, environment: environment),
      named: flag != nil || environment["TAILGUARD_DB"] != nil)
  }

  /// Opens the chosen data; `notice` hears why the starter set is used.
  func open(notice: (String) -> Void) throws -> (any AdvisoryStore, AdvisoryDataInfo) {
    if FileManager.default.fileExists(atPath: path) {
      let store = try SQLiteAdvisoryStore(path: path, readOnly: true)
      let status = try store.status()
      return (
        store,
        AdvisoryDataInfo(
          location: path, sources: status.sources.map(\.name), records: status.advisories,
          updatedAt: status.lastImport)
      )
    }
    if named {
      throw ScannerError(
        .database,
        "advisory database \(path) does not exist (create it with `tailguard db import` or `tailguard db update`)"
      )
    }
    notice(StarterSet.notice)
    return (
      StarterSet.makeStore(),
      AdvisoryDataInfo(
        location: "starter set (embedded)", sources: ["starter"],
        records: StarterSet.entries.count)
    )
  }
}
