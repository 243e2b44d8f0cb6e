/// One replacement `pin fix` makes: the bytes of a reference token and what replaces them.
public struct PinEdit: Sendable, Hashable, Codable {
  public var file: String
  public var line: Int
  public var span: ByteSpan
  public var old: String
  public var new: String
}
