/// A read-only reader for Berkeley DB **hash** databases, enough to list every key/value pair of
/// rpm's legacy `Packages` file (keys are header instance numbers, values are header blobs)
/// without linking libdb.
///
/// Format (Berkeley DB 4.x–5.x `dbinc/db_page.h`, `dbinc/hash.h`):
/// - Page 0 is the hash metadata page: `magic` (0x061561) at byte 12, `version` at 16,
///   `pagesize` at 20, page `type` at 25 (8 = P_HASHMETA), `last_pgno` at 32. Integers are in
///   the byte order of the machine that wrote the file; the magic tells which.
/// - Every page starts with a 26-byte header: `lsn`(8) `pgno`(4) `prev_pgno`(4) `next_pgno`(4)
///   `entries`(2) `hf_offset`(2) `level`(1) `type`(1).
/// - Hash pages (type 13 P_HASH, or 2 P_HASH_UNSORTED) hold `entries` 16-bit item offsets after
///   the header; items alternate key, value. An item's length is the distance to the previous
///   item's offset (the first ends at the page end). Item type byte: 1 H_KEYDATA (bytes
///   follow), 3 H_OFFPAGE (`pgno` at +4 and total length `tlen` at +8 of an overflow chain).
/// - Overflow pages (type 7) carry `hf_offset` bytes of data after the header and chain by
///   `next_pgno` (0 ends the chain).
///
/// Instead of walking the bucket chains, every page is visited once in file order (as go-rpmdb
/// does): this finds every item even when the bucket spares table is damaged, and cannot loop.
/// Overflow chains are followed with a visited set and a length bound.
public struct BerkeleyDBHashReader: Sendable {
  public struct Limits: Sendable, Hashable {
    /// Largest value reassembled from an overflow chain.
    public var maxValueLength: Int
    /// Most pages visited (the file size bounds it too).
    public var maxPages: Int
    public init(maxValueLength: Int = 256 << 20, maxPages: Int = 1 << 24) {
      self.maxValueLength = maxValueLength
      self.maxPages = maxPages
    }
  }

  static let hashMagic: UInt32 = 0x0006_1561
  static let pageHeaderSize = 26

  public let source: any ByteSource
  public let pageSize: Int
  /// Index of the last page to visit (bounded by the file size).
  public let lastPage: Int
  public let bigEndian: Bool
  public let limits: Limits

  /// Reads and checks the metadata page. Throws when the file is not a Berkeley DB hash database.
  public init(source: any ByteSource, limits: Limits = Limits()) throws(ByteFormatError) {
    let meta = try source.read(at: 0, length: 72)
    guard meta.count == 72 else {
      throw ByteFormatError(
        .truncated, "Berkeley DB file of \(source.count) bytes has no complete metadata page",
        offset: 0)
    }
    let le = Self.u32(meta, 12, bigEndian: false)
    let be = Self.u32(meta, 12, bigEndian: true)
    let bigEndian: Bool
    if le == Self.hashMagic {
      bigEndian = false
    } else if be == Self.hashMagic {
      bigEndian = true
    } else {
      throw ByteFormatError(
        .malformed, "not a Berkeley DB hash database (magic 0x\(String(le, radix: 16)))", offset: 12
      )
    }
    guard meta[25] == 8 else {
      throw ByteFormatError(
        .malformed, "Berkeley DB metadata page has type \(meta[25]), expected 8 (hash metadata)",
        offset: 25)
    }
    let pageSize = Int(Self.u32(meta, 20, bigEndian: bigEndian))
    guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else {
      throw ByteFormatError(
        .malformed, "Berkeley DB page size \(pageSize) is not a power of two in 512...65536",
        offset: 20)
    }
    let declaredLast = Int(Self.u32(meta, 32, bigEndian: bigEndian))
    let pagesInFile = source.count / pageSize
    self.source = source
    self.pageSize = pageSize
    self.bigEndian = bigEndian
    self.limits = limits
    self.lastPage = min(declaredLast, pagesInFile - 1, limits.maxPages)
  }

