/// The build information the Go linker embeds in every module-aware binary (Go 1.13+): the Go
/// version, the main module, each dependency with its version and checksum, replacements, and
/// the build settings (`-ldflags`, `CGO_ENABLED`, `vcs.*`, `GOEXPERIMENT`, …).
///
/// Layout (Go's `debug/buildinfo`): a 32-byte header starting with `\xff Go buildinf:`, aligned
/// to 16 bytes, then the pointer size (byte 14) and flags (byte 15). With flag bit 2 (Go 1.18+)
/// the version and module-info strings follow inline, each prefixed by a uvarint length; without
/// it, two pointers at byte 16 address Go string headers (data pointer, length) that are
/// resolved through the executable's address map. The module info is wrapped in 16-byte
/// sentinels which are stripped.
public struct GoBuildInfo: Hashable, Sendable {
  public struct Module: Hashable, Sendable {
    public var path: String
    public var version: String
    public var sum: String?
    /// The `=>` line that followed this module, if any.
    public var replacement: Replacement?
    public init(path: String, version: String, sum: String? = nil, replacement: Replacement? = nil)
    {
      self.path = path
      self.version = version
      self.sum = sum
      self.replacement = replacement
    }
  }

  /// A `replace` directive's target (a local directory has an empty version).
  public struct Replacement: Hashable, Sendable {
    public var path: String
    public var version: String
    public var sum: String?
    public init(path: String, version: String, sum: String? = nil) {
      self.path = path
      self.version = version
      self.sum = sum
    }
  }

