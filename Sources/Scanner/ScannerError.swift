/// Errors that stop a scan (the target can't be read, the database is missing). Everything
/// else becomes a diagnostic in the report.
public struct ScannerError: Error, Sendable, CustomStringConvertible {
  public enum Code: String, Sendable {
    case unreadableTarget, unsupportedTarget, database, ignoreFile, vexFile, baseImage
    /// `--require-signature` is malformed or its key file unreadable.
    case signatureRequirement
  }
  public let code: Code
  public let message: String
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }
  public var description: String { message }
}