  /// Calls `body` with every key/value pair in page order. Problems with single items (broken
  /// overflow chains, unsupported duplicate sets) are returned; the walk goes on after them.
  public func forEachEntry(_ body: (_ key: [UInt8], _ value: [UInt8]) -> Void) -> [ByteFormatError]
  {
    var problems: [ByteFormatError] = []
    guard lastPage >= 1 else { return problems }
    for pgno in 1...lastPage {
      let page: [UInt8]
      do {
        page = try source.read(at: pgno * pageSize, length: pageSize)
      } catch {
        problems.append(error)
        break
      }
      guard page.count == pageSize else {
        problems.append(
          ByteFormatError(
            .truncated, "Berkeley DB page \(pgno) is incomplete", offset: pgno * pageSize))
        break
      }
      let type = page[25]
      guard type == 13 || type == 2 else { continue }
      let entries = Int(u16(page, 20))
      let indexEnd = Self.pageHeaderSize + entries * 2
      guard indexEnd <= pageSize else {
        problems.append(
          ByteFormatError(
            .outOfBounds, "Berkeley DB hash page \(pgno) declares \(entries) items, more than fit",
            offset: pgno * pageSize + 20))
        continue
      }
      var offsets: [Int] = []
      offsets.reserveCapacity(entries)
      for i in 0..<entries { offsets.append(Int(u16(page, Self.pageHeaderSize + i * 2))) }
      var i = 0
      while i + 1 < entries {
        defer { i += 2 }
        let base = pgno * pageSize
        guard let key = item(page, offsets, i, pgno: pgno, problems: &problems),
          let value = item(page, offsets, i + 1, pgno: pgno, problems: &problems)
        else { continue }
        // Keys are small (a record number); only H_KEYDATA keys are expected.
        guard key.type == 1 else {
          problems.append(
            ByteFormatError(
              .unsupported, "Berkeley DB hash page \(pgno): key item \(i) has type \(key.type)",
              offset: base + key.start))
          continue
        }
        let keyBytes = Array(page[(key.start + 1)..<key.end])
        switch value.type {
        case 1:
          body(keyBytes, Array(page[(value.start + 1)..<value.end]))
        case 3:
          guard value.end - value.start >= 12 else {
            problems.append(
              ByteFormatError(
                .truncated, "Berkeley DB hash page \(pgno): off-page item \(i + 1) is too short",
                offset: base + value.start))
            continue
          }
          let first = Int(u32(page, value.start + 4))
          let total = Int(u32(page, value.start + 8))
          do {
            body(keyBytes, try overflowValue(first: first, total: total))
          } catch {
            problems.append(error)
          }
        default:
          problems.append(
            ByteFormatError(
              .unsupported,
              "Berkeley DB hash page \(pgno): value item \(i + 1) has unsupported type \(value.type)",
              offset: base + value.start))
        }
      }
    }
    return problems
  }

  /// A 4-byte key (rpm's header instance number) in the database's byte order.
  public func integerKey(_ key: [UInt8]) -> UInt32? {
    key.count == 4 ? Self.u32(key, 0, bigEndian: bigEndian) : nil
  }

  private struct Item {
    var type: UInt8
    var start: Int
    var end: Int
  }

  private func item(
    _ page: [UInt8], _ offsets: [Int], _ i: Int, pgno: Int, problems: inout [ByteFormatError]
  ) -> Item? {
    let start = offsets[i]
    let end = i == 0 ? pageSize : offsets[i - 1]
    guard start >= Self.pageHeaderSize + offsets.count * 2, start < end, end <= pageSize else {
      problems.append(
        ByteFormatError(
          .outOfBounds,
          "Berkeley DB hash page \(pgno): item \(i) spans \(start)..<\(end), outside the page",
          offset: pgno * pageSize))
      return nil
    }
    return Item(type: page[start], start: start, end: end)
  }

  /// Reassembles a value from its overflow chain.
  private func overflowValue(first: Int, total: Int) throws(ByteFormatError) -> [UInt8] {
    guard total <= limits.maxValueLength else {
      throw ByteFormatError(
        .limitExceeded,
        "Berkeley DB overflow value of \(total) bytes exceeds the limit of \(limits.maxValueLength)"
      )
    }
    var out: [UInt8] = []
    out.reserveCapacity(min(total, source.count))
    var visited = Set<Int>()
    var pgno = first
    while out.count < total {
      guard pgno >= 1, pgno <= lastPage else {
        throw ByteFormatError(
          .outOfBounds, "Berkeley DB overflow chain points at page \(pgno), outside 1...\(lastPage)"
        )
      }
      guard visited.insert(pgno).inserted else {
        throw ByteFormatError(
          .malformed, "Berkeley DB overflow chain loops back to page \(pgno)",
          offset: pgno * pageSize)
      }
      let header = try source.read(at: pgno * pageSize, length: Self.pageHeaderSize)
      guard header.count == Self.pageHeaderSize, header[25] == 7 else {
        throw ByteFormatError(
          .malformed, "Berkeley DB page \(pgno) in an overflow chain is not an overflow page",
          offset: pgno * pageSize)
      }
      let length = Int(u16(header, 22))
      guard Self.pageHeaderSize + length <= pageSize, length > 0 else {
        throw ByteFormatError(
          .outOfBounds, "Berkeley DB overflow page \(pgno) claims \(length) bytes",
          offset: pgno * pageSize + 22)
      }
      let take = min(length, total - out.count)
      out += try source.read(at: pgno * pageSize + Self.pageHeaderSize, length: take)
      pgno = Int(u32(header, 16))
      if out.count < total, pgno == 0 {
        throw ByteFormatError(
          .truncated, "Berkeley DB overflow chain ends after \(out.count) of \(total) bytes")
      }
    }
    return out
  }

  private func u16(_ b: [UInt8], _ p: Int) -> UInt16 {
    bigEndian ? UInt16(b[p]) << 8 | UInt16(b[p + 1]) : UInt16(b[p + 1]) << 8 | UInt16(b[p])
  }
  private func u32(_ b: [UInt8], _ p: Int) -> UInt32 { Self.u32(b, p, bigEndian: bigEndian) }

  static func u32(_ b: [UInt8], _ p: Int, bigEndian: Bool) -> UInt32 {
    bigEndian
      ? UInt32(b[p]) << 24 | UInt32(b[p + 1]) << 16 | UInt32(b[p + 2]) << 8 | UInt32(b[p + 3])
      : UInt32(b[p + 3]) << 24 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 1]) << 8 | UInt32(b[p])
  }
}
