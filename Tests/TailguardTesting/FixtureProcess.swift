import Foundation

/// Runs an external tool (gzip, zstd, skopeo) from a test, for fixtures and oracles.
public enum FixtureProcess {
  /// Absolute path of `tool` on PATH, or nil when it is not installed (tests then skip).
  public static func which(_ tool: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let candidate = "\(dir)/\(tool)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// Runs `tool args…` with `stdin` bytes; returns stdout. Throws when the tool fails.
  @discardableResult
  public static func run(_ tool: String, _ args: [String], stdin: [UInt8] = []) throws -> [UInt8] {
    guard let exe = which(tool) else { throw FixtureError("\(tool) is not installed") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = args
    let inPipe = Pipe()
    let outFile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fixture-out-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outFile) }
    let outHandle = try FileHandle(forWritingTo: outFile)
    process.standardInput = inPipe
    process.standardOutput = outHandle
    process.standardError = FileHandle.nullDevice
    try process.run()
    let writer = Thread {
      inPipe.fileHandleForWriting.write(Data(stdin))
      try? inPipe.fileHandleForWriting.close()
    }
    writer.start()
    process.waitUntilExit()
    try outHandle.close()
    guard process.terminationStatus == 0 else {
      throw FixtureError(
        "\(tool) \(args.joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return [UInt8](try Data(contentsOf: outFile))
  }
}

public struct FixtureError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
