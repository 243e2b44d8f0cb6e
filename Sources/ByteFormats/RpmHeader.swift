/// An RPM header as stored in an rpm database (`Packages` value, `rpmdb.sqlite` blob, NDB blob):
/// the "header blob" without the lead and without the 8-byte header magic.
///
/// Layout (rpm `lib/header.c`, "Header Blob"): big-endian `il` (index entry count) and `dl`
/// (data store length), then `il` index entries of 16 bytes (`tag`, `type`, `offset`, `count`,
/// all big-endian 32-bit), then `dl` bytes of data. An entry's value lives at `offset` in the
/// data store; strings are NUL-terminated, integer arrays are big-endian.
///
/// Every input is hostile: the counts and offsets are checked against the bytes actually
/// present and against `Limits`, so a forged header can cost at most its own size in memory.
public struct RpmHeader: Sendable, Hashable {
  /// Value types of index entries (rpm `rpmTagType`).
  public enum ValueType: UInt32, Sendable, Hashable {
    case null = 0
    case char = 1
    case int8 = 2
    case int16 = 3
    case int32 = 4
    case int64 = 5
    case string = 6
    case binary = 7
    case stringArray = 8
    case i18nString = 9
  }

  /// One index entry, validated against the data store when the header was parsed.
  public struct Entry: Sendable, Hashable {
    public var tag: Int32
    public var type: ValueType
    public var offset: Int
    public var count: Int
  }

  /// Bounds applied while parsing. rpm itself refuses more than 0xffff tags and 256 MiB of data.
  public struct Limits: Sendable, Hashable {
    public var maxEntries: Int
    public var maxDataLength: Int
    /// Largest element count accepted for one array entry (file lists of huge packages stay below it).
    public var maxArrayCount: Int
    public init(
      maxEntries: Int = 0xFFFF, maxDataLength: Int = 256 << 20, maxArrayCount: Int = 1 << 20
    ) {
      self.maxEntries = maxEntries
      self.maxDataLength = maxDataLength
      self.maxArrayCount = maxArrayCount
    }
  }

  /// Entries by tag. When a tag repeats (region entries followed by "dribble" entries), the
  /// later entry wins, as in rpm.
  public let entries: [Int32: Entry]
  /// The data store (`dl` bytes).
  public let data: [UInt8]

  public init(parsing blob: [UInt8], limits: Limits = Limits()) throws(ByteFormatError) {
    guard blob.count >= 8 else {
      throw ByteFormatError(
        .truncated, "rpm header blob of \(blob.count) bytes is shorter than its 8-byte preamble",
        offset: 0)
    }
    let il = Int(Self.be32(blob, 0))
    let dl = Int(Self.be32(blob, 4))
    guard il >= 1, il <= limits.maxEntries else {
      throw ByteFormatError(
        .limitExceeded,
        "rpm header declares \(il) index entries (allowed 1...\(limits.maxEntries))", offset: 0)
    }
    guard dl <= limits.maxDataLength else {
      throw ByteFormatError(
        .limitExceeded, "rpm header declares \(dl) data bytes (limit \(limits.maxDataLength))",
        offset: 4)
    }
    let dataStart = 8 + il * 16
    guard dataStart + dl <= blob.count else {
      throw ByteFormatError(
        .truncated,
        "rpm header needs \(dataStart + dl) bytes (\(il) entries, \(dl) data bytes) but the blob has \(blob.count)",
        offset: 0)
    }
    let data = Array(blob[dataStart..<(dataStart + dl)])
    var entries: [Int32: Entry] = [:]
    entries.reserveCapacity(il)
    for i in 0..<il {
      let base = 8 + i * 16
      let tag = Int32(bitPattern: Self.be32(blob, base))
      let rawType = Self.be32(blob, base + 4)
      let offset = Int(Int32(bitPattern: Self.be32(blob, base + 8)))
      let count = Int(Self.be32(blob, base + 12))
      guard let type = ValueType(rawValue: rawType) else {
        throw ByteFormatError(
          .malformed, "rpm header entry \(i) (tag \(tag)) has unknown type \(rawType)", offset: base
        )
      }
      guard offset >= 0, offset <= dl else {
        throw ByteFormatError(
          .outOfBounds,
          "rpm header entry \(i) (tag \(tag)) points at \(offset), outside the \(dl)-byte data store",
          offset: base)
      }
      guard count <= limits.maxArrayCount else {
        throw ByteFormatError(
          .limitExceeded,
          "rpm header entry \(i) (tag \(tag)) has \(count) values (limit \(limits.maxArrayCount))",
          offset: base)
      }
      // Fixed-size types must fit entirely; string types are checked when read.
      let width: Int? =
        switch type {
        case .char, .int8, .binary: 1
        case .int16: 2
        case .int32: 4
        case .int64: 8
        case .null, .string, .stringArray, .i18nString: nil
        }
      if let width, offset + count * width > dl {
        throw ByteFormatError(
          .outOfBounds,
          "rpm header entry \(i) (tag \(tag)): \(count) values of \(width) bytes at \(offset) overrun the \(dl)-byte data store",
          offset: base)
      }
      entries[tag] = Entry(tag: tag, type: type, offset: offset, count: count)
    }
    self.entries = entries
    self.data = data
  }

