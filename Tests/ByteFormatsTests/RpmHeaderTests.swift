import ByteFormats
import Foundation
import TailguardTesting
import Testing

/// Builds header blobs (il, dl, index, data) for tests, the way rpm lays them out.
struct RpmHeaderBlobBuilder {
  private var index: [(tag: Int32, type: UInt32, offset: Int32, count: UInt32)] = []
  private var data: [UInt8] = []

  mutating func string(_ tag: Int32, _ value: String) {
    index.append((tag, 6, Int32(data.count), 1))
    data += Array(value.utf8) + [0]
  }
  mutating func strings(_ tag: Int32, _ values: [String]) {
    index.append((tag, 8, Int32(data.count), UInt32(values.count)))
    for v in values { data += Array(v.utf8) + [0] }
  }
  mutating func int32s(_ tag: Int32, _ values: [Int32]) {
    while data.count % 4 != 0 { data.append(0) }
    index.append((tag, 4, Int32(data.count), UInt32(values.count)))
    for v in values { data += Self.be(UInt32(bitPattern: v)) }
  }
  /// An entry with arbitrary fields (for hostile cases).
  mutating func raw(tag: Int32, type: UInt32, offset: Int32, count: UInt32) {
    index.append((tag, type, offset, count))
  }

  var blob: [UInt8] {
    var out = Self.be(UInt32(index.count)) + Self.be(UInt32(data.count))
    for e in index {
      out +=
        Self.be(UInt32(bitPattern: e.tag)) + Self.be(e.type) + Self.be(UInt32(bitPattern: e.offset))
        + Self.be(e.count)
    }
    return out + data
  }

  static func be(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
  }

  static func package(
    name: String = "demo", epoch: Int32? = nil, version: String = "1.0", release: String = "1.el9"
  ) -> RpmHeaderBlobBuilder {
    var b = RpmHeaderBlobBuilder()
    b.string(RpmTag.name, name)
    b.string(RpmTag.version, version)
    b.string(RpmTag.release, release)
    if let epoch { b.int32s(RpmTag.epoch, [epoch]) }
    b.string(RpmTag.arch, "x86_64")
    b.string(RpmTag.sourceRpm, "\(name)-src-\(version)-\(release).src.rpm")
    b.string(RpmTag.license, "MIT")
    b.strings(RpmTag.baseNames, ["demo", "README", "bin"])
    b.strings(RpmTag.dirNames, ["/usr/bin/", "/usr/share/doc/demo/", "/usr/"])
    b.int32s(RpmTag.dirIndexes, [0, 1, 2])
    return b
  }
}

