/// The members of a Unix `ar` archive, the outer container of a Debian package (`deb(5)`:
/// `debian-binary`, `control.tar.*`, `data.tar.*`).
///
/// Format (common ar, as GNU ar and dpkg-deb write it): the magic `!<arch>\n`, then per member a
/// 60-byte header — name (16), mtime (12), uid (6), gid (6), octal mode (8), decimal size (10),
/// the terminator "`\n" — followed by the data, padded to an even offset. GNU's trailing `/` on
/// names is dropped. A member running past the end of the input is refused as truncated, so a
/// cut-off download never yields a partial package.
public struct ArArchive: Sendable {
  public struct Member: Sendable, Hashable {
    public var name: String
    public var data: ArraySlice<UInt8>
  }

  public private(set) var members: [Member] = []
  public static let magic = Array("!<arch>\n".utf8)

  public init(parsing bytes: [UInt8], maxMembers: Int = 64) throws(ByteFormatError) {
    guard bytes.count >= 8, Array(bytes[0..<8]) == Self.magic else {
      throw ByteFormatError(.malformed, "not an ar archive (no !<arch> magic)", offset: 0)
    }
    var offset = 8
    while offset < bytes.count {
      // A single newline pad byte at the very end is tolerated.
      if bytes.count - offset == 1, bytes[offset] == 0x0A { break }
      guard bytes.count - offset >= 60 else {
        throw ByteFormatError(.truncated, "ar member header is cut short", offset: offset)
      }
      guard members.count < maxMembers else {
        throw ByteFormatError(.limitExceeded, "more than \(maxMembers) ar members", offset: offset)
      }
      let header = bytes[offset..<(offset + 60)]
      guard header[offset + 58] == 0x60, header[offset + 59] == 0x0A else {
        throw ByteFormatError(.malformed, "ar member header lacks its terminator", offset: offset)
      }
      func field(_ from: Int, _ length: Int) -> String {
        String(decoding: header[(offset + from)..<(offset + from + length)], as: UTF8.self)
          .trimmingSpaces()
      }
      var name = field(0, 16)
      if name.hasSuffix("/") && name != "/" && name != "//" { name.removeLast() }
      guard let size = Int(field(48, 10)), size >= 0 else {
        throw ByteFormatError(
          .malformed, "ar member '\(name)' has no valid size", offset: offset + 48)
      }
      let start = offset + 60
      guard size <= bytes.count - start else {
        throw ByteFormatError(
          .truncated,
          "ar member '\(name)' needs \(size) bytes but only \(bytes.count - start) remain",
          offset: start)
      }
      members.append(Member(name: name, data: bytes[start..<(start + size)]))
      offset = start + size + (size % 2)
    }
  }

  /// The first member named `name`.
  public func member(_ name: String) -> Member? { members.first { $0.name == name } }
}

extension String {
  fileprivate func trimmingSpaces() -> String {
    var s = Substring(self)
    while s.last == " " { s = s.dropLast() }
    while s.first == " " { s = s.dropFirst() }
    return String(s)
  }
}
