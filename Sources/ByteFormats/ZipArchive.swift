/// A zip archive read from its central directory (PKWARE APPNOTE 6.3: 4.3.12 central directory
/// header, 4.3.14–4.3.16 zip64 end of central directory record and locator, 4.3.7 local file
/// header, 4.5.3 zip64 extended information). Jars, wars and Python eggs are zips.
///
/// Only the central directory is read up front; entry contents are read and inflated on
/// demand, bounded by `DecompressionLimits`, so a bomb is refused while it expands. Archives
/// with bytes prepended (self-executing jars with a launcher script) are handled by locating
/// the directory relative to the end record.
public struct ZipArchive: Sendable {
  public struct Entry: Hashable, Sendable {
    public var name: String
    public var method: UInt16
    public var flags: UInt16
    public var crc32: UInt32
    public var compressedSize: Int
    /// As declared; the real size is only known (and bounded) while inflating.
    public var uncompressedSize: Int
    /// Absolute file offset of the local header.
    public var localHeaderOffset: Int
    public var isDirectory: Bool { name.hasSuffix("/") }
    public var isEncrypted: Bool { flags & 1 != 0 }
  }

  public struct Limits: Hashable, Sendable {
    public var maxEntries: Int
    public var maxCentralDirectory: Int
    public var maxNameLength: Int
    public init(
      maxEntries: Int = 500_000, maxCentralDirectory: Int = 128 << 20, maxNameLength: Int = 4_096
    ) {
      self.maxEntries = maxEntries
      self.maxCentralDirectory = maxCentralDirectory
      self.maxNameLength = maxNameLength
    }
  }

  public static let localMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

  public let source: any ByteSource
  public let entries: [Entry]

