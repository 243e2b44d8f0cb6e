import Foundation

/// Writes tar archives byte by byte for fixtures, including the hostile shapes a real `tar`
/// refuses to make (traversal names, lying sizes, bad checksums, truncation).
public struct TarBuilder: Sendable {
  public enum NameStyle: Sendable { case pax, gnu }

  public private(set) var bytes: [UInt8] = []
  public var longNames: NameStyle

  public init(longNames: NameStyle = .pax) { self.longNames = longNames }

  public mutating func file(
    _ path: String, _ contents: [UInt8], mode: UInt32 = 0o644, declaredSize: Int64? = nil
  ) {
    header(path, type: "0", size: declaredSize ?? Int64(contents.count), mode: mode)
    data(contents)
  }

  public mutating func file(_ path: String, _ text: String, mode: UInt32 = 0o644) {
    file(path, Array(text.utf8), mode: mode)
  }

  public mutating func directory(_ path: String, mode: UInt32 = 0o755) {
    header(path, type: "5", size: 0, mode: mode)
  }

  public mutating func symlink(_ path: String, to target: String) {
    header(path, type: "2", size: 0, mode: 0o777, link: target)
  }

  public mutating func hardLink(_ path: String, to target: String) {
    header(path, type: "1", size: 0, mode: 0o644, link: target)
  }

  public mutating func device(
    _ path: String, character: Bool = true, major: Int = 1, minor: Int = 3
  ) {
    header(path, type: character ? "3" : "4", size: 0, mode: 0o666, major: major, minor: minor)
  }

  public mutating func fifo(_ path: String) { header(path, type: "6", size: 0, mode: 0o644) }

  /// A whiteout for `path` (`dir/.wh.name`).
  public mutating func whiteout(_ path: String) {
    let url = path.split(separator: "/")
    let name = ".wh." + (url.last.map(String.init) ?? "")
    let dir = url.dropLast().joined(separator: "/")
    file(dir.isEmpty ? name : dir + "/" + name, [])
  }

  /// An opaque-directory marker (`dir/.wh..wh..opq`).
  public mutating func opaque(_ dir: String) { file(dir + "/.wh..wh..opq", []) }

  /// A header with a type flag of the caller's choice (for unknown types, sparse, etc.).
  public mutating func raw(
    _ path: String, type: Character, size: Int64, contents: [UInt8] = [], link: String = "",
    badChecksum: Bool = false
  ) {
    header(path, type: type, size: size, mode: 0o644, link: link, badChecksum: badChecksum)
    data(contents)
  }

  /// A global PAX header (applies to every later entry).
  public mutating func globalPax(_ records: [(String, String)]) {
    let body = Self.paxBody(records)
    header("pax_global_header", type: "g", size: Int64(body.count), mode: 0o644, plain: true)
    data(body)
  }

  /// The end-of-archive marker (two zero blocks).
  public mutating func end() { bytes += [UInt8](repeating: 0, count: 1024) }

  /// The archive with the end marker.
  public func finished() -> [UInt8] {
    var copy = self
    copy.end()
    return copy.bytes
  }

  public mutating func data(_ contents: [UInt8]) {
    bytes += contents
    let pad = (512 - contents.count % 512) % 512
    bytes += [UInt8](repeating: 0, count: pad)
  }

  static func paxBody(_ records: [(String, String)]) -> [UInt8] {
    var out: [UInt8] = []
    for (k, v) in records {
      let rest = " \(k)=\(v)\n".utf8.count
      var len = rest + 1
      while String(len).utf8.count + rest != len { len += 1 }
      out += Array("\(len) \(k)=\(v)\n".utf8)
    }
    return out
  }

  mutating func header(
    _ path: String, type: Character, size: Int64, mode: UInt32, link: String = "", major: Int = 0,
    minor: Int = 0, badChecksum: Bool = false, plain: Bool = false
  ) {
    var name = path
    var linkName = link
    if !plain && (path.utf8.count > 100 || link.utf8.count > 100) {
      switch longNames {
      case .pax:
        var records: [(String, String)] = []
        if path.utf8.count > 100 { records.append(("path", path)) }
        if link.utf8.count > 100 { records.append(("linkpath", link)) }
        let body = Self.paxBody(records)
        header("PaxHeaders/x", type: "x", size: Int64(body.count), mode: 0o644, plain: true)
        data(body)
      case .gnu:
        if path.utf8.count > 100 {
          let body = Array(path.utf8) + [0]
          header("././@LongLink", type: "L", size: Int64(body.count), mode: 0o644, plain: true)
          data(body)
        }
        if link.utf8.count > 100 {
          let body = Array(link.utf8) + [0]
          header("././@LongLink", type: "K", size: Int64(body.count), mode: 0o644, plain: true)
          data(body)
        }
      }
      name = String(decoding: path.utf8.prefix(100), as: UTF8.self)
      linkName = String(decoding: link.utf8.prefix(100), as: UTF8.self)
    }
    var h = [UInt8](repeating: 0, count: 512)
    func put(_ s: String, _ at: Int, _ len: Int) {
      for (k, b) in s.utf8.prefix(len).enumerated() { h[at + k] = b }
    }
    func octal(_ v: Int64, _ at: Int, _ len: Int) {
      put(
        String(repeating: "0", count: max(0, len - 1 - String(v, radix: 8).count))
          + String(v, radix: 8), at, len - 1)
    }
    put(name, 0, 100)
    octal(Int64(mode), 100, 8)
    octal(0, 108, 8)
    octal(0, 116, 8)
    if size >= 0o77777777777 {
      h[124] = 0x80
      var v = size
      for k in stride(from: 135, to: 124, by: -1) {
        h[k] = UInt8(v & 0xFF)
        v >>= 8
      }
    } else {
      octal(size, 124, 12)
    }
    octal(1_700_000_000, 136, 12)
    h[156] = type.asciiValue ?? 0x30
    put(linkName, 157, 100)
    put("ustar\u{0}00", 257, 8)
    octal(Int64(major), 329, 8)
    octal(Int64(minor), 337, 8)
    for k in 148..<156 { h[k] = 0x20 }
    var sum = h.reduce(0) { $0 + Int($1) }
    if badChecksum { sum += 1 }
    octal(Int64(sum), 148, 7)
    h[155] = 0x20
    bytes += h
  }
}
