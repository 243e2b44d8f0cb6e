/// A half-open range of UTF-8 byte offsets in a file: where the reference token is written,
/// so `pin fix` can replace exactly those bytes and nothing else.
public struct ByteSpan: Sendable, Hashable, Codable, Comparable {
  public var start: Int
  public var end: Int
  public init(start: Int, end: Int) {
    self.start = start
    self.end = end
  }
  public static func < (a: ByteSpan, b: ByteSpan) -> Bool { (a.start, a.end) < (b.start, b.end) }
}