  public init(source: any ByteSource, limits: Limits = Limits()) throws(ByteFormatError) {
    self.source = source
    let count = source.count
    guard count >= 22 else {
      throw ByteFormatError(.truncated, "too short for a zip archive (\(count) bytes)")
    }
    // End of central directory: 22 bytes plus a comment of at most 65,535 bytes.
    let tailStart = max(0, count - (22 + 65_535))
    let tail = try source.read(at: tailStart, length: count - tailStart)
    var eocd: Int? = nil
    var i = tail.count - 22
    while i >= 0 {
      if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06 {
        eocd = i
        break
      }
      i -= 1
    }
    guard let eocdInTail = eocd else {
      throw ByteFormatError(.malformed, "no zip end-of-central-directory record")
    }
    let eocdAt = tailStart + eocdInTail
    let e = BinaryFieldReader(Array(tail[eocdInTail...]))
    guard let disk = e.u16(4), let cdDisk = e.u16(6), let total16 = e.u16(10),
      let cdSize32 = e.u32(12),
      let cdOffset32 = e.u32(16)
    else { throw ByteFormatError(.truncated, "zip end record truncated", offset: eocdAt) }
    var total = UInt64(total16)
    var cdSize = UInt64(cdSize32)
    var cdOffset = UInt64(cdOffset32)
    var directoryEnd = eocdAt
    // Zip64: the locator sits right before the end record.
    if eocdAt >= 20 {
      let loc = BinaryFieldReader(try source.read(at: eocdAt - 20, length: 20))
      if loc.slice(0, 4) == [0x50, 0x4B, 0x06, 0x07], let recordOffset = loc.u64(8) {
        guard let rec = Int(exactlyField: recordOffset), rec < eocdAt - 20 else {
          throw ByteFormatError(
            .malformed, "zip64 end record offset \(recordOffset) is invalid", offset: eocdAt - 12)
        }
        // With prepended data the recorded offset is shifted; look for the record just before the locator.
        var recAt = rec
        let direct = BinaryFieldReader(try source.read(at: rec, length: 56))
        if direct.slice(0, 4) != [0x50, 0x4B, 0x06, 0x06], eocdAt - 20 - 56 >= 0 {
          recAt = eocdAt - 20 - 56
        }
        let r = BinaryFieldReader(try source.read(at: recAt, length: 56))
        guard r.slice(0, 4) == [0x50, 0x4B, 0x06, 0x06], let t = r.u64(32), let s = r.u64(40),
          let o = r.u64(48)
        else {
          throw ByteFormatError(
            .malformed, "zip64 end of central directory record not found", offset: recAt)
        }
        total = t
        cdSize = s
        cdOffset = o
        directoryEnd = recAt
      }
    }
    guard disk == 0 || disk == 0xFFFF, cdDisk == 0 || cdDisk == 0xFFFF else {
      throw ByteFormatError(
        .unsupported, "multi-disk zip archives are not supported", offset: eocdAt + 4)
    }
    guard total <= UInt64(limits.maxEntries) else {
      throw ByteFormatError(
        .limitExceeded, "zip declares \(total) entries (limit \(limits.maxEntries))",
        offset: eocdAt + 10)
    }
    guard let size = Int(exactlyField: cdSize), size <= limits.maxCentralDirectory,
      size <= directoryEnd
    else {
      throw ByteFormatError(
        .malformed, "zip central directory size \(cdSize) is invalid", offset: eocdAt + 12)
    }
    guard let declaredOffset = Int(exactlyField: cdOffset), declaredOffset <= directoryEnd else {
      throw ByteFormatError(
        .truncated, "zip central directory offset \(cdOffset) is past the end record",
        offset: eocdAt + 16)
    }
    // Bytes prepended before the archive shift every recorded offset by the same amount.
    let shift = directoryEnd - size - declaredOffset
    guard shift >= 0 else {
      throw ByteFormatError(
        .truncated, "zip central directory overlaps its end record", offset: eocdAt + 16)
    }
    let cdAt = declaredOffset + shift
    let cd = BinaryFieldReader(try source.read(at: cdAt, length: size))
    var entries: [Entry] = []
    entries.reserveCapacity(Int(min(total, 65_536)))
    var at = 0
    while entries.count < Int(total) {
      guard cd.slice(at, 4) == [0x50, 0x4B, 0x01, 0x02] else {
        throw ByteFormatError(
          .truncated, "zip central directory ends after \(entries.count) of \(total) entries",
          offset: cdAt + at)
      }
      guard let flags = cd.u16(at + 8), let method = cd.u16(at + 10), let crc = cd.u32(at + 16),
        let csize32 = cd.u32(at + 20), let usize32 = cd.u32(at + 24),
        let nameLength = cd.u16(at + 28),
        let extraLength = cd.u16(at + 30), let commentLength = cd.u16(at + 32),
        let local32 = cd.u32(at + 42),
        let nameBytes = cd.slice(at + 46, Int(nameLength)),
        let extra = cd.slice(at + 46 + Int(nameLength), Int(extraLength))
      else {
        throw ByteFormatError(
          .truncated, "zip central directory entry truncated", offset: cdAt + at)
      }
      guard Int(nameLength) <= limits.maxNameLength else {
        throw ByteFormatError(
          .limitExceeded, "zip entry name of \(nameLength) bytes", offset: cdAt + at + 28)
      }
      var usize = UInt64(usize32)
      var csize = UInt64(csize32)
      var local = UInt64(local32)
      if usize32 == 0xFFFF_FFFF || csize32 == 0xFFFF_FFFF || local32 == 0xFFFF_FFFF {
        // Zip64 extended information: only the fields saturated in the record, in this order.
        let x = BinaryFieldReader(Array(extra))
        var p = 0
        while p + 4 <= x.count {
          guard let id = x.u16(p), let len = x.u16(p + 2) else { break }
          if id == 0x0001 {
            var q = p + 4
            if usize32 == 0xFFFF_FFFF, let v = x.u64(q) {
              usize = v
              q += 8
            }
            if csize32 == 0xFFFF_FFFF, let v = x.u64(q) {
              csize = v
              q += 8
            }
            if local32 == 0xFFFF_FFFF, let v = x.u64(q) {
              local = v
              q += 8
            }
            break
          }
          p += 4 + Int(len)
        }
      }
      guard let c = Int(exactlyField: csize), let u = Int(exactlyField: usize),
        let l = Int(exactlyField: local),
        l <= Int.max - shift, l + shift <= count
      else {
        throw ByteFormatError(
          .outOfBounds, "zip entry sizes or offset out of range", offset: cdAt + at)
      }
      entries.append(
        Entry(
          name: String(decoding: nameBytes, as: UTF8.self), method: method, flags: flags,
          crc32: crc,
          compressedSize: c, uncompressedSize: u, localHeaderOffset: l + shift))
      at += 46 + Int(nameLength) + Int(extraLength) + Int(commentLength)
    }
    self.entries = entries
  }

  public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

