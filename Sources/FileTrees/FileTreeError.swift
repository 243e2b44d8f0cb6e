import TailguardModel

/// The one error type of FileTrees: a layer walk that cannot go on (corrupt layer, limits).
/// Expected oddities (traversal names, files too large to capture) are `Diagnostic`s instead.
public struct FileTreeError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    case corruptLayer, limitExceeded, io
  }
  public let code: Code
  public let message: String
  public let layer: Digest?
  public let path: String?
  public init(_ code: Code, _ message: String, layer: Digest? = nil, path: String? = nil) {
    self.code = code
    self.message = message
    self.layer = layer
    self.path = path
  }
  public var description: String { message }
}
