/// A section (or, for formats and files without section headers, a loadable segment) of an
/// executable: where its bytes sit in the file and where they are mapped in memory. The Go
/// build-info reader works over these so it serves ELF, Mach-O and PE alike.
public struct ExecutableSection: Hashable, Sendable {
  public var name: String
  /// Virtual address the loader maps the section at.
  public var address: UInt64
  /// File offset of the section's bytes, nil when the section occupies no file space (`.bss`).
  public var offset: Int?
  /// Size in the file (0 when not file-backed).
  public var size: Int
  public var isWritable: Bool
  public var isExecutable: Bool

  public init(
    name: String, address: UInt64, offset: Int?, size: Int, isWritable: Bool = false,
    isExecutable: Bool = false
  ) {
    self.name = name
    self.address = address
    self.offset = offset
    self.size = size
    self.isWritable = isWritable
    self.isExecutable = isExecutable
  }

  /// File offset of virtual address `address` when it falls inside this section's file bytes.
  public func fileOffset(of address: UInt64) -> Int? {
    guard let offset, address >= self.address else { return nil }
    let delta = address - self.address
    guard delta < UInt64(size), let d = Int(exactlyField: delta) else { return nil }
    return offset + d
  }
}

/// The headers of an ELF file (System V ABI, "ELF header", "Section header", "Program header"):
/// byte order, class, machine, sections with their names, and loadable segments. Only the
/// headers are read; section contents are read on demand through the `ByteSource`, so a large
/// binary is never loaded whole.
public struct ELFFile: Sendable {
  /// Bounds on header tables, so a file declaring millions of sections is refused cheaply.
  public struct Limits: Hashable, Sendable {
    public var maxSections: Int
    public var maxSegments: Int
    public var maxSectionNameTable: Int
    public init(
      maxSections: Int = 4_096, maxSegments: Int = 1_024, maxSectionNameTable: Int = 1 << 20
    ) {
      self.maxSections = maxSections
      self.maxSegments = maxSegments
      self.maxSectionNameTable = maxSectionNameTable
    }
  }

  public struct Segment: Hashable, Sendable {
    public var type: UInt32
    public var flags: UInt32
    public var offset: Int
    public var address: UInt64
    public var fileSize: Int
    public var memorySize: UInt64
    public static let load: UInt32 = 1
    public var isWritable: Bool { flags & 2 != 0 }
    public var isExecutable: Bool { flags & 1 != 0 }
  }

