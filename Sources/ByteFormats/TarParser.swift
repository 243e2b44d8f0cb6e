/// Streaming tar reader: push bytes in any chunking, receive entries and their data as spans of
/// the input (no copy, nothing held beyond one 512-byte header and bounded PAX/GNU records).
///
/// Formats (POSIX.1-2001 pax, ustar, GNU): ustar `prefix` + `name`; PAX `x` records (`path`,
/// `linkpath`, `size`, `mtime`, `uid`, `gid`) and global `g` records; GNU `L`/`K` long names;
/// base-256 numeric fields. Header checksums are verified (unsigned or signed sum, as both exist
/// in the wild). Types without data (links, directories, devices, FIFOs) never carry data,
/// whatever their size field says (as GNU tar and Go's archive/tar read them). Sparse files and
/// unknown types are skipped with a `TarWarning`.
public struct TarParser {
  public enum Event {
    /// A member's header. Its data (if any) follows as `.data` spans, then `.entryEnd`.
    case entry(TarEntry)
    case data(UnsafeRawBufferPointer)
    case entryEnd
    case warning(TarWarning)
  }

  enum State {
    case header
    case data(remaining: Int64, padding: Int64)
    case meta(flag: UInt8, remaining: Int64, padding: Int64)
    case skip(remaining: Int64)
    case end
  }

  public let limits: TarLimits
  /// Bytes consumed so far.
  public private(set) var offset: Int64 = 0
  public private(set) var headerCount = 0
  /// True once two zero blocks (the end-of-archive marker) were seen.
  public private(set) var sawEndMarker = false

  private var state: State = .header
  private var headerBuf = [UInt8](repeating: 0, count: 512)
  private var headerFill = 0
  private var zeroBlocks = 0
  private var metaBuf: [UInt8] = []
  private var metaHeaderOffset: Int64 = 0
  private var firstHeaderOffset: Int64?
  private var longName: String?
  private var longLink: String?
  private var pax: [String: String] = [:]
  private var globalPax: [String: String] = [:]
  private var currentPath = ""

  public init(limits: TarLimits = TarLimits()) {
    self.limits = limits
  }

  /// Bytes of the current entry's data and padding still expected, when the parser is in the
  /// middle of a regular entry (for a seeking reader that skips data instead of pushing it).
  public var pendingDataSkip: Int64? {
    if case .data(let r, let p) = state { return r + p }
    return nil
  }

  /// Declares that the caller skipped the current entry's data and padding (by seeking);
  /// the next bytes pushed must be the next header.
  public mutating func skipData() {
    if case .data(let r, let p) = state {
      offset += r + p
      state = .header
    }
  }

  public mutating func push(_ bytes: some Collection<UInt8>, _ handler: (Event) throws -> Void)
    throws
  {
    if let done: Void = try bytes.withContiguousStorageIfAvailable({ buf in
      try push(UnsafeRawBufferPointer(buf), handler)
    }) {
      return done
    }
    let copy = Array(bytes)
    try copy.withUnsafeBytes { try push($0, handler) }
  }

  /// Consumes `input`; `handler` sees events in archive order. Parser errors are
  /// `ByteFormatError` (offset = position in the archive); handler errors propagate.
  public mutating func push(_ input: UnsafeRawBufferPointer, _ handler: (Event) throws -> Void)
    throws
  {
    guard let base = input.baseAddress else { return }
    let n = input.count
    var i = 0
    while i < n {
      switch state {
      case .end:
        offset += Int64(n - i)
        i = n
      case .header:
        if headerFill == 0 && n - i >= 512 {
          let block = UnsafeRawBufferPointer(start: base + i, count: 512)
          i += 512
          try parseHeader(block, handler)
        } else {
          let fill = headerFill
          let take = min(512 - fill, n - i)
          headerBuf.withUnsafeMutableBytes { dst in
            (dst.baseAddress! + fill).copyMemory(from: base + i, byteCount: take)
          }
          headerFill += take
          i += take
          if headerFill == 512 {
            headerFill = 0
            let copy = headerBuf
            try copy.withUnsafeBytes { try parseHeader($0, handler) }
          }
        }
      case .data(let remaining, let padding):
        let take = Int(min(remaining, Int64(n - i)))
        if take > 0 {
          try handler(.data(UnsafeRawBufferPointer(start: base + i, count: take)))
        }
        i += take
        offset += Int64(take)
        let left = remaining - Int64(take)
        if left == 0 {
          state = padding > 0 ? .skip(remaining: padding) : .header
          try handler(.entryEnd)
        } else {
          state = .data(remaining: left, padding: padding)
        }
      case .meta(let flag, let remaining, let padding):
        let take = Int(min(remaining, Int64(n - i)))
        metaBuf.append(contentsOf: UnsafeRawBufferPointer(start: base + i, count: take))
        i += take
        offset += Int64(take)
        let left = remaining - Int64(take)
        if left == 0 {
          state = padding > 0 ? .skip(remaining: padding) : .header
          try finishMeta(flag: flag, handler)
        } else {
          state = .meta(flag: flag, remaining: left, padding: padding)
        }
      case .skip(let remaining):
        let take = Int(min(remaining, Int64(n - i)))
        i += take
        offset += Int64(take)
        let left = remaining - Int64(take)
        state = left == 0 ? .header : .skip(remaining: left)
      }
    }
  }

