import Foundation
import TailguardTesting
import Testing

@testable import ByteFormats

@Suite struct ELFFileTests {
  @Test func sectionsMatchReadelf() throws {
    let path = SharedData.path(
      "binaries/trivy/pkg/dependency/parser/golang/binary/testdata/test.elf")
    let elf = try ELFFile(source: try FileByteSource(path: path))
    #expect(elf.is64Bit && elf.littleEndian)
    #expect(elf.goArchitecture == "amd64")
    let buildinfo = try #require(elf.section(named: ".go.buildinfo"))
    #expect(buildinfo.size == 32)
    if FixtureProcess.which("readelf") != nil {
      let out = String(
        decoding: try FixtureProcess.run("readelf", ["-S", "-W", path]), as: UTF8.self)
      let names = out.split(separator: "\n").compactMap { line -> String? in
        guard let open = line.firstIndex(of: "]"), line.contains("["), !line.contains("Nr]") else {
          return nil
        }
        return line[line.index(after: open)...].split(separator: " ").first.map(String.init)
      }.filter { $0 != "NULL" }
      #expect(elf.sections.map(\.name).filter { !$0.isEmpty } == names)
    }
  }

  /// Hand-made headers that lie: absurd counts, offsets past the end, truncation.
  @Test func hostileHeaders() throws {
    var header = [UInt8](repeating: 0, count: 64)
    header.replaceSubrange(0..<4, with: ELFFile.magic)
    header[4] = 2
    header[5] = 1
    func set16(_ at: Int, _ v: UInt16) {
      header[at] = UInt8(v & 0xFF)
      header[at + 1] = UInt8(v >> 8)
    }
    func set64(_ at: Int, _ v: UInt64) {
      for i in 0..<8 { header[at + i] = UInt8((v >> (8 * UInt64(i))) & 0xFF) }
    }
    // 60,000 sections: refused by the limit before any table is read.
    set64(40, 64)
    set16(58, 64)
    set16(60, 60_000)
    #expect(throws: ByteFormatError.self) { _ = try ELFFile(source: MemoryByteSource(header)) }
    // Section table offset far beyond the file.
    set16(60, 3)
    set64(40, UInt64.max - 10)
    #expect(throws: ByteFormatError.self) { _ = try ELFFile(source: MemoryByteSource(header)) }
    set64(40, 1 << 40)
    #expect(throws: ByteFormatError.self) { _ = try ELFFile(source: MemoryByteSource(header)) }
    // Truncated header.
    #expect(throws: ByteFormatError.self) {
      _ = try ELFFile(source: MemoryByteSource(Array(header.prefix(20))))
    }
    // Section headers whose contents lie outside the file are kept without contents.
    var file = header
    set64(40, 64)
    set16(60, 2)
    set16(62, 0)
    file = header + [UInt8](repeating: 0, count: 128)
    file[64 + 64 + 24] = 0xFF  // section 1 offset
    file[64 + 64 + 31] = 0x7F
    file[64 + 64 + 32] = 0x10  // size
    let elf = try ELFFile(source: MemoryByteSource(file))
    #expect(elf.sections.count == 1)
    #expect(elf.sections[0].offset == nil)
  }

  @Test func randomMutationsNeverCrash() throws {
    let path = SharedData.path(
      "binaries/trivy/pkg/dependency/parser/golang/binary/testdata/main-version-via-ldflags.elf")
    let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    var rng = SeededGenerator(seed: 31252)
    // Mutate the ELF header, program and section header tables (first 4 KiB and the tail).
    let buildinfoAt = try #require(
      ELFFile(source: MemoryByteSource(original)).section(named: ".go.buildinfo")?.offset)
    for round in 0..<300 {
      var bytes = original
      for _ in 0..<8 {
        let region = Int.random(in: 0..<3, using: &rng)
        let at: Int
        switch region {
        case 0: at = Int.random(in: 0..<4096, using: &rng)
        case 1: at = Int.random(in: (bytes.count - 4096)..<bytes.count, using: &rng)
        default: at = buildinfoAt + Int.random(in: 0..<64, using: &rng)
        }
        bytes[at] = UInt8.random(in: 0...255, using: &rng)
      }
      _ = try? GoBuildInfo.read(from: MemoryByteSource(bytes))
      _ = try? CargoAuditable.read(from: MemoryByteSource(bytes))
      _ = round
    }
  }
}