  /// The first string of a `STRING`, `I18NSTRING` or `STRING_ARRAY` entry.
  public func string(_ tag: Int32) -> String? {
    guard let e = entries[tag],
      e.type == .string || e.type == .i18nString || e.type == .stringArray,
      let (s, _) = cString(at: e.offset)
    else { return nil }
    return s
  }

  /// All strings of a `STRING_ARRAY` (or one-element `STRING`/`I18NSTRING`) entry; nil when any
  /// element runs past the data store.
  public func stringArray(_ tag: Int32) -> [String]? {
    guard let e = entries[tag] else { return nil }
    switch e.type {
    case .string, .i18nString:
      return string(tag).map { [$0] }
    case .stringArray:
      var out: [String] = []
      out.reserveCapacity(min(e.count, 1 << 16))
      var pos = e.offset
      for _ in 0..<e.count {
        guard let (s, next) = cString(at: pos) else { return nil }
        out.append(s)
        pos = next
      }
      return out
    default:
      return nil
    }
  }

  /// Integer values of an `INT8`/`INT16`/`INT32`/`INT64`/`CHAR` entry (bounds were checked at parse time).
  public func integers(_ tag: Int32) -> [Int64]? {
    guard let e = entries[tag] else { return nil }
    var out: [Int64] = []
    out.reserveCapacity(e.count)
    for i in 0..<e.count {
      switch e.type {
      case .char, .int8: out.append(Int64(data[e.offset + i]))
      case .int16:
        let p = e.offset + i * 2
        out.append(Int64(UInt16(data[p]) << 8 | UInt16(data[p + 1])))
      case .int32: out.append(Int64(Int32(bitPattern: Self.be32(data, e.offset + i * 4))))
      case .int64:
        let p = e.offset + i * 8
        let v = (UInt64(Self.be32(data, p)) << 32) | UInt64(Self.be32(data, p + 4))
        out.append(Int64(bitPattern: v))
      default: return nil
      }
    }
    return out
  }

  /// The first integer of an integer entry.
  public func integer(_ tag: Int32) -> Int64? {
    guard let e = entries[tag], e.count >= 1 else { return nil }
    return integers(tag)?.first
  }

  /// A NUL-terminated string at `offset` in the data store and the offset after its NUL.
  private func cString(at offset: Int) -> (String, Int)? {
    guard offset >= 0, offset < data.count else { return nil }
    var end = offset
    while end < data.count, data[end] != 0 { end += 1 }
    guard end < data.count else { return nil }
    return (String(decoding: data[offset..<end], as: UTF8.self), end + 1)
  }

  static func be32(_ b: [UInt8], _ p: Int) -> UInt32 {
    UInt32(b[p]) << 24 | UInt32(b[p + 1]) << 16 | UInt32(b[p + 2]) << 8 | UInt32(b[p + 3])
  }
}

/// Header tags the catalogers read (rpm `rpmtag.h`).
public enum RpmTag {
  public static let name: Int32 = 1000
  public static let version: Int32 = 1001
  public static let release: Int32 = 1002
  public static let epoch: Int32 = 1003
  public static let vendor: Int32 = 1011
  public static let license: Int32 = 1014
  public static let arch: Int32 = 1022
  public static let oldFilenames: Int32 = 1027
  public static let sourceRpm: Int32 = 1044
  public static let dirIndexes: Int32 = 1116
  public static let baseNames: Int32 = 1117
  public static let dirNames: Int32 = 1118
  public static let modularityLabel: Int32 = 5096
}
