/// A reader for rpm's "ndb" package database (`Packages.db`, used by SUSE), which stores each
/// installed package's header blob in a flat file indexed by a slot table.
///
/// Format (rpm `lib/backend/ndb/rpmpkg.c`), all integers little-endian:
/// - Header (32 bytes): magic `RpmP`, version (0), generation, `slotnpages` (pages of 4096
///   bytes holding the header and the slot table), next package index, reserved.
/// - Slot table: after the header, up to the end of `slotnpages` pages, 16-byte slots:
///   magic `Slot`, package index (0 = free slot), block offset and block count (in 16-byte blocks).
/// - Blob at `blkoff * 16`: head (magic `BlbS`, package index, generation, blob length), the
///   header blob, then a 12-byte tail (checksum, length, magic `BlbE`) inside `blkcnt` blocks.
public struct NDBPackagesReader: Sendable {
  public struct Limits: Sendable, Hashable {
    /// Most slot pages accepted (2048 pages = 524,286 slots).
    public var maxSlotPages: Int
    public var maxBlobLength: Int
    public init(maxSlotPages: Int = 2048, maxBlobLength: Int = 256 << 20) {
      self.maxSlotPages = maxSlotPages
      self.maxBlobLength = maxBlobLength
    }
  }

  /// A used slot: where the package's blob lives.
  public struct Slot: Sendable, Hashable {
    public var packageIndex: UInt32
    public var blockOffset: Int
    public var blockCount: Int
  }

  static let headerMagic: UInt32 = 0x506D_7052  // "RpmP"
  static let slotMagic: UInt32 = 0x746F_6C53  // "Slot"
  static let blobMagic: UInt32 = 0x5362_6C42  // "BlbS"
  static let pageSize = 4096
  static let blockSize = 16

  public let source: any ByteSource
  public let limits: Limits
  /// Used slots in table order.
  public let slots: [Slot]
  /// Slots whose magic was wrong (the table is read on, but the count is reported).
  public let badSlots: Int

  /// Reads the header and the slot table. Throws when the file is not an ndb package database.
  public init(source: any ByteSource, limits: Limits = Limits()) throws(ByteFormatError) {
    let header = try source.read(at: 0, length: 32)
    guard header.count == 32 else {
      throw ByteFormatError(
        .truncated, "ndb file of \(source.count) bytes has no complete header", offset: 0)
    }
    guard Self.u32(header, 0) == Self.headerMagic else {
      throw ByteFormatError(.malformed, "not an rpm ndb Packages.db (no RpmP magic)", offset: 0)
    }
    let version = Self.u32(header, 4)
    guard version == 0 else {
      throw ByteFormatError(
        .unsupported, "ndb database version \(version) is not supported (expected 0)", offset: 4)
    }
    let slotPages = Int(Self.u32(header, 12))
    guard slotPages >= 1, slotPages <= limits.maxSlotPages else {
      throw ByteFormatError(
        .limitExceeded,
        "ndb header declares \(slotPages) slot pages (allowed 1...\(limits.maxSlotPages))",
        offset: 12)
    }
    let tableEnd = slotPages * Self.pageSize
    guard tableEnd <= source.count else {
      throw ByteFormatError(
        .truncated,
        "ndb slot table of \(slotPages) pages runs past the end of the \(source.count)-byte file",
        offset: 12)
    }
    let table = try source.read(at: 32, length: tableEnd - 32)
    var slots: [Slot] = []
    var bad = 0
    var p = 0
    while p + 16 <= table.count {
      defer { p += 16 }
      guard Self.u32(table, p) == Self.slotMagic else {
        bad += 1
        continue
      }
      let index = Self.u32(table, p + 4)
      guard index != 0 else { continue }
      slots.append(
        Slot(
          packageIndex: index, blockOffset: Int(Self.u32(table, p + 8)),
          blockCount: Int(Self.u32(table, p + 12))))
    }
    self.source = source
    self.limits = limits
    self.slots = slots
    self.badSlots = bad
  }

  /// The header blob a slot points at, checked against the slot (package index, block extent).
  public func blob(for slot: Slot) throws(ByteFormatError) -> [UInt8] {
    let start = slot.blockOffset * Self.blockSize
    let extent = slot.blockCount * Self.blockSize
    guard slot.blockOffset > 0, extent >= 16 + 12, start <= source.count,
      extent <= source.count - start
    else {
      throw ByteFormatError(
        .outOfBounds,
        "ndb slot for package \(slot.packageIndex) spans blocks \(slot.blockOffset)+\(slot.blockCount), outside the file",
        offset: start)
    }
    let head = try source.read(at: start, length: 16)
    guard head.count == 16, Self.u32(head, 0) == Self.blobMagic else {
      throw ByteFormatError(
        .malformed, "ndb blob for package \(slot.packageIndex) has no BlbS magic", offset: start)
    }
    guard Self.u32(head, 4) == slot.packageIndex else {
      throw ByteFormatError(
        .malformed,
        "ndb blob at block \(slot.blockOffset) belongs to package \(Self.u32(head, 4)), not \(slot.packageIndex)",
        offset: start + 4)
    }
    let length = Int(Self.u32(head, 12))
    guard length <= limits.maxBlobLength, 16 + length + 12 <= extent else {
      throw ByteFormatError(
        .outOfBounds,
        "ndb blob for package \(slot.packageIndex) claims \(length) bytes, more than its \(extent)-byte extent",
        offset: start + 12)
    }
    return try source.read(at: start + 16, length: length)
  }

  static func u32(_ b: [UInt8], _ p: Int) -> UInt32 {
    UInt32(b[p + 3]) << 24 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 1]) << 8 | UInt32(b[p])
  }
}
