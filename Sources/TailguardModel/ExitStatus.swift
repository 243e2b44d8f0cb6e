/// What the outcome of a command means for the process's exit status (README, "Exit codes"):
/// errors and outcomes say which status they mean, and the command line maps them to exit
/// codes in one place.
public enum ExitStatus: Int32, Sendable, Hashable, Codable {
  /// Done, and under every threshold the user set.
  case done = 0
  /// A threshold the user set was crossed: `--fail-on`, a policy deny, a failed verification.
  case thresholdCrossed = 1
  /// The tool could not do the job: unreadable input, missing database, network.
  case couldNotRun = 2
  /// The command line itself is wrong.
  case usage = 64
}

/// An error or an outcome that knows which exit status it means.
public protocol ExitStatusReporting {
  var exitStatus: ExitStatus { get }
}
