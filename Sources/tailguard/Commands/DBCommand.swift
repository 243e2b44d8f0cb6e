import Advisories
import ArgumentParser
import Foundation
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

    var path: String { DatabaseLocation.resolve(flag: db) }
  }

  enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
  }

  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show sources, record counts, data age and schema version.")
    @OptionGroup var database: DatabaseOption
    @Option(
      name: [.customShort("o"), .customLong("format")], help: "Output format: table or json.")
    var format: OutputFormat = .table
    @Option(name: .long, help: "Write the output to a file instead of stdout.")
    var output: String?

    func run() async throws {
      let status: DatabaseStatus
      do {
        let store = try SQLiteAdvisoryStore(path: database.path, readOnly: true)
        status = try store.status()
        store.close()
      } catch {
        DBCommand.fail(error)
      }
      let text: String
      switch format {
      case .json:
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        text = String(decoding: try encoder.encode(status), as: UTF8.self) + "\n"
      case .table:
        text = DBCommand.table(status)
      }
      try DBCommand.emit(text, to: output)
    }
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
    var kind: AdvisoryFeedKind?
    @Flag(name: .short, help: "Print only errors.")
    var quiet = false
    @Argument(help: "Files or directories to import.")
    var paths: [String]

    func run() async throws {
      let started = Date()
      let batch = AdvisoryImporter().load(paths: paths, kind: kind)
      DBCommand.report(batch.diagnostics, quiet: quiet)
      if batch.records.isEmpty && batch.kev.isEmpty && batch.epss.isEmpty {
        FileHandle.standardError.write(
          Data("error: nothing to import from \(paths.joined(separator: " "))\n".utf8))
        throw ExitCodes.exitCode(.couldNotRun)
      }
      do {
        let store = try SQLiteAdvisoryStore(path: database.path)
        try store.write(batch)
        store.close()
      } catch {
        DBCommand.fail(error)
      }
      if !quiet {
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(
          Data(
            "imported \(batch.records.count) advisories, \(batch.kev.count) KEV entries, \(batch.epss.count) EPSS scores into \(database.path) in \(String(format: "%.1f", seconds)) s\n"
              .utf8))
      }
    }
  }

  struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Download OSV, KEV and EPSS feeds and swap in a new database atomically.")
    @OptionGroup var database: DatabaseOption
    @Option(name: .long, help: "OSV bucket base URL; each ecosystem is <base>/<ECOSYSTEM>/all.zip.")
    var osvBase: String = UpdateConfiguration.defaultOSVBase
    @Option(
      name: .customLong("ecosystem"),
      help: "OSV ecosystem to fetch (repeatable; default: a built-in list).")
    var ecosystems: [String] = []
    @Option(name: .long, help: "CISA KEV JSON URL.")
    var kevURL: String = UpdateConfiguration.defaultKEVURL
    @Option(name: .long, help: "FIRST EPSS CSV(.gz) URL.")
    var epssURL: String = UpdateConfiguration.defaultEPSSURL
    @Flag(name: .long, help: "Skip the KEV feed.")
    var noKev = false
    @Flag(name: .long, help: "Skip the EPSS feed.")
    var noEpss = false
    @Flag(name: .short, help: "Print only errors.")
    var quiet = false

    func run() async throws {
      let config = UpdateConfiguration(
        osvBaseURL: osvBase,
        ecosystems: ecosystems.isEmpty ? UpdateConfiguration.defaultEcosystems : ecosystems,
        kevURL: noKev ? nil : kevURL, epssURL: noEpss ? nil : epssURL)
      let quiet = self.quiet
      do {
        let report = try await AdvisoryUpdater(databasePath: database.path, configuration: config)
          .run { message in
            if !quiet { FileHandle.standardError.write(Data((message + "\n").utf8)) }
          }
        DBCommand.report(report.diagnostics, quiet: true)
        if !quiet {
          for f in report.feeds {
            FileHandle.standardError.write(
              Data("\(f.source): \(f.state.rawValue) (\(f.records) records)\n".utf8))
          }
          FileHandle.standardError.write(
            Data(
              (report.swapped
                ? "database updated: \(database.path)\n" : "database already up to date\n").utf8))
        }
      } catch {
        DBCommand.fail(error)
      }
    }
  }

  // MARK: - Helpers

  static func fail(_ error: AdvisoryError) -> Never {
    FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
    Foundation.exit(2)
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
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCodes.exitCode(.couldNotRun)
      }
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }

  static func table(_ s: DatabaseStatus) -> String {
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

extension AdvisoryFeedKind: ExpressibleByArgument {}