@Suite struct RpmHeaderTests {
  @Test func readsARealHeaderBlob() throws {
    // go-rpmdb's blob.bin (its fuzzing seed): one Fedora 35 header. Fields checked by hand with
    // a 15-line python reader (struct.unpack('>iIiI') over the index, NUL-terminated strings).
    // Its DIRINDEXES are (0, 1, 2, 4) with only 4 DIRNAMES: the last file entry is damaged.
    let bytes = try [UInt8](
      Data(contentsOf: URL(fileURLWithPath: SharedData.path("pkgdb/rpmdb/go-rpmdb/blob.bin"))))
    let header = try RpmHeader(parsing: bytes)
    #expect(header.entries.count == 69)
    #expect(header.data.count == 4144)
    let info = try RpmPackageInfo(header: header)
    #expect(info.name == "publicsuffix-list-dafsa")
    #expect(info.version == "20210518")
    #expect(info.release == "2.fc35")
    #expect(info.epoch == nil)
    #expect(info.evr == "20210518-2.fc35")
    #expect(info.architecture == "noarch")
    #expect(info.vendor == "Fedora Project")
    #expect(info.license == "MPLv2.0")
    #expect(info.sourceRpm == "publicsuffix-list-20210518-2.fc35.src.rpm")
    #expect(info.sourcePackage?.name == "publicsuffix-list")
    #expect(info.sourcePackage?.version == "20210518")
    #expect(info.sourcePackage?.release == "2.fc35")
    #expect(
      info.files == [
        "usr/share/licenses/publicsuffix-list-dafsa",
        "usr/share/licenses/publicsuffix-list-dafsa/COPYING",
        "usr/share/publicsuffix",
      ])
    #expect(info.fileTableProblem?.code == .outOfBounds)
  }

  @Test func readsBuiltHeaderWithEpochAndFiles() throws {
    let info = try RpmPackageInfo(parsing: RpmHeaderBlobBuilder.package(epoch: 2).blob)
    #expect(info.evr == "2:1.0-1.el9")
    #expect(info.files == ["usr/bin/demo", "usr/share/doc/demo/README", "usr/bin"])
    #expect(info.sourcePackage?.name == "demo-src")
    #expect(info.fileTableProblem == nil)
  }

  @Test func sourceRpmNamesWithDashes() {
    var info = RpmPackageInfo(name: "x", version: "1", release: "1")
    info.sourceRpm = "python3-pip-wheel-21.2.3-6.el9.src.rpm"
    #expect(info.sourcePackage?.name == "python3-pip-wheel")
    #expect(info.sourcePackage?.version == "21.2.3")
    #expect(info.sourcePackage?.release == "6.el9")
    info.sourceRpm = "garbage"
    #expect(info.sourcePackage == nil)
    info.sourceRpm = "-1-2.src.rpm"
    #expect(info.sourcePackage == nil)
  }

  @Test func rejectsTruncatedAndAbsurdHeaders() throws {
    let good = RpmHeaderBlobBuilder.package().blob
    // Every truncation fails with a typed error, never a crash.
    for cut in [0, 3, 7, 8, 20, good.count / 2, good.count - 1] {
      #expect(throws: ByteFormatError.self) { try RpmHeader(parsing: Array(good.prefix(cut))) }
    }
    // il = 0xFFFFFFFF, dl = 0xFFFFFFFF.
    let absurd: [UInt8] =
      [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 64)
    let e = #expect(throws: ByteFormatError.self) { try RpmHeader(parsing: absurd) }
    #expect(e?.code == .limitExceeded)
    // Index says 1000 entries but the blob holds 1.
    var lying = good
    lying.replaceSubrange(0..<4, with: RpmHeaderBlobBuilder.be(1000))
    #expect(
      (#expect(throws: ByteFormatError.self) { try RpmHeader(parsing: lying) })?.code == .truncated)
  }

  @Test func rejectsEntriesOutsideTheDataStore() throws {
    var b = RpmHeaderBlobBuilder()
    b.string(RpmTag.name, "x")
    // 4 MB of int32s in a 2-byte store.
    b.raw(tag: RpmTag.epoch, type: 4, offset: 0, count: 1_000_000)
    #expect(
      (#expect(throws: ByteFormatError.self) { try RpmHeader(parsing: b.blob) })?.code
        == .outOfBounds)
    var h = RpmHeaderBlobBuilder()
    h.string(RpmTag.name, "x")
    h.raw(tag: RpmTag.baseNames, type: 8, offset: 0, count: 0xFFFF_FFFF)
    #expect(
      (#expect(throws: ByteFormatError.self) { try RpmHeader(parsing: h.blob) })?.code
        == .limitExceeded)
    var c = RpmHeaderBlobBuilder()
    c.string(RpmTag.name, "x")
    c.raw(tag: RpmTag.epoch, type: 4, offset: 0, count: 1000)
    #expect(
      (#expect(throws: ByteFormatError.self) { try RpmHeader(parsing: c.blob) })?.code
        == .outOfBounds)
    var d = RpmHeaderBlobBuilder()
    d.string(RpmTag.name, "x")
    d.raw(tag: RpmTag.version, type: 6, offset: -5, count: 1)
    #expect(
      (#expect(throws: ByteFormatError.self) { try RpmHeader(parsing: d.blob) })?.code
        == .outOfBounds)
    var f = RpmHeaderBlobBuilder()
    f.string(RpmTag.name, "x")
    f.raw(tag: RpmTag.version, type: 77, offset: 0, count: 1)
    #expect(
      (#expect(throws: ByteFormatError.self) { try RpmHeader(parsing: f.blob) })?.code == .malformed
    )
  }

  @Test func unterminatedStringsAndMismatchedFileTablesAreErrors() throws {
    // A string whose NUL is missing (the data store ends first) reads as absent.
    var u = RpmHeaderBlobBuilder()
    u.string(RpmTag.name, "demo")
    u.string(RpmTag.version, "abc")
    var blob = u.blob
    blob.removeLast()
    blob.replaceSubrange(4..<8, with: RpmHeaderBlobBuilder.be(UInt32(9 - 1)))
    let header = try RpmHeader(parsing: blob)
    #expect(header.string(RpmTag.name) == "demo")
    #expect(header.string(RpmTag.version) == nil)
    #expect(header.stringArray(RpmTag.version) == nil)
    // DIRINDEXES pointing past DIRNAMES.
    var b = RpmHeaderBlobBuilder()
    b.string(RpmTag.name, "x")
    b.string(RpmTag.version, "1")
    b.string(RpmTag.release, "1")
    b.strings(RpmTag.baseNames, ["a"])
    b.strings(RpmTag.dirNames, ["/"])
    b.int32s(RpmTag.dirIndexes, [7])
    let damaged = try RpmPackageInfo(parsing: b.blob)
    #expect(damaged.files.isEmpty)
    #expect(damaged.fileTableProblem?.code == .outOfBounds)
    var m = RpmHeaderBlobBuilder()
    m.string(RpmTag.version, "1")
    #expect(
      (#expect(throws: ByteFormatError.self) { try RpmPackageInfo(parsing: m.blob) })?.code
        == .malformed)
  }

  @Test func randomMutationsNeverCrash() throws {
    // Deterministic xorshift fuzzing of a real blob: flip bytes in the index and data store.
    let original = try [UInt8](
      Data(contentsOf: URL(fileURLWithPath: SharedData.path("pkgdb/rpmdb/go-rpmdb/blob.bin"))))
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return state
    }
    var parsed = 0
    var rejected = 0
    for _ in 0..<3000 {
      var bytes = original
      for _ in 0..<(1 + Int(next() % 8)) {
        let at = Int(next() % UInt64(min(bytes.count, 8 + 69 * 16 + 64)))
        bytes[at] = UInt8(truncatingIfNeeded: next())
      }
      if next() % 5 == 0 { bytes = Array(bytes.prefix(Int(next() % UInt64(bytes.count)))) }
      do {
        let info = try RpmPackageInfo(parsing: bytes)
        _ = info.files.count
        parsed += 1
      } catch {
        rejected += 1
      }
    }
    #expect(parsed + rejected == 3000)
    #expect(rejected > 0)
  }
}
