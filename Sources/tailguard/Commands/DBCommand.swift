import ArgumentParser
import Foundation
import Scanner
import TailguardModel

/// `tailguard db status|import|update`: the advisory database (one SQLite file).
struct DBCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "db",
    abstract: "Manage the advisory database (OSV, Alpine secdb, CISA KEV, FIRST EPSS).",
    discussion: """
      The database is one SQLite file: --db PATH, else $TAILGUARD_DB, else
      $XDG_DATA_HOME/tailguard/tailguard.db (~/.local/share/tailguard/tailguard.db).
      Copy it to carry advisory data into an air-gapped network.
      """,
    subcommands: [Status.self, Import.self, Update.self])

  struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "Database file (default: $TAILGUARD_DB or the user data directory).")
    var db: String?

    var path: String { AdvisoryChoice.resolve(flag: db).path }
  }

  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show sources, record counts, data age and schema version.")
    @OptionGroup var database: DatabaseOption
    @Option(
      name: [.customShort("o"), .customLong("format")], help: "Output format: table or json.")
    var format: TableOrJSON = .table
    @Option(name: .long, help: "Write the output to a file instead of stdout.")
    var output: String?

    func run() async throws {
      try await ExitCodes.run {
        let status = try DBCommand.checked(AdvisoryDatabase.status(path: database.path))
        try DBCommand.emit(try DBCommand.render(status, format), to: output)
      }
    }
  }

  static func render(_ status: AdvisoryDatabase.Status, _ format: TableOrJSON) throws -> String {
    let text: String
    switch format {
    case .json:
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      text = String(decoding: try encoder.encode(status), as: UTF8.self) + "\n"
    case .table:
      text = DBCommand.table(status)
    }
    return text
  }

  struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Import advisory files: OSV JSON (files, trees, ECOSYSTEM/all.zip), Alpine secdb, KEV JSON, EPSS CSV(.gz)."
    )
    @OptionGroup var database: DatabaseOption
    @Option(
      name: .long,
      help: "Force the input kind instead of detecting it: osv, alpine-secdb, kev, epss.")
    var kind: AdvisoryDatabase.FeedKind?
    @Flag(name: .short, help: "Print only errors.")
    var quiet = false
    @Argument(help: "Files or directories to import.")
    var paths: [String]

    func run() async throws {
      try await ExitCodes.run {
        let started = Date()
        let outcome = AdvisoryDatabase.importFiles(
          AdvisoryDatabase.ImportRequest(path: database.path, paths: paths, kind: kind))
        DBCommand.report(outcome.diagnostics, quiet: quiet)
        if outcome.empty {
          throw Failing(
            .couldNotRun, ["error: nothing to import from \(paths.joined(separator: " "))"])
        }
        if let failure = outcome.failure { throw DBCommand.failing(failure) }
        if !quiet {
          let seconds = Date().timeIntervalSince(started)
          FileHandle.standardError.write(
            Data(
              "imported \(outcome.advisories) advisories, \(outcome.kevEntries) KEV entries, \(outcome.epssScores) EPSS scores into \(database.path) in \(String(format: "%.1f", seconds)) s\n"
                .utf8))
        }
      }
    }
  }

  struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Download OSV, KEV and EPSS feeds and swap in a new database atomically.")
    @OptionGroup var database: DatabaseOption
    @Option(name: .long, help: "OSV bucket base URL; each ecosystem is <base>/<ECOSYSTEM>/all.zip.")
    var osvBase: String = AdvisoryDatabase.Feeds.defaultOSVBase
    @Option(
      name: .customLong("ecosystem"),
      help: "OSV ecosystem to fetch (repeatable; default: a built-in list).")
    var ecosystems: [String] = []
    @Option(name: .long, help: "CISA KEV JSON URL.")
    var kevURL: String = AdvisoryDatabase.Feeds.defaultKEVURL
    @Option(name: .long, help: "FIRST EPSS CSV(.gz) URL.")
    var epssURL: String = AdvisoryDatabase.Feeds.defaultEPSSURL
    @Flag(name: .long, help: "Skip the KEV feed.")
    var noKev = false
    @Flag(name: .long, help: "Skip the EPSS feed.")
    var noEpss = false
    @Flag(name: .short, help: "Print only errors.")
    var quiet = false

    func run() async throws {
      try await ExitCodes.run {
        var request = AdvisoryDatabase.UpdateRequest(path: database.path)
        request.osvBaseURL = osvBase
        request.ecosystems = ecosystems
        request.kevURL = noKev ? nil : kevURL
        request.epssURL = noEpss ? nil : epssURL
        let quiet = self.quiet
        let report = await AdvisoryDatabase.update(request) { message in
          if !quiet { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        }
        if let failure = report.failure { throw DBCommand.failing(failure) }
        DBCommand.report(report.diagnostics, quiet: true)
        if !quiet {
          for f in report.feeds {
            FileHandle.standardError.write(
              Data("\(f.source): \(f.state) (\(f.records) records)\n".utf8))
          }
          FileHandle.standardError.write(
            Data(
              (report.swapped
                ? "database updated: \(database.path)\n" : "database already up to date\n").utf8))
        }
      }
    }
  }

  // MARK: - Helpers

  /// A database that could not be read or written: `error: …` on stderr (even when quiet),
  /// exit 2.
  static func failing(_ failure: AdvisoryDatabase.Failure) -> Failing {
    Failing(failure.exitStatus, ["error: \(failure.description)"])
  }

  static func checked<T>(_ result: Result<T, AdvisoryDatabase.Failure>) throws -> T {
    switch result {
    case .success(let value): return value
    case .failure(let failure): throw failing(failure)
    }
  }

  static func report(_ diagnostics: [Diagnostic], quiet: Bool) {
    let shown = diagnostics.filter { !quiet || $0.level == .error }
    for d in shown.prefix(50) { FileHandle.standardError.write(Data((d.description + "\n").utf8)) }
    if shown.count > 50 {
      FileHandle.standardError.write(Data("… and \(shown.count - 50) more diagnostics\n".utf8))
    }
  }

  static func emit(_ text: String, to output: String?) throws {
    if let output {
      do { try AtomicFile.write(Data(text.utf8), to: output) } catch {
        throw Failing(.couldNotRun, ["error: \(error)"])
      }
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }

  static func table(_ s: AdvisoryDatabase.Status) -> String {
    var out = "Database   \(s.path)\n"
    out += "Schema     version \(s.schemaVersion)\n"
    out +=
      "Size       \(ByteCountFormatter.string(fromByteCount: s.sizeBytes, countStyle: .file))\n"
    out +=
      "Records    \(s.advisories) advisories (\(s.withdrawn) withdrawn), \(s.affectedEntries) affected entries, \(s.kevEntries) KEV, \(s.epssScores) EPSS\n"
    if let last = s.lastImport {
      out += "Updated    \(last)\(age(last).map { " (\($0) ago)" } ?? "")\n"
    }
    out += "\n"
    let rows =
      [["SOURCE", "KIND", "RECORDS", "DATA DATE", "IMPORTED", "LOCATION"]]
      + s.sources.map {
        [$0.name, $0.kind, String($0.records), $0.dataDate ?? "-", $0.importedAt, $0.location]
      }
    let widths = (0..<6).map { c in rows.map { $0[c].count }.max() ?? 0 }
    for row in rows {
      out +=
        row.enumerated().map { c, cell in
          c == 5 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
        }
        .joined(separator: "  ") + "\n"
    }
    return out
  }

  static func age(_ timestamp: String) -> String? {
    guard let date = ISO8601DateFormatter().date(from: timestamp) else { return nil }
    let seconds = Int(Date().timeIntervalSince(date))
    if seconds < 3600 { return "\(max(0, seconds / 60)) min" }
    if seconds < 86_400 { return "\(seconds / 3600) h" }
    return "\(seconds / 86_400) d"
  }
}

extension AdvisoryDatabase.FeedKind: ExpressibleByArgument {}