  /// The entry's uncompressed bytes (stored or deflated), bounded by `limits`. With
  /// `verifyingChecksum` the size and CRC-32 recorded in the central directory must match.
  public func contents(
    of entry: Entry, limits: DecompressionLimits, verifyingChecksum: Bool = false
  ) throws(ByteFormatError) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(min(entry.uncompressedSize, 1 << 20, Int(limits.maxOutput)))
    try stream(entry, limits: limits, verifyingChecksum: verifyingChecksum) {
      out.append(contentsOf: $0)
    }
    return out
  }

  /// Streams the entry's uncompressed bytes to `sink` in pieces of at most 1 MiB, so an entry
  /// larger than memory can be copied or hashed. Output is bounded by `limits` (size and ratio)
  /// while it is produced; with `verifyingChecksum` the total size and the CRC-32 are checked
  /// against the central directory once the entry ends (the sink has then seen every byte, so a
  /// caller that must not act on corrupt data keeps what it received until this returns).
  public func stream(
    _ entry: Entry, limits: DecompressionLimits, verifyingChecksum: Bool = false,
    into sink: (UnsafeRawBufferPointer) throws(ByteFormatError) -> Void
  ) throws(ByteFormatError) {
    guard !entry.isEncrypted else {
      throw ByteFormatError(
        .unsupported, "zip entry \(entry.name) is encrypted", offset: entry.localHeaderOffset)
    }
    let dataAt = try dataOffset(of: entry)
    var crc: UInt32 = 0
    var produced = 0
    func deliver(_ piece: UnsafeRawBufferPointer) throws(ByteFormatError) {
      if verifyingChecksum { crc = Zlib.crc32(piece, continuing: crc) }
      produced += piece.count
      try sink(piece)
    }
    let chunk = 1 << 20
    switch entry.method {
    case 0:
      guard Int64(entry.compressedSize) <= limits.maxOutput else {
        throw ByteFormatError(
          .limitExceeded,
          "zip entry \(entry.name) of \(entry.compressedSize) bytes exceeds \(limits.maxOutput)")
      }
      var offset = 0
      while offset < entry.compressedSize {
        let piece = try source.read(
          at: dataAt + offset, length: min(chunk, entry.compressedSize - offset))
        if piece.isEmpty { break }
        offset += piece.count
        var failure: ByteFormatError?
        piece.withUnsafeBytes { b in
          do throws(ByteFormatError) { try deliver(b) } catch { failure = error }
        }
        if let failure { throw failure }
      }
    case 8:
      var inflater = Inflater(mode: .raw, limits: limits, outputBufferSize: 256 << 10)
      var offset = 0
      do {
        while offset < entry.compressedSize {
          let piece = try source.read(
            at: dataAt + offset, length: min(chunk, entry.compressedSize - offset))
          if piece.isEmpty { break }
          offset += piece.count
          try inflater.push(piece) { (b) throws(ByteFormatError) in try deliver(b) }
        }
        try inflater.finish()
      } catch let error as ByteFormatError {
        throw ByteFormatError(
          error.code, "zip entry \(entry.name): \(error.message)", offset: error.offset)
      } catch {
        throw ByteFormatError(.decompression, "zip entry \(entry.name): \(error)")
      }
    default:
      throw ByteFormatError(
        .unsupported, "zip entry \(entry.name) uses compression method \(entry.method)")
    }
    if verifyingChecksum && (produced != entry.uncompressedSize || crc != entry.crc32) {
      throw ByteFormatError(
        .malformed,
        "zip entry \(entry.name) fails its size or CRC-32 check (\(produced) bytes, declared \(entry.uncompressedSize))"
      )
    }
  }

  /// Where the entry's data starts: after its local header, name and extra field.
  private func dataOffset(of entry: Entry) throws(ByteFormatError) -> Int {
    let local = BinaryFieldReader(try source.read(at: entry.localHeaderOffset, length: 30))
    guard local.slice(0, 4) == Self.localMagic[...], let n = local.u16(26), let x = local.u16(28)
    else {
      throw ByteFormatError(
        .malformed, "zip local header of \(entry.name) is invalid", offset: entry.localHeaderOffset)
    }
    let dataAt = entry.localHeaderOffset + 30 + Int(n) + Int(x)
    guard dataAt <= source.count, entry.compressedSize <= source.count - dataAt else {
      throw ByteFormatError(.truncated, "zip entry \(entry.name) runs past the end", offset: dataAt)
    }
    return dataAt
  }
}
