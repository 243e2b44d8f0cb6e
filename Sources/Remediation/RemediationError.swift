/// The one error type of Remediation: a refusal with the reason a person needs (which package,
/// which file, which check), compared by code in tests.
public struct RemediationError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    /// The package index is malformed or lists a package twice.
    case index
    /// A `.deb` does not match the index (hash, size) or cannot be read.
    case package
    /// A path in a package escapes the image root or is otherwise unsafe.
    case unsafePath
    /// The package needs maintainer scripts and `--allow-scripts-skipped` was not given.
    case maintainerScripts
    /// A dependency is not satisfied by the image or the patch.
    case dependency
    /// No version in the index fixes the findings.
    case noFix
    /// The image is not one this command can patch (not Debian-based, no dpkg database).
    case unsupportedImage
    /// A file to rewrite could not be read or edited.
    case edit
    /// A fix plan file (`fix plan -o json`) is unreadable or malformed.
    case plan
  }
  public let code: Code
  public let message: String
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }
  public var description: String { message }
}