  /// Declares the end of input. A stream that stops at a header boundary is accepted (as GNU tar
  /// and Go do, many layer writers omit the end marker); one that stops inside a header, a
  /// record or an entry's data is truncated.
  public mutating func finish() throws(ByteFormatError) {
    switch state {
    case .end:
      return
    case .header where headerFill == 0:
      if longName != nil || longLink != nil || !pax.isEmpty {
        throw ByteFormatError(
          .truncated, "tar archive ends after an extended header without its entry",
          offset: Int(offset))
      }
      return
    case .header:
      throw ByteFormatError(
        .truncated, "tar archive is truncated inside a header", offset: Int(offset))
    case .data(let remaining, _):
      throw ByteFormatError(
        .truncated, "tar archive is truncated: \(remaining) bytes of \(currentPath) are missing",
        offset: Int(offset))
    case .meta:
      throw ByteFormatError(
        .truncated, "tar archive is truncated inside an extended header", offset: Int(offset))
    case .skip:
      // Only block padding is missing after the last entry; its data was complete.
      return
    }
  }

  // MARK: headers

  private mutating func parseHeader(
    _ block: UnsafeRawBufferPointer, _ handler: (Event) throws -> Void
  ) throws {
    let at = offset
    offset += 512
    var unsignedSum = 0
    var signedSum = 0
    for k in 0..<512 {
      let b = (148..<156).contains(k) ? 0x20 : block[k]
      unsignedSum += Int(b)
      signedSum += Int(Int8(bitPattern: b))
    }
    var allZero = true
    for k in 148..<156 where block[k] != 0 {
      allZero = false
      break
    }
    if allZero && unsignedSum == 8 * 0x20 {
      zeroBlocks += 1
      if zeroBlocks >= 2 {
        sawEndMarker = true
        state = .end
      }
      return
    }
    if zeroBlocks == 1 {
      try handler(
        .warning(
          TarWarning(
            code: "tar.zero-block", message: "a single zero block inside the archive was skipped",
            offset: at - 512)))
    }
    zeroBlocks = 0
    headerCount += 1
    guard headerCount <= limits.maxHeaders else {
      throw ByteFormatError(
        .limitExceeded, "tar archive has more than \(limits.maxHeaders) headers", offset: Int(at))
    }
    guard let stored = Self.octal(block, 148, 8) else {
      throw ByteFormatError(
        .malformed, "tar header has an unreadable checksum field", offset: Int(at))
    }
    guard stored == Int64(unsignedSum) || stored == Int64(signedSum) else {
      throw ByteFormatError(
        .malformed,
        "tar header checksum mismatch (stored \(stored), computed \(unsignedSum)); not a tar archive or corrupt",
        offset: Int(at))
    }
    let flag = block[156]
    guard let rawSize = Self.numeric(block, 124, 12), rawSize >= 0 else {
      throw ByteFormatError(.malformed, "tar header has an invalid size field", offset: Int(at))
    }
    if firstHeaderOffset == nil { firstHeaderOffset = at }
    let padding = (512 - rawSize % 512) % 512

    switch flag {
    case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
      guard rawSize <= Int64(limits.maxMetaSize) else {
        throw ByteFormatError(
          .limitExceeded,
          "tar extended header of \(rawSize) bytes exceeds the limit of \(limits.maxMetaSize)",
          offset: Int(at))
      }
      metaBuf.removeAll(keepingCapacity: true)
      metaHeaderOffset = at
      if rawSize == 0 {
        try finishMeta(flag: flag, handler)
      } else {
        state = .meta(flag: flag, remaining: rawSize, padding: padding)
      }
      return
    default:
      break
    }

    let isUstar = Self.matches(block, 257, "ustar\0")
    var name = Self.string(block, 0, 100)
    if isUstar {
      let prefix = Self.string(block, 345, 155)
      if !prefix.isEmpty { name = prefix + "/" + name }
    }
    var path = longName ?? pax["path"] ?? globalPax["path"] ?? name
    var link = longLink ?? pax["linkpath"] ?? globalPax["linkpath"] ?? Self.string(block, 157, 100)
    var size = rawSize
    if let s = pax["size"] ?? globalPax["size"] {
      guard let v = Int64(s), v >= 0 else {
        throw ByteFormatError(.malformed, "PAX size '\(s.prefix(40))' is invalid", offset: Int(at))
      }
      size = v
    }
    let sparse = flag == UInt8(ascii: "S") || pax.keys.contains { $0.hasPrefix("GNU.sparse.") }
    let mode = UInt32(truncatingIfNeeded: Self.numeric(block, 100, 8) ?? 0o644) & 0o7777
    let uid = Int64(pax["uid"] ?? "") ?? Self.numeric(block, 108, 8) ?? 0
    let gid = Int64(pax["gid"] ?? "") ?? Self.numeric(block, 116, 8) ?? 0
    var mtime = Self.numeric(block, 136, 12) ?? 0
    if let m = pax["mtime"] ?? globalPax["mtime"],
      let whole = Int64(m.split(separator: ".").first ?? "")
    {
      mtime = whole
    }
    let devMajor = UInt32(truncatingIfNeeded: Self.numeric(block, 329, 8) ?? 0)
    let devMinor = UInt32(truncatingIfNeeded: Self.numeric(block, 337, 8) ?? 0)
    let headerAt = min(firstHeaderOffset ?? at, at)
    longName = nil
    longLink = nil
    pax.removeAll()
    firstHeaderOffset = nil

    if path.utf8.count > limits.maxPathLength || link.utf8.count > limits.maxPathLength {
      throw ByteFormatError(
        .limitExceeded,
        "tar entry name of \(max(path.utf8.count, link.utf8.count)) bytes exceeds the limit of \(limits.maxPathLength)",
        offset: Int(headerAt))
    }
    if path.utf8.contains(0) { path = String(path.prefix { $0 != "\0" }) }
    if link.utf8.contains(0) { link = String(link.prefix { $0 != "\0" }) }
    guard size <= limits.maxEntrySize else {
      throw ByteFormatError(
        .limitExceeded,
        "tar entry \(path) declares \(size) bytes, above the limit of \(limits.maxEntrySize)",
        offset: Int(headerAt))
    }
    currentPath = path
    let dataPadding = (512 - size % 512) % 512

    let kind: TarEntry.Kind
    switch flag {
    case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .regular
    case UInt8(ascii: "1"): kind = .hardLink
    case UInt8(ascii: "2"): kind = .symlink
    case UInt8(ascii: "3"): kind = .characterDevice
    case UInt8(ascii: "4"): kind = .blockDevice
    case UInt8(ascii: "5"): kind = .directory
    case UInt8(ascii: "6"): kind = .fifo
    default: kind = .other(flag)
    }
    if sparse || kind == .other(flag) {
      let why =
        sparse
        ? "sparse file skipped (its contents are not read)"
        : "entry of unknown type '\(Self.printable(flag))' skipped"
      try handler(
        .warning(
          TarWarning(
            code: sparse ? "tar.sparse" : "tar.unknown-type", message: why, path: path,
            offset: headerAt)))
      state = size > 0 ? .skip(remaining: size + dataPadding) : .header
      return
    }
    let hasData = kind == .regular
    let entry = TarEntry(
      path: path, linkName: link, kind: kind, size: hasData ? size : 0, mode: mode, uid: uid,
      gid: gid, mtime: mtime, devMajor: devMajor, devMinor: devMinor, headerOffset: headerAt,
      dataOffset: offset)
    try handler(.entry(entry))
    if hasData && size > 0 {
      state = .data(remaining: size, padding: dataPadding)
    } else {
      try handler(.entryEnd)
      // Header-only types still skip whatever data the size field declares.
      state = !hasData && size > 0 ? .skip(remaining: size + dataPadding) : .header
    }
  }

