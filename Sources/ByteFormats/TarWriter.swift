/// Writes a POSIX tar archive (ustar headers, pax `x` records for names or link targets too
/// long for ustar) with every varying field fixed by the caller: the same entries in the same
/// order give the same bytes, which is what a reproducible image layer needs.
///
/// Entries are written in the order they are added; callers sort them (a layer's paths
/// sorted bytewise, parents first). Owner names are left empty, as OCI layers need no names.
public struct TarWriter: Sendable {
  public private(set) var bytes: [UInt8] = []
  /// The modification time written into every header (seconds since 1970); nil: each entry's
  /// own `mtime`, which the caller then fixes.
  public let mtime: Int64?

  public init(mtime: Int64? = 0) { self.mtime = mtime }

  /// Appends one entry. `data` is used only for regular files.
  public mutating func append(_ entry: TarEntry, data: [UInt8] = []) {
    let size = entry.kind == .regular ? data.count : 0
    var pax: [(String, String)] = []
    let path =
      entry.kind == .directory && !entry.path.hasSuffix("/") ? entry.path + "/" : entry.path
    let (prefix, name) = Self.splitUstar(path) ?? ("", "")
    if name.isEmpty { pax.append(("path", path)) }
    if entry.linkName.utf8.count > 100 { pax.append(("linkpath", entry.linkName)) }
    if !pax.isEmpty {
      let body = Self.paxRecords(pax)
      appendHeader(
        name: "PaxHeaders/\(String(path.suffix(80)))", prefix: "", type: UInt8(ascii: "x"),
        size: body.count, mode: 0o644, entry: nil)
      appendData(body)
    }
    let type: UInt8
    switch entry.kind {
    case .regular: type = UInt8(ascii: "0")
    case .hardLink: type = UInt8(ascii: "1")
    case .symlink: type = UInt8(ascii: "2")
    case .characterDevice: type = UInt8(ascii: "3")
    case .blockDevice: type = UInt8(ascii: "4")
    case .directory: type = UInt8(ascii: "5")
    case .fifo: type = UInt8(ascii: "6")
    case .other(let t): type = t
    }
    appendHeader(
      name: name.isEmpty ? String(path.suffix(99)) : name, prefix: prefix, type: type, size: size,
      mode: entry.mode, entry: entry)
    if size > 0 { appendData(data) }
  }

  /// The archive with its end marker (two zero blocks).
  public func finished() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }

  private mutating func appendData(_ data: [UInt8]) {
    bytes += data
    let pad = (512 - data.count % 512) % 512
    bytes += [UInt8](repeating: 0, count: pad)
  }

  private mutating func appendHeader(
    name: String, prefix: String, type: UInt8, size: Int, mode: UInt32, entry: TarEntry?
  ) {
    var h = [UInt8](repeating: 0, count: 512)
    func put(_ s: String, _ at: Int, _ length: Int) {
      for (i, b) in s.utf8.prefix(length).enumerated() { h[at + i] = b }
    }
    func octal(_ value: Int64, _ at: Int, _ length: Int) {
      let digits = String(value, radix: 8)
      put(String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits, at, length - 1)
    }
    put(name, 0, 100)
    octal(Int64(mode & 0o7777), 100, 8)
    octal(entry?.uid ?? 0, 108, 8)
    octal(entry?.gid ?? 0, 116, 8)
    octal(Int64(size), 124, 12)
    octal(mtime ?? entry?.mtime ?? 0, 136, 12)
    h[156] = type
    if let entry { put(entry.linkName, 157, 100) }
    put("ustar", 257, 6)
    put("00", 263, 2)
    if let entry, entry.kind == .characterDevice || entry.kind == .blockDevice {
      octal(Int64(entry.devMajor), 329, 8)
      octal(Int64(entry.devMinor), 337, 8)
    }
    put(prefix, 345, 155)
    for i in 148..<156 { h[i] = 0x20 }
    let sum = h.reduce(0) { $0 + Int64($1) }
    octal(sum, 148, 7)
    h[155] = 0x20
    bytes += h
  }

  /// `(prefix, name)` when `path` fits ustar's 155 + 100 bytes, split at a slash; nil otherwise.
  static func splitUstar(_ path: String) -> (String, String)? {
    let utf8 = Array(path.utf8)
    if utf8.count <= 100 { return ("", path) }
    guard utf8.count <= 256 else { return nil }
    for i in stride(from: min(155, utf8.count - 1), through: 1, by: -1) where utf8[i] == 0x2F {
      let name = Array(utf8[(i + 1)...])
      if name.count <= 100 && !name.isEmpty {
        return (String(decoding: utf8[..<i], as: UTF8.self), String(decoding: name, as: UTF8.self))
      }
    }
    return nil
  }

  /// pax records `"<len> key=value\n"`, where len counts the whole record including itself.
  static func paxRecords(_ records: [(String, String)]) -> [UInt8] {
    var out: [UInt8] = []
    for (key, value) in records {
      let body = " \(key)=\(value)\n"
      var length = body.utf8.count + 1
      while String(length).utf8.count + body.utf8.count != length { length += 1 }
      out += Array("\(length)\(body)".utf8)
    }
    return out
  }
}
