/// A file's text split into physical lines with their UTF-8 byte offsets, so a position found in
/// a line maps back to exact bytes of the file (for `pin fix`) and to a 1-based line number.
///
/// Lines end at `\n`; a `\r` right before it (or before the end of the file) is not part of the
/// line. A final terminator does not open an empty last line.
public struct TextLines: Sendable {
  public let bytes: [UInt8]
  /// Byte offset of the start of each line.
  public let starts: [Int]
  /// Text of each line without its terminator (`\n`, and a trailing `\r`).
  public let lines: [String]

  public init(bytes: [UInt8]) {
    self.bytes = bytes
    var starts = [0]
    var lines: [String] = []
    var lineStart = 0
    for (i, b) in bytes.enumerated() where b == 0x0A {
      var end = i
      if end > lineStart && bytes[end - 1] == 0x0D { end -= 1 }
      lines.append(String(decoding: bytes[lineStart..<end], as: UTF8.self))
      lineStart = i + 1
      starts.append(lineStart)
    }
    if lineStart < bytes.count {
      var end = bytes.count
      if end > lineStart && bytes[end - 1] == 0x0D { end -= 1 }
      lines.append(String(decoding: bytes[lineStart..<end], as: UTF8.self))
    } else {
      starts.removeLast()
    }
    self.starts = starts
    self.lines = lines
  }

  public var count: Int { lines.count }

  /// 1-based line number of a byte offset.
  public func line(ofOffset offset: Int) -> Int {
    var lo = 0
    var hi = starts.count - 1
    if hi < 0 { return 1 }
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
    }
    return lo + 1
  }

  /// End offset (exclusive, before the terminator) of a 0-based line.
  public func lineEnd(_ index: Int) -> Int {
    starts[index] + lines[index].utf8.count
  }
}
