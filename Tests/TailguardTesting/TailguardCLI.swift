import Foundation

/// Runs the built `tailguard` executable (from the same build directory as the test bundle, or
/// `TAILGUARD_BINARY`) under `timeout`, capturing its exit status, stdout and stderr.
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

  public struct Result: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
  }

  /// Runs `tailguard args…` (in `directory` when given) and waits for it.
  public static func run(_ args: [String], seconds: Int = 120, directory: String? = nil) throws
    -> Result
  {
    guard let binary else { throw HarnessError("the tailguard executable is not built") }
    let p = Process()
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    p.executableURL = URL(
      fileURLWithPath: RegistryTestEnvironment.which("timeout") ?? "/usr/bin/timeout")
    p.arguments = [String(seconds), binary] + args
    let dir = try TemporaryDirectory(prefix: "tailguard-cli")
    let out = dir.file("stdout")
    let err = dir.file("stderr")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    p.standardOutput = outHandle
    p.standardError = errHandle
    p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    try outHandle.close()
    try errHandle.close()
    return Result(
      status: p.terminationStatus,
      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
  }
}
