import Foundation

/// Runs an oracle command (a validator or reference implementation) through `ProcessRunner`,
/// with stdout and stderr in one text; unlike `FixtureProcess.run`, a non-zero exit is a result,
/// not an error.
public enum OracleProcess {
  /// `python3` on PATH (the interpreter that holds the PyPI oracles).
  public static var python: String? { ProcessRunner.which("python3") }

  /// True when `python3 -c "import MODULE"` works.
  public static func pythonHas(_ module: String) -> Bool { ProcessRunner.pythonHas(module) }

  /// The exit status and the combined output (stderr interleaved with stdout, as written).
  public static func run(
    _ executable: String, _ args: [String], environment: [String: String]? = nil
  ) throws -> ProcessRunner.Result {
    try ProcessRunner.run(executable, args, environment: environment, mergeOutput: true)
  }
}
