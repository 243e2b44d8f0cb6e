import Foundation

/// Runs an external tool (gzip, zstd, skopeo) that a fixture needs, through `ProcessRunner`:
/// a tool that fails is an error here, since the fixture cannot be made without it.
public enum FixtureProcess {
  /// Absolute path of `tool` on PATH, or nil when it is not installed (tests then skip).
  public static func which(_ tool: String) -> String? { ProcessRunner.which(tool) }

  /// Runs `tool args…` with `stdin` bytes; returns stdout. Throws when the tool fails.
  @discardableResult
  public static func run(_ tool: String, _ args: [String], stdin: [UInt8] = []) throws -> [UInt8] {
    guard which(tool) != nil else { throw FixtureError("\(tool) is not installed") }
    let r = try ProcessRunner.run(tool, args, stdin: stdin)
    guard r.status == 0, !r.timedOut else {
      throw FixtureError("\(tool) \(args.joined(separator: " ")) exited \(r.status)")
    }
    return r.stdoutBytes
  }
}

public struct FixtureError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
