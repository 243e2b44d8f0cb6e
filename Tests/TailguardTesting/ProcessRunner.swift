import Foundation

/// Runs oracle commands (python3 with the PyPI oracles, zip tools) from tests.
public enum ProcessRunner {
  /// Runs `executable args…` and returns (exit status, stdout).
  public static func run(_ executable: String, _ args: [String], stdin: String? = nil) throws -> (
    Int32, String
  ) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [executable] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    if let stdin {
      let inPipe = Pipe()
      p.standardInput = inPipe
      try p.run()
      inPipe.fileHandleForWriting.write(Data(stdin.utf8))
      try inPipe.fileHandleForWriting.close()
    } else {
      try p.run()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Runs a Python snippet with the oracle interpreter; nil when it fails.
  public static func python(_ code: String, _ args: [String] = []) -> String? {
    guard let (status, out) = try? run("python3", ["-c", code] + args), status == 0 else {
      return nil
    }
    return out
  }

  public static let hasPython: Bool = python("import yaml, json; print(1)")?.hasPrefix("1") ?? false
}
