/// The sections of a PE/COFF executable (Microsoft PE format: DOS stub with `e_lfanew`, `PE\0\0`
/// signature, COFF file header, optional header for the image base, section table). Section
/// addresses are absolute (image base + RVA), as Go's build-info pointers are.
public struct PEFile: Sendable {
  public let machine: UInt16
  public let imageBase: UInt64
  public let sections: [ExecutableSection]

  /// Go's GOARCH name for the COFF machine, when it is one Go targets.
  public var goArchitecture: String? {
    switch machine {
    case 0x14C: "386"
    case 0x8664: "amd64"
    case 0x1C0, 0x1C4: "arm"
    case 0xAA64: "arm64"
    default: nil
    }
  }

  public init(source: any ByteSource, maxSections: Int = 1_024) throws(ByteFormatError) {
    let dos = BinaryFieldReader(try source.read(at: 0, length: 64))
    guard dos.count >= 64, dos.u16(0) == 0x5A4D, let lfanew = dos.u32(0x3C) else {
      throw ByteFormatError(.malformed, "not a PE file (bad DOS header)", offset: 0)
    }
    let pe = Int(lfanew)
    guard pe < source.count else {
      throw ByteFormatError(.outOfBounds, "PE header offset outside the file", offset: 0x3C)
    }
    let coff = BinaryFieldReader(try source.read(at: pe, length: 24 + 32))
    guard coff.count >= 24, coff.slice(0, 4) == [0x50, 0x45, 0, 0], let machine = coff.u16(4),
      let nsections = coff.u16(6), let optSize = coff.u16(20)
    else { throw ByteFormatError(.malformed, "PE signature or COFF header invalid", offset: pe) }
    guard Int(nsections) <= maxSections else {
      throw ByteFormatError(.limitExceeded, "PE declares \(nsections) sections", offset: pe + 6)
    }
    let opt = pe + 24
    var imageBase: UInt64 = 0
    if optSize >= 32 {
      let o = BinaryFieldReader(try source.read(at: opt, length: 32))
      if o.u16(0) == 0x20B {
        imageBase = o.u64(24) ?? 0
      } else {
        imageBase = UInt64(o.u32(28) ?? 0)
      }
    }
    let tableAt = opt + Int(optSize)
    let table = BinaryFieldReader(
      try source.read(at: min(tableAt, source.count), length: Int(nsections) * 40))
    var sections: [ExecutableSection] = []
    for i in 0..<Int(nsections) {
      let s = i * 40
      guard let rva = table.u32(s + 12), let rawSize = table.u32(s + 16),
        let rawPtr = table.u32(s + 20),
        let vsize = table.u32(s + 8), let ch = table.u32(s + 36)
      else { break }
      let name = String(decoding: (table.slice(s, 8) ?? []).prefix { $0 != 0 }, as: UTF8.self)
      var offset: Int? = nil
      var size = 0
      let fileSize = Int(vsize == 0 ? rawSize : min(rawSize, vsize))
      if rawPtr != 0, Int(rawPtr) <= source.count {
        offset = Int(rawPtr)
        size = min(fileSize, source.count - Int(rawPtr))
      }
      sections.append(
        ExecutableSection(
          name: name, address: imageBase &+ UInt64(rva), offset: offset, size: size,
          isWritable: ch & 0x8000_0000 != 0, isExecutable: ch & 0x2000_0000 != 0))
    }
    self.machine = machine
    self.imageBase = imageBase
    self.sections = sections
  }
}
