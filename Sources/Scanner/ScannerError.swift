import TailguardModel

/// Errors that stop a scan (the target can't be read, the database is missing). Everything
/// else becomes a diagnostic in the report.
public struct ScannerError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
  public enum Code: String, Sendable {
    case unreadableTarget, unsupportedTarget, database, ignoreFile, vexFile, baseImage, usageFile
    /// `--require-signature` is malformed or its key file unreadable.
    case signatureRequirement
    /// A request that is wrong before anything is read (a bad platform, a non-loopback
    /// insecure registry): the command line reports it as a usage error.
    case usage
  }
  public let code: Code
  public let message: String
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }
  public var description: String { message }
  public var exitStatus: ExitStatus { code == .usage ? .usage : .couldNotRun }
}
