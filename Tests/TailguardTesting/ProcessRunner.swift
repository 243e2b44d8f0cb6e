import Foundation

/// The one way tests run another program to completion: oracles (python3 with the PyPI oracles,
/// opa, zip tools), fixture tools (gzip, zstd, skopeo) and the built `tailguard` executable.
///
/// Every run has a timeout (the child is killed when it passes), stdin from bytes or nothing,
/// an environment overlay and a working directory, and stdout and stderr captured through files
/// (a pipe that nobody drains deadlocks a chatty child) and read back at most `outputLimit`
/// bytes each. A non-zero exit is a result; callers that need success use `checked()`.
/// `FixtureProcess`, `OracleProcess`, `TailguardCLI` and `RegistryTestEnvironment.run` are thin
/// callers of this.
public enum ProcessRunner {
  public struct Result: Sendable {
    public var status: Int32
    public var stdoutBytes: [UInt8]
    public var stderrBytes: [UInt8]
    /// True when the timeout killed the child.
    public var timedOut: Bool
    /// The command line, for messages.
    public var command: String

    public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }
    /// stdout followed by stderr (oracles print their verdicts on either).
    public var output: String { stdout + stderr }

    /// Self when the child exited 0, else an error with its status and the end of its stderr.
    @discardableResult
    public func checked() throws -> Result {
      guard status == 0, !timedOut else {
        throw HarnessError(
          "\(command) \(timedOut ? "timed out" : "exited \(status)"): "
            + String(decoding: stderrBytes.suffix(2000), as: UTF8.self))
      }
      return self
    }
  }

  /// Absolute path of `tool` on PATH, or nil when it is not installed (tests then skip).
  public static func which(_ tool: String) -> String? {
    if tool.hasPrefix("/") {
      return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil
    }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let candidate = "\(dir)/\(tool)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// Runs `executable args…` (looked up on PATH unless absolute) and waits for it.
  /// - Parameters:
  ///   - stdin: bytes for the child's standard input; nil gives it `/dev/null`.
  ///   - environment: variables set over the test's own environment.
  ///   - directory: the child's working directory.
  ///   - timeout: seconds before the child is killed (SIGKILL, which no signal mask blocks).
  ///   - outputLimit: bytes kept of stdout and of stderr each; the rest is dropped.
  ///   - mergeOutput: stderr goes to the same file as stdout, interleaved as written.
  public static func run(
    _ executable: String, _ args: [String], stdin: [UInt8]? = nil,
    environment: [String: String]? = nil, directory: String? = nil, timeout: Double = 600,
    outputLimit: Int = 256 << 20, mergeOutput: Bool = false
  ) throws -> Result {
    let command = ([executable] + args.prefix(3)).joined(separator: " ")
    guard let exe = which(executable) else {
      throw HarnessError("\(executable) is not installed")
    }
    let dir = try TemporaryDirectory(prefix: "process")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = args
    if let environment {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let stdin {
      // A file, not a pipe: no writer thread, and a child that never reads cannot block us.
      FileManager.default.createFile(atPath: dir.file("stdin"), contents: Data(stdin))
      process.standardInput = FileHandle(forReadingAtPath: dir.file("stdin"))
    } else {
      process.standardInput = FileHandle.nullDevice
    }
    let outHandle = try handle(dir.file("stdout"))
    let errHandle = mergeOutput ? outHandle : try handle(dir.file("stderr"))
    process.standardOutput = outHandle
    process.standardError = errHandle
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    let (status, timedOut) = waitForExit(process, exited, timeout: timeout)
    try outHandle.close()
    if !mergeOutput { try errHandle.close() }
    return Result(
      status: status,
      stdoutBytes: try read(dir.file("stdout"), limit: outputLimit),
      stderrBytes: mergeOutput ? [] : try read(dir.file("stderr"), limit: outputLimit),
      timedOut: timedOut, command: command)
  }

  /// Waits for PROCESS (started with a termination handler signalling EXITED) to end, killing it
  /// after TIMEOUT seconds; returns its status and whether it was killed.
  ///
  /// Foundation's termination handler alone is not enough on Linux: it learns of exits from a
  /// SIGCHLD signal source, and a SIGCHLD the kernel hands to a thread that has the signal
  /// unblocked (one started by a library before the source existed) is lost — the child stays a
  /// zombie and the handler never comes (seen: a test run hung for good on such a zombie). So the
  /// child is also polled without being reaped (`waitid` with `WNOWAIT`), and reaped here when
  /// Foundation has not noticed its exit within a second.
  public static func waitForExit(
    _ process: Process, _ exited: DispatchSemaphore, timeout: Double
  ) -> (status: Int32, timedOut: Bool) {
    let pid = process.processIdentifier
    let deadline = Date().addingTimeInterval(timeout)
    var killedAt: Date?
    var exitSeenAt: Date?
    while true {
      if exited.wait(timeout: .now() + .milliseconds(50)) == .success {
        process.waitUntilExit()
        return (process.terminationStatus, killedAt != nil)
      }
      var info = siginfo_t()
      if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
        info.si_signo == SIGCHLD
      {
        if let seen = exitSeenAt {
          var raw: Int32 = 0
          if Date().timeIntervalSince(seen) > 1, waitpid(pid, &raw, WNOHANG) == pid {
            // Exited normally: the exit code; killed by a signal: its number (as Foundation).
            let status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
            return (status, killedAt != nil)
          }
        } else {
          exitSeenAt = Date()
        }
      }
      if killedAt == nil, Date() > deadline {
        kill(pid, SIGKILL)
        killedAt = Date()
      }
    }
  }

  /// Sends SIGNAL to PROCESS (started elsewhere, no termination handler needed) and waits up
  /// to GRACE seconds for it to end, then kills it; returns its status and whether it was
  /// killed. Polls like `waitForExit` (Foundation's own wait can miss an exit).
  @discardableResult
  public static func stop(_ process: Process, signal: Int32, grace: Double = 60) -> (
    status: Int32, killed: Bool
  ) {
    let pid = process.processIdentifier
    guard pid > 0 else { return (0, false) }
    kill(pid, signal)
    let deadline = Date().addingTimeInterval(grace)
    var killed = false
    var exitSeenAt: Date?
    while true {
      if !process.isRunning { return (process.terminationStatus, killed) }
      var info = siginfo_t()
      if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info.si_signo == SIGCHLD
      {
        if let seen = exitSeenAt {
          var raw: Int32 = 0
          if Date().timeIntervalSince(seen) > 1, waitpid(pid, &raw, WNOHANG) == pid {
            return (raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f, killed)
          }
        } else {
          exitSeenAt = Date()
        }
      }
      if !killed, Date() > deadline {
        kill(pid, SIGKILL)
        killed = true
      }
      usleep(50_000)
    }
  }

  /// `run`, on a thread of its own: the caller's task waits without holding one of Swift
  /// concurrency's few threads (two on this machine), so a long tool run in one test does not
  /// stall the async tests beside it.
  public static func runDetached(
    _ executable: String, _ args: [String], stdin: [UInt8]? = nil,
    environment: [String: String]? = nil, directory: String? = nil, timeout: Double = 600,
    outputLimit: Int = 256 << 20, mergeOutput: Bool = false
  ) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
      let thread = Thread {
        continuation.resume(
          with: Swift.Result {
            try run(
              executable, args, stdin: stdin, environment: environment, directory: directory,
              timeout: timeout, outputLimit: outputLimit, mergeOutput: mergeOutput)
          })
      }
      thread.start()
    }
  }

  private static func handle(_ path: String) throws -> FileHandle {
    FileManager.default.createFile(atPath: path, contents: nil)
    return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
  }

  private static func read(_ path: String, limit: Int) throws -> [UInt8] {
    let h = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? h.close() }
    return [UInt8](try h.read(upToCount: limit) ?? Data())
  }

  /// Runs a Python snippet with the oracle interpreter; its stdout, or nil when it fails.
  public static func python(_ code: String, _ args: [String] = []) -> String? {
    guard let r = try? run("python3", ["-c", code] + args), r.status == 0 else { return nil }
    return r.stdout
  }

  /// True when `python3 -c "import MODULE"` works.
  public static func pythonHas(_ module: String) -> Bool {
    python("import \(module)") != nil
  }

  public static let hasPython: Bool = python("import yaml, json; print(1)")?.hasPrefix("1") ?? false
}