  public static let magic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]

  public let is64Bit: Bool
  public let littleEndian: Bool
  public let machine: UInt16
  public let sections: [ExecutableSection]
  public let segments: [Segment]

  /// Go's GOARCH name for the machine, when it is one Go targets.
  public var goArchitecture: String? {
    switch machine {
    case 3: "386"
    case 0x3E: "amd64"
    case 0x28: "arm"
    case 0xB7: "arm64"
    case 0x15: "ppc64"
    case 0x16: "s390x"
    case 0xF3: "riscv64"
    case 0x08: "mips"
    case 0x102: "loong64"
    default: nil
    }
  }

  public init(source: any ByteSource, limits: Limits = Limits()) throws(ByteFormatError) {
    let head = BinaryFieldReader(try source.read(at: 0, length: 64))
    guard head.count >= 52, Array(head.bytes.prefix(4)) == Self.magic else {
      throw ByteFormatError(.malformed, "not an ELF file (bad magic)", offset: 0)
    }
    guard let cls = head.u8(4), cls == 1 || cls == 2 else {
      throw ByteFormatError(
        .malformed, "ELF class \(head.u8(4) ?? 0) is neither 32 nor 64 bit", offset: 4)
    }
    guard let data = head.u8(5), data == 1 || data == 2 else {
      throw ByteFormatError(
        .malformed, "ELF data encoding \(head.u8(5) ?? 0) is unknown", offset: 5)
    }
    let is64 = cls == 2
    let le = data == 1
    let h = BinaryFieldReader(head.bytes, littleEndian: le)
    guard !is64 || h.count >= 64 else {
      throw ByteFormatError(.truncated, "ELF header truncated", offset: 0)
    }
    let machine = h.u16(18) ?? 0
    let phoff = is64 ? h.u64(32) : h.u32(28).map(UInt64.init)
    let shoff = is64 ? h.u64(40) : h.u32(32).map(UInt64.init)
    let base = is64 ? 54 : 42
    guard let phoff, let shoff, let phentsize = h.u16(base), let phnum16 = h.u16(base + 2),
      let shentsize = h.u16(base + 4), let shnum16 = h.u16(base + 6),
      let shstrndx16 = h.u16(base + 8)
    else { throw ByteFormatError(.truncated, "ELF header truncated", offset: 0) }

    self.is64Bit = is64
    self.littleEndian = le
    self.machine = machine

    // Program headers.
    var segments: [Segment] = []
    let wantPh = is64 ? 56 : 32
    if phoff != 0 && phnum16 != 0 {
      guard Int(phentsize) >= wantPh else {
        throw ByteFormatError(
          .malformed, "ELF program header size \(phentsize) is too small", offset: base)
      }
      guard Int(phnum16) <= limits.maxSegments else {
        throw ByteFormatError(
          .limitExceeded, "ELF declares \(phnum16) program headers", offset: base + 2)
      }
      let table = try Self.readTable(
        source, offset: phoff, entrySize: Int(phentsize), count: Int(phnum16),
        what: "program header")
      let r = BinaryFieldReader(table, littleEndian: le)
      for i in 0..<Int(phnum16) {
        let o = i * Int(phentsize)
        let seg: Segment?
        if is64 {
          seg = Self.segment(
            type: r.u32(o), flags: r.u32(o + 4), offset: r.u64(o + 8), address: r.u64(o + 16),
            fileSize: r.u64(o + 32), memorySize: r.u64(o + 40), sourceCount: source.count)
        } else {
          seg = Self.segment(
            type: r.u32(o), flags: r.u32(o + 24), offset: r.u32(o + 4).map(UInt64.init),
            address: r.u32(o + 8).map(UInt64.init), fileSize: r.u32(o + 16).map(UInt64.init),
            memorySize: r.u32(o + 20).map(UInt64.init), sourceCount: source.count)
        }
        if let seg { segments.append(seg) }
      }
    }
    self.segments = segments

    // Section headers.
    var sections: [ExecutableSection] = []
    let wantSh = is64 ? 64 : 40
    if shoff != 0 {
      guard Int(shentsize) >= wantSh else {
        throw ByteFormatError(
          .malformed, "ELF section header size \(shentsize) is too small", offset: base + 4)
      }
      // Extended numbering: counts that do not fit the header live in section 0.
      let first = BinaryFieldReader(
        try Self.readTable(
          source, offset: shoff, entrySize: Int(shentsize), count: 1, what: "section header"),
        littleEndian: le)
      var shnum = Int(shnum16)
      if shnum == 0 {
        let ext = is64 ? first.u64(32) : first.u32(20).map(UInt64.init)
        guard let ext, let n = Int(exactlyField: ext) else {
          throw ByteFormatError(
            .malformed, "ELF extended section count unreadable", offset: Int(exactlyField: shoff))
        }
        shnum = n
      }
      var shstrndx = Int(shstrndx16)
      if shstrndx == 0xFFFF { shstrndx = Int(first.u32(is64 ? 40 : 24) ?? 0) }
      guard shnum <= limits.maxSections else {
        throw ByteFormatError(
          .limitExceeded, "ELF declares \(shnum) sections (limit \(limits.maxSections))",
          offset: base + 6)
      }
      if shnum > 0 {
        let table = BinaryFieldReader(
          try Self.readTable(
            source, offset: shoff, entrySize: Int(shentsize), count: shnum, what: "section header"),
          littleEndian: le)
        struct Raw {
          var nameOffset: UInt32, type: UInt32, flags: UInt64, address: UInt64, offset: UInt64,
            size: UInt64
        }
        var raws: [Raw] = []
        for i in 0..<shnum {
          let o = i * Int(shentsize)
          let raw: Raw?
          if is64 {
            if let n = table.u32(o), let t = table.u32(o + 4), let f = table.u64(o + 8),
              let a = table.u64(o + 16),
              let off = table.u64(o + 24), let s = table.u64(o + 32)
            {
              raw = Raw(nameOffset: n, type: t, flags: f, address: a, offset: off, size: s)
            } else {
              raw = nil
            }
          } else {
            if let n = table.u32(o), let t = table.u32(o + 4), let f = table.u32(o + 8),
              let a = table.u32(o + 12),
              let off = table.u32(o + 16), let s = table.u32(o + 20)
            {
              raw = Raw(
                nameOffset: n, type: t, flags: UInt64(f), address: UInt64(a), offset: UInt64(off),
                size: UInt64(s))
            } else {
              raw = nil
            }
          }
          guard let raw else {
            throw ByteFormatError(.truncated, "ELF section header \(i) truncated")
          }
          raws.append(raw)
        }
        var names = BinaryFieldReader([])
        if shstrndx > 0, shstrndx < raws.count {
          let s = raws[shstrndx]
          if let off = Int(exactlyField: s.offset), let size = Int(exactlyField: s.size),
            size <= limits.maxSectionNameTable, off <= source.count, size <= source.count - off
          {
            names = BinaryFieldReader(try source.read(at: off, length: size))
          }
        }
        for raw in raws.dropFirst() {
          let name = names.cString(Int(raw.nameOffset), limit: 256) ?? ""
          let noBits = raw.type == 8  // SHT_NOBITS
          var offset: Int? = nil
          var size = 0
          if !noBits, let off = Int(exactlyField: raw.offset), let sz = Int(exactlyField: raw.size),
            off <= source.count, sz <= source.count - off
          {
            offset = off
            size = sz
          }
          sections.append(
            ExecutableSection(
              name: name, address: raw.address, offset: offset, size: size,
              isWritable: raw.flags & 1 != 0, isExecutable: raw.flags & 4 != 0))
        }
      }
    }
    self.sections = sections
  }

  public func section(named name: String) -> ExecutableSection? {
    sections.first { $0.name == name }
  }

  /// Sections plus loadable segments (as unnamed sections), for resolving virtual addresses in
  /// files whose section headers were stripped.
  public var addressMap: [ExecutableSection] {
    sections
      + segments.filter { $0.type == Segment.load }.map {
        ExecutableSection(
          name: "", address: $0.address, offset: $0.offset, size: $0.fileSize,
          isWritable: $0.isWritable,
          isExecutable: $0.isExecutable)
      }
  }

  /// The bytes of a section, refused above `limit`.
  public func contents(
    of section: ExecutableSection, in source: any ByteSource, limit: Int
  ) throws(ByteFormatError) -> [UInt8] {
    guard let offset = section.offset else { return [] }
    guard section.size <= limit else {
      throw ByteFormatError(
        .limitExceeded, "section \(section.name) of \(section.size) bytes exceeds \(limit)",
        offset: offset)
    }
    return try source.read(at: offset, length: section.size)
  }

  private static func readTable(
    _ source: any ByteSource, offset: UInt64, entrySize: Int, count: Int, what: String
  ) throws(ByteFormatError) -> [UInt8] {
    guard let off = Int(exactlyField: offset), off <= source.count else {
      throw ByteFormatError(.outOfBounds, "ELF \(what) table offset \(offset) is outside the file")
    }
    let (total, overflow) = entrySize.multipliedReportingOverflow(by: count)
    guard !overflow, total <= source.count - off else {
      throw ByteFormatError(
        .truncated, "ELF \(what) table (\(count) × \(entrySize) bytes) runs past the end",
        offset: off)
    }
    return try source.read(at: off, length: total)
  }

  private static func segment(
    type: UInt32?, flags: UInt32?, offset: UInt64?, address: UInt64?, fileSize: UInt64?,
    memorySize: UInt64?,
    sourceCount: Int
  ) -> Segment? {
    guard let type, let flags, let offset, let address, let fileSize, let memorySize,
      let off = Int(exactlyField: offset), let size = Int(exactlyField: fileSize),
      off <= sourceCount,
      size <= sourceCount - off
    else { return nil }
    return Segment(
      type: type, flags: flags, offset: off, address: address, fileSize: size,
      memorySize: memorySize)
  }
}