  private mutating func finishMeta(flag: UInt8, _ handler: (Event) throws -> Void) throws {
    if firstHeaderOffset == nil { firstHeaderOffset = metaHeaderOffset }
    switch flag {
    case UInt8(ascii: "L"), UInt8(ascii: "K"):
      let end = metaBuf.firstIndex(of: 0) ?? metaBuf.count
      let text = String(decoding: metaBuf[..<end], as: UTF8.self)
      if flag == UInt8(ascii: "L") { longName = text } else { longLink = text }
    default:
      let records = try Self.parsePax(metaBuf, offset: metaHeaderOffset)
      if flag == UInt8(ascii: "g") {
        for (k, v) in records {
          if v.isEmpty { globalPax.removeValue(forKey: k) } else { globalPax[k] = v }
        }
      } else {
        for (k, v) in records { pax[k] = v }
      }
    }
    metaBuf.removeAll(keepingCapacity: metaBuf.capacity <= 1 << 16)
  }

  /// PAX extended header records: `"%d %s=%s\n"`, the length counting the whole record.
  static func parsePax(_ bytes: [UInt8], offset: Int64) throws(ByteFormatError) -> [(
    String, String
  )] {
    var out: [(String, String)] = []
    var i = 0
    while i < bytes.count {
      if bytes[i] == 0 { break }  // NUL padding some writers leave
      var j = i
      var length = 0
      while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39, j - i < 10 {
        length = length * 10 + Int(bytes[j] - 0x30)
        j += 1
      }
      guard j < bytes.count, bytes[j] == 0x20, length > j - i + 1, i + length <= bytes.count,
        bytes[i + length - 1] == 0x0A
      else {
        throw ByteFormatError(.malformed, "malformed PAX record", offset: Int(offset) + 512 + i)
      }
      let record = bytes[(j + 1)..<(i + length - 1)]
      guard let eq = record.firstIndex(of: 0x3D) else {
        throw ByteFormatError(.malformed, "PAX record without '='", offset: Int(offset) + 512 + i)
      }
      out.append(
        (
          String(decoding: record[..<eq], as: UTF8.self),
          String(decoding: record[(eq + 1)...], as: UTF8.self)
        ))
      i += length
    }
    return out
  }

