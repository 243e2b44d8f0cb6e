import ArgumentParser
import Foundation

/// A command's output formats: an enum per command, so `--help` lists the choices and a
/// wrong value is a usage error naming them (exit 64).
protocol OutputFormat: ExpressibleByArgument, CaseIterable, RawRepresentable, Sendable
where RawValue == String {
  /// The format used without `-o`.
  static var standard: Self { get }
}

/// `-q` and `-v`: how much goes to standard error.
struct Verbosity: Sendable {
  var quiet: Bool
  var verbose: Bool
}

/// `-o FORMAT`, `--output FILE`, `-q`, `-v`: the same flags on every command that prints a
/// result.
struct OutputOptions<Format: OutputFormat>: ParsableArguments {
  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format.")
  var format: Format = Format.standard

  @Option(name: .customLong("output"), help: "Write the output to FILE instead of standard output.")
  var output: String?

  @Flag(
    name: [.customShort("q"), .customLong("quiet")],
    help: "No progress or diagnostics on standard error.")
  var quiet = false

  @Flag(
    name: [.customShort("v"), .customLong("verbose")],
    help: "Print every diagnostic on standard error.")
  var verbose = false

  var verbosity: Verbosity { Verbosity(quiet: quiet, verbose: verbose) }

  /// Writes machine output to the file or stdout. Never mixes progress into it.
  func write(_ data: Data) throws {
    if let output {
      try AtomicFile.write(data, to: output)
    } else {
      FileHandle.standardOutput.write(data)
    }
  }

  func write(_ text: String) throws { try write(Data(text.utf8)) }

  func progress(_ message: String) {
    guard !quiet else { return }
    Console.error(message)
  }

  /// Progress for the pipeline: nil when quiet.
  var progressSink: (@Sendable (String) -> Void)? {
    quiet ? nil : { @Sendable message in Console.error(message) }
  }
}

/// The formats of commands that print a report as text or JSON.
enum TextOrJSON: String, OutputFormat {
  case text, json
  static let standard = TextOrJSON.text
}

/// The formats of commands that print a table or JSON.
enum TableOrJSON: String, OutputFormat {
  case table, json
  static let standard = TableOrJSON.table
}

enum Console {
  static func error(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
  }
}

/// Writes a whole file atomically: a temporary file beside the target, then rename(2).
/// (Foundation's `.atomic` option leaves an empty `TemporaryDirectory.*` behind in /tmp on
/// every write on Linux.)
enum AtomicFile {
  static func write(_ data: Data, to output: String) throws {
    let partial = output + ".partial-\(getpid())"
    do {
      try data.write(to: URL(fileURLWithPath: partial))
    } catch {
      unlink(partial)
      throw CLIError.io("cannot write \(output): \(error.localizedDescription)")
    }
    guard rename(partial, output) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(partial)
      throw CLIError.io("cannot write \(output): \(reason)")
    }
  }
}

/// `-o FORMAT` and `--output FILE` alone, for commands whose `-q`/`-v` mean something else or
/// whose result is a verdict (verify, verify-attestation, policy test).
struct FormatOptions<Format: OutputFormat>: ParsableArguments {
  @Option(name: [.customShort("o"), .customLong("format")], help: "Output format.")
  var format: Format = Format.standard

  @Option(name: .customLong("output"), help: "Write the output to FILE instead of standard output.")
  var output: String?

  /// Writes the result to the file or stdout.
  func write(_ text: String) throws {
    if let output {
      try AtomicFile.write(Data(text.utf8), to: output)
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}
