import ArgumentParser
import Foundation
import TailguardModel

/// Errors the command line raises itself (an unwritable output file, a failed step it
/// reports on stderr): the tool could not do the job.
enum CLIError: Error, CustomStringConvertible, ExitStatusReporting {
  case io(String)
  case failed(String)

  var description: String {
    switch self {
    case .io(let m), .failed(let m): m
    }
  }
  var exitStatus: ExitStatus { .couldNotRun }
}

/// A run that ends with a status other than success once its output is written: a crossed
/// threshold (exit 1), or a failure already explained on stderr (exit 2). Its lines are
/// printed on stderr unless the command is quiet.
struct Failing: Error, ExitStatusReporting {
  var exitStatus: ExitStatus
  var lines: [String]
  init(_ status: ExitStatus, _ lines: [String] = []) {
    exitStatus = status
    self.lines = lines
  }
  static let thresholdCrossed = Failing(.thresholdCrossed)
  static let couldNotRun = Failing(.couldNotRun)
}

/// Maps outcomes to exit codes in one place (README: "Exit codes"): 0 done and under every
/// threshold; 1 a threshold the user set was crossed (`--fail-on`, policy deny, verification
/// failed); 2 the tool could not do the job; 64 usage error.
enum ExitCodes {
  /// Runs a command's `body`. Usage errors go to the argument parser (exit 64, with usage);
  /// an error or outcome that names its exit status ends with that status; any other error
  /// is printed as `tailguard: error: …` and means the job could not be done (exit 2).
  static func run(quiet: Bool = false, _ body: () async throws -> Void) async throws {
    do { try await body() } catch { throw mapped(error, quiet: quiet) }
  }

  /// `run` for commands that do not await.
  static func runSync(quiet: Bool = false, _ body: () throws -> Void) throws {
    do { try body() } catch { throw mapped(error, quiet: quiet) }
  }

  /// What `error` becomes at the top: the argument parser's own errors pass through, every
  /// other error becomes the exit code of the status it names (2 when it names none).
  static func mapped(_ error: any Error, quiet: Bool) -> any Error {
    switch error {
    case is ValidationError, is CleanExit, is ExitCode: return error
    case let e as Failing:
      if !quiet { for line in e.lines { Console.error(line) } }
      return exitCode(e.exitStatus)
    case let e as any Error & ExitStatusReporting:
      if e.exitStatus == .usage { return ValidationError("\(e)") }
      Console.error("tailguard: error: \(e)")
      return exitCode(e.exitStatus)
    default:
      Console.error("tailguard: error: \(error)")
      return exitCode(.couldNotRun)
    }
  }

  /// The process exit code of `status`: the one place a number becomes an exit code.
  static func exitCode(_ status: ExitStatus) -> ExitCode { ExitCode(status.rawValue) }
}
