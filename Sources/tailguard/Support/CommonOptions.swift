import ArgumentParser
import Foundation

/// `-o FORMAT`, `--output FILE`, `-q`: the same three flags on every command.
struct OutputOptions: ParsableArguments {
  @Option(
    name: [.customShort("o"), .customLong("format")],
    help: "Output format (see the command's help for the list).")
  var format: String?

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

  /// The chosen format, validated against `allowed` (first is the default).
  func resolvedFormat(_ allowed: [String]) throws -> String {
    let f = (format ?? allowed[0]).lowercased()
    guard allowed.contains(f) else {
      throw ValidationError(
        "unknown format '\(f)'; expected one of: \(allowed.joined(separator: ", "))")
    }
    return f
  }

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
