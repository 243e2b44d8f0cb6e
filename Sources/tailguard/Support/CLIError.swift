import ArgumentParser
import Foundation

/// Maps outcomes to exit codes in one place (README: "Exit codes").
/// 0 done and under every threshold; 1 a threshold the user set was crossed (`--fail-on`,
/// policy deny, verification failed); 2 the tool could not do the job; 64 usage error.
enum CLIError: Error, CustomStringConvertible {
  case io(String)
  case failed(String)

  var description: String {
    switch self {
    case .io(let m), .failed(let m): m
    }
  }
}

enum ExitCodes {
  static let thresholdCrossed = ExitCode(1)
  static let couldNotRun = ExitCode(2)

  /// Runs `body`; any error that is not already an exit code or a usage error is printed on
  /// stderr as `tailguard: error: …` and becomes exit code 2.
  static func run(_ body: () async throws -> Void) async throws {
    do {
      try await body()
    } catch let e as ExitCode {
      throw e
    } catch let e as ValidationError {
      throw e
    } catch let e as CleanExit {
      throw e
    } catch {
      Console.error("tailguard: error: \(error)")
      throw couldNotRun
    }
  }
}
