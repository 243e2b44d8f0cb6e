import Foundation

/// Runs the built `tailguard` executable (from the same build directory as the test bundle, or
/// `TAILGUARD_BINARY`) through `ProcessRunner`, with a timeout, capturing its exit status, stdout
/// and stderr.
public enum TailguardCLI {
  public static var binary: String? {
    if let env = ProcessInfo.processInfo.environment["TAILGUARD_BINARY"], !env.isEmpty {
      return env
    }
    var candidates: [String] = []
    if let exe = Bundle.main.executableURL {
      // …/.build/<triple>/debug/tailguardPackageTests.xctest (a file on Linux, a bundle on macOS)
      var dir = exe.deletingLastPathComponent()
      for _ in 0..<4 {
        candidates.append(dir.appendingPathComponent("tailguard").path)
        dir = dir.deletingLastPathComponent()
      }
    }
    candidates.append(SharedData.packageRoot + "/.build/debug/tailguard")
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  public typealias Result = ProcessRunner.Result

  /// Runs `tailguard args…` (in `directory` when given) and waits for it, at most `seconds`.
  public static func run(_ args: [String], seconds: Int = 120, directory: String? = nil) throws
    -> ProcessRunner.Result
  {
    guard let binary else { throw HarnessError("the tailguard executable is not built") }
    return try ProcessRunner.run(binary, args, directory: directory, timeout: Double(seconds))
  }
}
