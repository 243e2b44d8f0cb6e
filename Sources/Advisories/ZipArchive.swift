import Foundation

/// A minimal zip reader for OSV's `ECOSYSTEM/all.zip` exports: the central directory is read
/// (PKWARE APPNOTE 6.3.10, §4.3.12 central file header, §4.3.16 end of central directory),
/// entries are stored or deflated. ZIP64 and encryption are refused with an error.
struct ZipArchive {
  struct Entry {
    var name: String
    var method: UInt16
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
    var crc32: UInt32
  }

  let source: RandomAccessFile
  let path: String
  let entries: [Entry]
  static let maxEntries = 2_000_000
  static let maxEntryBytes = 64 << 20

  init(source: RandomAccessFile, path: String) throws(AdvisoryError) {
    self.source = source
    self.path = path
    let size = source.count
    guard size >= 22 else {
      throw AdvisoryError(.archive, "too small to be a zip archive", path: path)
    }
    // §4.3.16: the EOCD record is at the end, followed by a comment of up to 65535 bytes.
    let tailLength = min(size, 22 + 65_535)
    let tail = try Self.read(source, size - tailLength, tailLength, path)
    var eocd: Int?
    var i = tail.count - 22
    while i >= 0 {
      if tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 0x05 && tail[i + 3] == 0x06 {
        eocd = i
        break
      }
      i -= 1
    }
    guard let e = eocd else {
      throw AdvisoryError(
        .archive, "no end-of-central-directory record (truncated or not a zip)", path: path)
    }
    let total = Int(Self.u16(tail, e + 10))
    let cdSize = Int(Self.u32(tail, e + 12))
    let cdOffset = Int(Self.u32(tail, e + 16))
    if total == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
      throw AdvisoryError(.archive, "ZIP64 archives are not supported", path: path)
    }
    guard cdOffset + cdSize <= size, total <= Self.maxEntries else {
      throw AdvisoryError(
        .archive, "central directory outside the file (truncated archive)", path: path)
    }
    let cd = try Self.read(source, cdOffset, cdSize, path)
    var list: [Entry] = []
    list.reserveCapacity(total)
    var p = 0
    for _ in 0..<total {
      guard p + 46 <= cd.count, Self.u32(cd, p) == 0x0201_4B50 else {
        throw AdvisoryError(
          .archive, "corrupt central directory entry at \(cdOffset + p)", path: path)
      }
      let flags = Self.u16(cd, p + 8)
      let method = Self.u16(cd, p + 10)
      let crc = Self.u32(cd, p + 16)
      let csize = Int(Self.u32(cd, p + 20))
      let usize = Int(Self.u32(cd, p + 24))
      let nameLen = Int(Self.u16(cd, p + 28))
      let extraLen = Int(Self.u16(cd, p + 30))
      let commentLen = Int(Self.u16(cd, p + 32))
      let offset = Int(Self.u32(cd, p + 42))
      guard p + 46 + nameLen <= cd.count else {
        throw AdvisoryError(.archive, "corrupt central directory name", path: path)
      }
      let name = String(decoding: cd[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
      if flags & 1 != 0 { throw AdvisoryError(.archive, "encrypted entry \(name)", path: path) }
      list.append(
        Entry(
          name: name, method: method, compressedSize: csize, uncompressedSize: usize,
          localHeaderOffset: offset, crc32: crc))
      p += 46 + nameLen + extraLen + commentLen
    }
    entries = list
  }

  /// The uncompressed bytes of one entry, CRC-checked.
  func contents(of entry: Entry) throws(AdvisoryError) -> [UInt8] {
    guard entry.uncompressedSize <= Self.maxEntryBytes, entry.compressedSize <= Self.maxEntryBytes
    else {
      throw AdvisoryError(
        .limitExceeded, "entry \(entry.name) is larger than \(Self.maxEntryBytes) bytes", path: path
      )
    }
    let header = try Self.read(source, entry.localHeaderOffset, 30, path)
    guard header.count == 30, Self.u32(header, 0) == 0x0403_4B50 else {
      throw AdvisoryError(.archive, "bad local header for \(entry.name)", path: path)
    }
    let dataStart =
      entry.localHeaderOffset + 30 + Int(Self.u16(header, 26)) + Int(Self.u16(header, 28))
    let data = try Self.read(source, dataStart, entry.compressedSize, path)
    guard data.count == entry.compressedSize else {
      throw AdvisoryError(.archive, "entry \(entry.name) is truncated", path: path)
    }
    let out: [UInt8]
    switch entry.method {
    case 0: out = data
    case 8:
      out = try Inflate.inflate(
        data, wrapper: .raw, limit: entry.uncompressedSize, path: "\(path)!\(entry.name)")
    default:
      throw AdvisoryError(
        .archive, "entry \(entry.name) uses unsupported method \(entry.method)", path: path)
    }
    guard out.count == entry.uncompressedSize, Inflate.crc32(out) == entry.crc32 else {
      throw AdvisoryError(
        .archive, "entry \(entry.name) fails its size or CRC-32 check", path: path)
    }
    return out
  }

  private static func read(_ s: RandomAccessFile, _ offset: Int, _ length: Int, _ path: String)
    throws(AdvisoryError) -> [UInt8]
  {
    try s.read(at: offset, length: length)
  }
  static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
  static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
  }
}
