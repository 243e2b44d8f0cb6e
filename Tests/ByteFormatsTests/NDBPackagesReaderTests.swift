import ByteFormats
import Foundation
import TailguardTesting
import Testing

/// There is no ndb oracle (Debian's rpm is built without ndb). The expectation was checked by
/// hand: an independent python reader (struct.unpack('<4sIII') over the 32-byte header and the
/// 16-byte slots, then `BlbS` blob heads and the big-endian header index) lists 35 used slots
/// and 35 packages, with the NEVRA values asserted below; `strings Packages.db | grep -c
/// '\.src\.rpm$'` agrees on the source rpm names checked here.
@Suite struct NDBPackagesReaderTests {
  static let path = "pkgdb/rpmdb/go-rpmdb/sle15-bci/Packages.db"

  static func load() throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: SharedData.path(path))))
  }

  @Test func readsTheSLE15Database() throws {
    let reader = try NDBPackagesReader(source: MemoryByteSource(Self.load()))
    #expect(reader.slots.count == 35)
    #expect(reader.badSlots == 0)
    let infos = try reader.slots.map { try RpmPackageInfo(parsing: try reader.blob(for: $0)) }
    #expect(infos.count == 35)
    let byName = Dictionary(uniqueKeysWithValues: infos.map { ($0.name, $0) })
    #expect(byName["bash"]?.evr == "4.4-19.6.1")
    #expect(byName["bash"]?.sourceRpm == "bash-4.4-19.6.1.src.rpm")
    #expect(byName["libreadline7"]?.sourcePackage?.name == "bash")
    #expect(byName["libgcc_s1"]?.evr == "11.2.1+git610-1.3.9")
    #expect(byName["libgcc_s1"]?.sourceRpm == "gcc11-11.2.1+git610-1.3.9.src.rpm")
    #expect(byName["system-user-root"]?.architecture == "noarch")
    #expect(byName["sles-release"]?.evr == "15.3-55.4.1")
    #expect(
      byName["glibc"]?.license
        == "LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later")
    #expect(infos.allSatisfy { $0.vendor == "SUSE LLC <https://www.suse.com/>" && $0.epoch == nil })
    #expect(Set(infos.map(\.name)).count == 35)
  }

  @Test func rejectsBadHeaders() throws {
    var bytes = try Self.load()
    #expect(
      (#expect(throws: ByteFormatError.self) {
        try NDBPackagesReader(source: MemoryByteSource(Array(bytes.prefix(10))))
      })?.code == .truncated)
    var wrongMagic = bytes
    wrongMagic[0] = 0
    #expect(
      (#expect(throws: ByteFormatError.self) {
        try NDBPackagesReader(source: MemoryByteSource(wrongMagic))
      })?.code == .malformed)
    bytes.replaceSubrange(12..<16, with: [0xFF, 0xFF, 0, 0])  // 65,535 slot pages
    #expect(
      (#expect(throws: ByteFormatError.self) {
        try NDBPackagesReader(source: MemoryByteSource(bytes))
      })?.code == .limitExceeded)
  }

  @Test func hostileSlotsBecomeErrorsPerPackage() throws {
    var bytes = try Self.load()
    // Slot 1 (at 32): block offset far past the end of the file.
    bytes.replaceSubrange(40..<44, with: [0xFF, 0xFF, 0xFF, 0x0F])
    // Slot 2 (at 48): claims a different package index than its blob.
    bytes.replaceSubrange(52..<56, with: [99, 0, 0, 0])
    // Slot 3 (at 64): bad magic.
    bytes[64] = 0
    let reader = try NDBPackagesReader(source: MemoryByteSource(bytes))
    #expect(reader.badSlots == 1)
    var errors: [ByteFormatError.Code] = []
    var ok = 0
    for slot in reader.slots {
      do {
        _ = try RpmPackageInfo(parsing: try reader.blob(for: slot))
        ok += 1
      } catch {
        errors.append(error.code)
      }
    }
    #expect(ok == 32)
    #expect(errors.sorted { $0.rawValue < $1.rawValue } == [.malformed, .outOfBounds])
  }

  @Test func oversizedBlobLengthIsRefused() throws {
    let bytes = try Self.load()
    let reader = try NDBPackagesReader(source: MemoryByteSource(bytes))
    guard let slot = reader.slots.first else {
      Issue.record("no slots")
      return
    }
    var hostile = bytes
    let lengthAt = slot.blockOffset * 16 + 12
    hostile.replaceSubrange(lengthAt..<(lengthAt + 4), with: [0xFF, 0xFF, 0xFF, 0x7F])
    let hostileReader = try NDBPackagesReader(source: MemoryByteSource(hostile))
    #expect(
      (#expect(throws: ByteFormatError.self) { try hostileReader.blob(for: slot) })?.code
        == .outOfBounds)
  }

  @Test func randomDamageNeverCrashes() throws {
    let original = try Self.load()
    var state: UInt64 = 0xDEAD_BEEF_CAFE_F00D
    func next() -> UInt64 {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return state
    }
    var failures = 0
    for _ in 0..<100 {
      var bytes = original
      for _ in 0..<(1 + Int(next() % 32)) {
        // The header and slot table (first 4096 bytes) and the blob heads are where it hurts.
        let at = next() % 2 == 0 ? Int(next() % 4096) : Int(next() % UInt64(bytes.count))
        bytes[at] = UInt8(truncatingIfNeeded: next())
      }
      guard let reader = try? NDBPackagesReader(source: MemoryByteSource(bytes)) else {
        failures += 1
        continue
      }
      for slot in reader.slots {
        do {
          let blob = try reader.blob(for: slot)
          #expect(blob.count <= bytes.count)
          _ = try? RpmPackageInfo(parsing: blob)
        } catch {
          failures += 1
        }
      }
    }
    #expect(failures > 0)
  }
}
