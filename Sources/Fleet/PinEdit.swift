/// One replacement `pin fix` makes: the bytes of a reference token and what replaces them.
public struct PinEdit: Sendable, Hashable, Codable {
  public var file: String
  public var line: Int
  public var span: ByteSpan
  public var old: String
  public var new: String

  public init(file: String, line: Int, span: ByteSpan, old: String, new: String) {
    self.file = file
    self.line = line
    self.span = span
    self.old = old
    self.new = new
  }
}
