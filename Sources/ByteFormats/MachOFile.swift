/// The sections of a Mach-O executable (`<mach-o/loader.h>`: mach header, `LC_SEGMENT` and
/// `LC_SEGMENT_64` load commands with their section records). A universal ("fat") file is read
/// through its first architecture slice. Only headers are read.
public struct MachOFile: Sendable {
  public struct Limits: Hashable, Sendable {
    public var maxLoadCommands: Int
    public var maxLoadCommandBytes: Int
    public var maxSections: Int
    public init(
      maxLoadCommands: Int = 4_096, maxLoadCommandBytes: Int = 4 << 20, maxSections: Int = 4_096
    ) {
      self.maxLoadCommands = maxLoadCommands
      self.maxLoadCommandBytes = maxLoadCommandBytes
      self.maxSections = maxSections
    }
  }

  public let is64Bit: Bool
  public let littleEndian: Bool
  public let cpuType: UInt32
  /// Sections with file offsets relative to the whole file (slice offset added).
  public let sections: [ExecutableSection]

  /// Go's GOARCH name for the CPU type, when it is one Go targets.
  public var goArchitecture: String? {
    switch cpuType {
    case 7: "386"
    case 0x0100_0007: "amd64"
    case 12: "arm"
    case 0x0100_000C: "arm64"
    case 0x0100_0012: "ppc64"
    default: nil
    }
  }

  /// Whether the first four bytes are a thin Mach-O magic or the universal magic.
  /// (`0xCAFEBABE` is also the Java class magic; the fat header's small arch count tells them apart.)
  public static func isMachO(_ head: [UInt8]) -> Bool {
    guard head.count >= 4 else { return false }
    return FileSelectorMagics.thin.contains(Array(head.prefix(4)))
      || Array(head.prefix(4)) == FileSelectorMagics.fat
  }

  enum FileSelectorMagics {
    static let thin: [[UInt8]] = [
      [0xFE, 0xED, 0xFA, 0xCE], [0xFE, 0xED, 0xFA, 0xCF], [0xCE, 0xFA, 0xED, 0xFE],
      [0xCF, 0xFA, 0xED, 0xFE],
    ]
    static let fat: [UInt8] = [0xCA, 0xFE, 0xBA, 0xBE]
  }

  public init(source: any ByteSource, limits: Limits = Limits()) throws(ByteFormatError) {
    var base = 0
    var head = try source.read(at: 0, length: 32)
    guard head.count >= 28 else {
      throw ByteFormatError(.truncated, "Mach-O header truncated", offset: 0)
    }
    if Array(head.prefix(4)) == FileSelectorMagics.fat {
      let fat = BinaryFieldReader(try source.read(at: 0, length: 8 + 20), littleEndian: false)
      guard let n = fat.u32(4), n >= 1, n < 64, let off = fat.u32(16) else {
        throw ByteFormatError(.malformed, "universal Mach-O header is invalid", offset: 0)
      }
      base = Int(off)
      guard base < source.count else {
        throw ByteFormatError(
          .outOfBounds, "universal Mach-O slice offset \(base) outside the file", offset: 16)
      }
      head = try source.read(at: base, length: 32)
      guard head.count >= 28, FileSelectorMagics.thin.contains(Array(head.prefix(4))) else {
        throw ByteFormatError(
          .malformed, "universal Mach-O slice is not a Mach-O file", offset: base)
      }
    }
    guard FileSelectorMagics.thin.contains(Array(head.prefix(4))) else {
      throw ByteFormatError(.malformed, "not a Mach-O file (bad magic)", offset: 0)
    }
    // Stored magic FE ED FA Cx is big-endian; Cx FA ED FE is little-endian.
    let le = head[0] != 0xFE
    let is64 = (le ? head[0] : head[3]) == 0xCF
    let h = BinaryFieldReader(head, littleEndian: le)
    guard let cpu = h.u32(4), let ncmds = h.u32(16), let sizeofcmds = h.u32(20) else {
      throw ByteFormatError(.truncated, "Mach-O header truncated", offset: base)
    }
    guard Int(ncmds) <= limits.maxLoadCommands, Int(sizeofcmds) <= limits.maxLoadCommandBytes else {
      throw ByteFormatError(
        .limitExceeded, "Mach-O declares \(ncmds) load commands in \(sizeofcmds) bytes",
        offset: base + 16)
    }
    let headerSize = is64 ? 32 : 28
    let cmds = BinaryFieldReader(
      try source.read(at: base + headerSize, length: Int(sizeofcmds)), littleEndian: le)
    var sections: [ExecutableSection] = []
    var at = 0
    for _ in 0..<Int(ncmds) {
      guard let cmd = cmds.u32(at), let size = cmds.u32(at + 4), size >= 8,
        at + Int(size) <= cmds.count
      else { break }
      if cmd == 0x19 || cmd == 0x1 {
        let seg64 = cmd == 0x19
        let nsectsAt = seg64 ? 64 : 48
        let first = seg64 ? 72 : 56
        let stride = seg64 ? 80 : 68
        let initprot = cmds.u32(at + (seg64 ? 60 : 44)) ?? 0
        if let nsects = cmds.u32(at + nsectsAt) {
          for i in 0..<Int(min(nsects, UInt32(limits.maxSections))) {
            let s = at + first + i * stride
            guard s + stride <= at + Int(size) else { break }
            let name = String(decoding: (cmds.slice(s, 16) ?? []).prefix { $0 != 0 }, as: UTF8.self)
            let addr = seg64 ? cmds.u64(s + 32) : cmds.u32(s + 32).map(UInt64.init)
            let sz = seg64 ? cmds.u64(s + 40) : cmds.u32(s + 36).map(UInt64.init)
            let off = cmds.u32(s + (seg64 ? 48 : 40))
            let flags = cmds.u32(s + (seg64 ? 64 : 56)) ?? 0
            guard let addr, let sz, let off else { continue }
            let zeroFill = [1, 0xC, 0x12].contains(flags & 0xFF)
            var offset: Int? = nil
            var size = 0
            if !zeroFill, let szInt = Int(exactlyField: sz), base + Int(off) <= source.count,
              szInt <= source.count - base - Int(off)
            {
              offset = base + Int(off)
              size = szInt
            }
            sections.append(
              ExecutableSection(
                name: name, address: addr, offset: offset, size: size,
                isWritable: initprot & 2 != 0,
                isExecutable: initprot & 4 != 0))
            if sections.count >= limits.maxSections { break }
          }
        }
      }
      at += Int(size)
    }
    self.is64Bit = is64
    self.littleEndian = le
    self.cpuType = cpu
    self.sections = sections
  }
}