  /// One `build` line, unquoted (the value of `-ldflags="-w -X a=b"` is `-w -X a=b`).
  public struct Setting: Hashable, Sendable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
      self.key = key
      self.value = value
    }
  }

  public struct Limits: Hashable, Sendable {
    /// Bytes of the data section searched for the header (Go reads 64 KiB).
    public var searchWindow: Int
    /// Largest module-info string accepted.
    public var maxModInfo: Int
    /// Most lines accepted in the module info.
    public var maxLines: Int
    public init(searchWindow: Int = 64 << 10, maxModInfo: Int = 8 << 20, maxLines: Int = 200_000) {
      self.searchWindow = searchWindow
      self.maxModInfo = maxModInfo
      self.maxLines = maxLines
    }
  }

  /// The toolchain version as embedded, e.g. `go1.22.1` or `go1.22.1 X:loopvar`.
  public var goVersion: String
  /// The `path` line: the main package's import path.
  public var path: String?
  /// The `mod` line: the main module (version `(devel)` for a local build).
  public var main: Module?
  public var dependencies: [Module]
  public var settings: [Setting]
  /// Lines of the module info that could not be understood (kept so callers can report them).
  public var problems: [String]

  /// `\xff Go buildinf:` (14 bytes).
  public static let magic: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)

  public init(
    goVersion: String, path: String? = nil, main: Module? = nil, dependencies: [Module] = [],
    settings: [Setting] = [], problems: [String] = []
  ) {
    self.goVersion = goVersion
    self.path = path
    self.main = main
    self.dependencies = dependencies
    self.settings = settings
    self.problems = problems
  }

  /// The toolchain version without the `go` prefix and experiment suffix (`1.22.1`), as the
  /// `stdlib` pseudo-module is versioned in Go vulnerability data.
  public var stdlibVersion: String {
    var v = Substring(goVersion)
    if let space = v.firstIndex(where: { $0 == " " || $0 == "\t" }) { v = v[..<space] }
    if v.hasPrefix("go") { v = v.dropFirst(2) }
    return String(v)
  }

  public func setting(_ key: String) -> String? { settings.first { $0.key == key }?.value }

  // MARK: - Locating the header

  /// Reads the build info of an ELF, Mach-O or PE executable. Returns nil when the file is an
  /// executable without Go build info (a C or Rust binary); throws when it is not an executable
  /// this reader understands or when the build info is damaged.
  public static func read(from source: any ByteSource, limits: Limits = Limits())
    throws(ByteFormatError) -> GoBuildInfo?
  {
    let head = try source.read(at: 0, length: 4)
    let map: [ExecutableSection]
    var candidates: [ExecutableSection] = []
    if head == ELFFile.magic {
      let elf = try ELFFile(source: source)
      map = elf.addressMap
      if let s = elf.section(named: ".go.buildinfo") {
        candidates = [s]
      } else {
        candidates = elf.segments.filter {
          $0.type == ELFFile.Segment.load && $0.isWritable && !$0.isExecutable
        }
        .prefix(1).map {
          ExecutableSection(
            name: "", address: $0.address, offset: $0.offset, size: $0.fileSize, isWritable: true)
        }
      }
    } else if MachOFile.isMachO(head) {
      let macho = try MachOFile(source: source)
      map = macho.sections
      if let s = macho.sections.first(where: { $0.name == "__go_buildinfo" }) {
        candidates = [s]
      } else {
        candidates = macho.sections.filter { $0.name == "__data" || $0.name == "__noptrdata" }
      }
    } else if head.prefix(2) == [0x4D, 0x5A] {
      let pe = try PEFile(source: source)
      map = pe.sections
      candidates = pe.sections.filter { $0.name == ".data" }
      if candidates.isEmpty {
        candidates = pe.sections.filter { $0.isWritable && !$0.isExecutable }.prefix(1).map { $0 }
      }
    } else {
      throw ByteFormatError(.unsupported, "not an ELF, Mach-O or PE executable", offset: 0)
    }
    for region in candidates {
      guard let start = region.offset, region.size > 0 else { continue }
      let window = try source.read(at: start, length: min(region.size, limits.searchWindow))
      guard let found = findHeader(in: window) else { continue }
      return try decode(
        source: source, headerOffset: start + found,
        header: Array(window[found..<min(window.count, found + 32)]),
        addressMap: map, limits: limits)
    }
    return nil
  }

  /// First 16-byte aligned position of the header magic.
  static func findHeader(in window: [UInt8]) -> Int? {
    var i = 0
    while i + 32 <= window.count {
      if window[i] == 0xFF, window[i..<(i + magic.count)].elementsEqual(magic) { return i }
      i += 16
    }
    return nil
  }

  static func decode(
    source: any ByteSource, headerOffset: Int, header: [UInt8], addressMap: [ExecutableSection],
    limits: Limits
  ) throws(ByteFormatError) -> GoBuildInfo {
    guard header.count >= 32 else {
      throw ByteFormatError(.truncated, "Go build info header truncated", offset: headerOffset)
    }
    let ptrSize = Int(header[14])
    let flags = header[15]
    let version: String
    let modInfo: [UInt8]
    if flags & 2 != 0 {
      // Go 1.18+: inline uvarint-prefixed strings after the header.
      var offset = headerOffset + 32
      version = String(
        decoding: try readVarString(source, at: &offset, limit: 1 << 10), as: UTF8.self)
      modInfo = try readVarString(source, at: &offset, limit: limits.maxModInfo)
    } else {
      guard ptrSize == 4 || ptrSize == 8 else {
        throw ByteFormatError(
          .malformed, "Go build info pointer size \(ptrSize) is not 4 or 8",
          offset: headerOffset + 14)
      }
      let r = BinaryFieldReader(header, littleEndian: flags & 1 == 0)
      guard let versionAddr = r.word(16, size: ptrSize),
        let modAddr = r.word(16 + ptrSize, size: ptrSize)
      else {
        throw ByteFormatError(
          .truncated, "Go build info pointers truncated", offset: headerOffset + 16)
      }
      version = String(
        decoding: try readGoString(
          source, address: versionAddr, ptrSize: ptrSize, littleEndian: flags & 1 == 0,
          map: addressMap, limit: 1 << 10),
        as: UTF8.self)
      modInfo = try readGoString(
        source, address: modAddr, ptrSize: ptrSize, littleEndian: flags & 1 == 0, map: addressMap,
        limit: limits.maxModInfo)
    }
    guard version.hasPrefix("go") || version.hasPrefix("devel") else {
      throw ByteFormatError(
        .malformed, "Go build info version '\(version.prefix(64))' is not a Go version",
        offset: headerOffset)
    }
    // Strip the 16-byte sentinels around the module info (Go checks the newline before the end one).
    var text = ""
    if modInfo.count >= 33, modInfo[modInfo.count - 17] == 0x0A {
      text = String(decoding: modInfo[16..<(modInfo.count - 16)], as: UTF8.self)
    }
    var info = try GoBuildInfo(parsingModInfo: text, goVersion: version, limits: limits)
    info.goVersion = version
    return info
  }

  /// A uvarint length followed by that many bytes.
  static func readVarString(_ source: any ByteSource, at offset: inout Int, limit: Int)
    throws(ByteFormatError) -> [UInt8]
  {
    guard offset <= source.count else {
      throw ByteFormatError(.truncated, "Go build info string runs past the end", offset: offset)
    }
    let head = try source.read(at: offset, length: 10)
    var value: UInt64 = 0
    var shift: UInt64 = 0
    var used = 0
    var done = false
    for byte in head {
      used += 1
      if shift == 63 && byte > 1 { break }
      value |= UInt64(byte & 0x7F) << shift
      if byte & 0x80 == 0 {
        done = true
        break
      }
      shift += 7
    }
    guard done else {
      throw ByteFormatError(.malformed, "bad uvarint length in Go build info", offset: offset)
    }
    guard value <= UInt64(limit) else {
      throw ByteFormatError(
        .limitExceeded, "Go build info string of \(value) bytes exceeds \(limit)", offset: offset)
    }
    let length = Int(value)
    guard offset + used + length <= source.count else {
      throw ByteFormatError(
        .truncated, "Go build info string of \(length) bytes runs past the end", offset: offset)
    }
    let bytes = try source.read(at: offset + used, length: length)
    offset += used + length
    return bytes
  }

  /// A Go string header (data pointer, length) at virtual address `address`.
  static func readGoString(
    _ source: any ByteSource, address: UInt64, ptrSize: Int, littleEndian: Bool,
    map: [ExecutableSection], limit: Int
  ) throws(ByteFormatError) -> [UInt8] {
    guard let headerOffset = fileOffset(of: address, in: map) else {
      throw ByteFormatError(
        .outOfBounds,
        "Go build info address 0x\(String(address, radix: 16)) is not mapped in the file")
    }
    let r = BinaryFieldReader(
      try source.read(at: headerOffset, length: 2 * ptrSize), littleEndian: littleEndian)
    guard let dataAddress = r.word(0, size: ptrSize), let length = r.word(ptrSize, size: ptrSize)
    else {
      throw ByteFormatError(.truncated, "Go string header truncated", offset: headerOffset)
    }
    guard length <= UInt64(limit) else {
      throw ByteFormatError(
        .limitExceeded, "Go build info string of \(length) bytes exceeds \(limit)",
        offset: headerOffset)
    }
    if length == 0 { return [] }
    guard let dataOffset = fileOffset(of: dataAddress, in: map),
      dataOffset + Int(length) <= source.count
    else {
      throw ByteFormatError(
        .outOfBounds, "Go build info string data is not mapped in the file", offset: headerOffset)
    }
    return try source.read(at: dataOffset, length: Int(length))
  }

  static func fileOffset(of address: UInt64, in map: [ExecutableSection]) -> Int? {
    for section in map where section.offset != nil {
      if let o = section.fileOffset(of: address) { return o }
    }
    return nil
  }
}