  // MARK: fields

  static func string(_ block: UnsafeRawBufferPointer, _ at: Int, _ len: Int) -> String {
    var end = at
    while end < at + len && block[end] != 0 { end += 1 }
    return String(decoding: UnsafeRawBufferPointer(rebasing: block[at..<end]), as: UTF8.self)
  }

  static func matches(_ block: UnsafeRawBufferPointer, _ at: Int, _ text: StaticString) -> Bool {
    let count = text.utf8CodeUnitCount
    let p = text.utf8Start
    for k in 0..<count where block[at + k] != p[k] { return false }
    return true
  }

  static func octal(_ block: UnsafeRawBufferPointer, _ at: Int, _ len: Int) -> Int64? {
    var k = at
    let end = at + len
    while k < end && (block[k] == 0x20 || block[k] == 0) { k += 1 }
    var value: Int64 = 0
    var digits = 0
    while k < end, block[k] >= 0x30, block[k] <= 0x37 {
      guard digits < 21 else { return nil }
      value = value * 8 + Int64(block[k] - 0x30)
      digits += 1
      k += 1
    }
    while k < end {
      guard block[k] == 0x20 || block[k] == 0 else { return nil }
      k += 1
    }
    return value
  }

  /// Octal, or GNU base-256 when the high bit of the first byte is set.
  static func numeric(_ block: UnsafeRawBufferPointer, _ at: Int, _ len: Int) -> Int64? {
    let first = block[at]
    guard first & 0x80 != 0 else { return octal(block, at, len) }
    if first == 0xFF { return nil }  // negative
    var value = Int64(first & 0x7F)
    for k in (at + 1)..<(at + len) {
      guard value <= (Int64.max >> 8) else { return nil }
      value = value << 8 | Int64(block[k])
    }
    return value
  }

  static func printable(_ b: UInt8) -> String {
    (0x21...0x7E).contains(b) ? String(UnicodeScalar(b)) : "\\x\(String(b, radix: 16))"
  }
}
