import ByteFormats
import Foundation
import TailguardTesting
import Testing

@Suite struct BerkeleyDBHashReaderTests {
  static func load(_ relative: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: SharedData.path(relative))))
  }

  /// Every value of the database whose key is a non-zero instance number, parsed as a header.
  static func packages(_ bytes: [UInt8]) throws -> (
    infos: [RpmPackageInfo], problems: [ByteFormatError]
  ) {
    let reader = try BerkeleyDBHashReader(source: MemoryByteSource(bytes))
    var infos: [RpmPackageInfo] = []
    var problems = reader.forEachEntry { key, value in
      guard reader.integerKey(key) != 0 else { return }
      if let info = try? RpmPackageInfo(parsing: value) { infos.append(info) }
    }
    problems += []
    return (infos, problems)
  }

  @Test func readsTheLibuuidDatabase() throws {
    // el8 libuuid Packages: page size 4096, 23 pages, one header in an overflow chain of
    // 20 pages (19 × 4070 + 3550 = 80,880 bytes); key 0 holds rpm's instance counter.
    // `rpm --dbpath … -qa` prints exactly one package (pkgdb/expected/rpmdb-libuuid.rpm-qa.tsv).
    let bytes = try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")
    let reader = try BerkeleyDBHashReader(source: MemoryByteSource(bytes))
    #expect(reader.pageSize == 4096)
    #expect(reader.lastPage == 22)
    #expect(!reader.bigEndian)
    var values: [(UInt32?, Int)] = []
    let problems = reader.forEachEntry { key, value in
      values.append((reader.integerKey(key), value.count))
    }
    #expect(problems.isEmpty)
    #expect(values.count == 2)
    #expect(values.contains { $0.0 == 1 && $0.1 == 80_880 })
    let (infos, _) = try Self.packages(bytes)
    #expect(infos.map(\.name) == ["libuuid"])
    #expect(infos.first?.evr == "2.32.1-42.el8_8")
  }

  @Test func readsSyftsDiveDatabase() throws {
    let (infos, problems) = try Self.packages(
      Self.load("pkgdb/syft/syft/pkg/cataloger/redhat/testdata/Packages"))
    #expect(problems.isEmpty)
    #expect(
      infos.map { "\($0.name) \($0.evr) \($0.architecture ?? "")" } == ["dive 0.9.2-1 x86_64"])
  }

  @Test func rejectsFilesThatAreNotHashDatabases() throws {
    #expect(
      (#expect(throws: ByteFormatError.self) {
        try BerkeleyDBHashReader(source: MemoryByteSource([1, 2, 3]))
      })?.code == .truncated)
    #expect(
      (#expect(throws: ByteFormatError.self) {
        try BerkeleyDBHashReader(source: MemoryByteSource([UInt8](repeating: 0, count: 4096)))
      })?
      .code == .malformed)
    var bytes = try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")
    bytes[20] = 0x01
    bytes[21] = 0x03  // page size 769: not a power of two
    #expect(
      (#expect(throws: ByteFormatError.self) {
        try BerkeleyDBHashReader(source: MemoryByteSource(bytes))
      })?.code == .malformed)
  }

  @Test func overflowLoopsAndBrokenChainsBecomeProblems() throws {
    let original = try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")
    // Page 10's next_pgno points back at page 5: a loop.
    var looped = original
    looped.replaceSubrange((10 * 4096 + 16)..<(10 * 4096 + 20), with: [5, 0, 0, 0])
    var problems = try Self.packages(looped).problems
    #expect(problems.map(\.code) == [.malformed])
    // Page 10's next_pgno points far outside the file.
    var outside = original
    outside.replaceSubrange((10 * 4096 + 16)..<(10 * 4096 + 20), with: [0xFF, 0xFF, 0xFF, 0x7F])
    problems = try Self.packages(outside).problems
    #expect(problems.map(\.code) == [.outOfBounds])
    // The chain ends early.
    var short = original
    short.replaceSubrange((10 * 4096 + 16)..<(10 * 4096 + 20), with: [0, 0, 0, 0])
    problems = try Self.packages(short).problems
    #expect(problems.map(\.code) == [.truncated])
    // Truncated file: the chain runs past the end.
    problems = try Self.packages(Array(original.prefix(12 * 4096))).problems
    #expect(problems.count == 1)
  }

  @Test func garbagePagesNeverCrash() throws {
    let original = try Self.load("pkgdb/rpmdb/go-rpmdb/libuuid/Packages")
    var state: UInt64 = 0x1234_5678_9ABC_DEF1
    func next() -> UInt64 {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return state
    }
    var sawProblems = 0
    for _ in 0..<400 {
      var bytes = original
      for _ in 0..<(1 + Int(next() % 16)) {
        // Hit the hash pages and page headers, where the structure lives.
        let page = Int(next() % 23)
        let at = page * 4096 + Int(next() % (next() % 2 == 0 ? 64 : 4096))
        bytes[at] = UInt8(truncatingIfNeeded: next())
      }
      guard let reader = try? BerkeleyDBHashReader(source: MemoryByteSource(bytes)) else {
        continue
      }
      var total = 0
      let problems = reader.forEachEntry { _, value in total += value.count }
      #expect(total <= bytes.count * 2)
      if !problems.isEmpty { sawProblems += 1 }
    }
    #expect(sawProblems > 0)
  }

  /// A two-page hash database with on-page (H_KEYDATA) items, in either byte order.
  static func onPageDatabase(values: [(UInt32, [UInt8])], bigEndian: Bool, pageSize: Int = 4096)
    -> [UInt8]
  {
    func put32(_ v: UInt32, _ b: inout [UInt8], _ at: Int) {
      let bytes = bigEndian ? RpmHeaderBlobBuilder.be(v) : RpmHeaderBlobBuilder.be(v).reversed()
      b.replaceSubrange(at..<(at + 4), with: bytes)
    }
    func put16(_ v: UInt16, _ b: inout [UInt8], _ at: Int) {
      let bytes: [UInt8] =
        bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)]
      b.replaceSubrange(at..<(at + 2), with: bytes)
    }
    var meta = [UInt8](repeating: 0, count: pageSize)
    put32(0x0006_1561, &meta, 12)
    put32(9, &meta, 16)
    put32(UInt32(pageSize), &meta, 20)
    meta[25] = 8
    put32(1, &meta, 32)
    var page = [UInt8](repeating: 0, count: pageSize)
    put32(1, &page, 8)
    page[25] = 13
    var top = pageSize
    var index = 0
    for (key, value) in values {
      var keyItem: [UInt8] = [1, 0, 0, 0, 0]
      put32(key, &keyItem, 1)
      for item in [keyItem, [1] + value] {
        top -= item.count
        page.replaceSubrange(top..<(top + item.count), with: item)
        put16(UInt16(top), &page, 26 + index * 2)
        index += 1
      }
    }
    put16(UInt16(index), &page, 20)
    return meta + page
  }

  @Test func onPageValuesInBothByteOrders() throws {
    let a = RpmHeaderBlobBuilder.package(name: "alpha").blob
    let b = RpmHeaderBlobBuilder.package(name: "beta", epoch: 3).blob
    for bigEndian in [false, true] {
      let bytes = Self.onPageDatabase(
        values: [(0, [9, 0, 0, 0]), (1, a), (2, b)], bigEndian: bigEndian)
      let reader = try BerkeleyDBHashReader(source: MemoryByteSource(bytes))
      #expect(reader.bigEndian == bigEndian)
      let (infos, problems) = try Self.packages(bytes)
      #expect(problems.isEmpty)
      #expect(infos.map(\.evr) == ["1.0-1.el9", "3:1.0-1.el9"])
      #expect(infos.map(\.name) == ["alpha", "beta"])
    }
    // An item offset pointing into the index area is refused, not followed.
    var bad = Self.onPageDatabase(values: [(1, a)], bigEndian: false)
    bad[4096 + 26] = 4
    bad[4096 + 27] = 0
    let (infos, problems) = try Self.packages(bad)
    #expect(infos.isEmpty)
    #expect(problems.map(\.code) == [.outOfBounds])
  }
}
