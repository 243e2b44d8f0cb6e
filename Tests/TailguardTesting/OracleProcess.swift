import Foundation

/// Runs an oracle command (a validator or reference implementation) and returns its exit status
/// and combined output; unlike `FixtureProcess.run`, a non-zero exit is a result, not an error.
public enum OracleProcess {
  public struct Result: Sendable {
    public let status: Int32
    public let output: String
  }

  /// `python3` on PATH (the interpreter that holds the PyPI oracles).
  public static var python: String? { FixtureProcess.which("python3") }

  /// True when `python3 -c "import MODULE"` works.
  public static func pythonHas(_ module: String) -> Bool {
    guard let py = python, let r = try? run(py, ["-c", "import \(module)"]) else { return false }
    return r.status == 0
  }

  public static func run(
    _ executable: String, _ args: [String], environment: [String: String]? = nil
  ) throws -> Result {
    let exe =
      executable.hasPrefix("/") ? executable : (FixtureProcess.which(executable) ?? executable)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = args
    if let environment {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new
      }
    }
    let out = FileManager.default.temporaryDirectory.appendingPathComponent(
      "oracle-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: out) }
    let handle = try FileHandle(forWritingTo: out)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try handle.close()
    let text = String(decoding: try Data(contentsOf: out), as: UTF8.self)
    return Result(status: process.terminationStatus, output: text)
  }
}
