import Foundation
import TailguardTesting
import Testing

@testable import ByteFormats

/// Streaming zip entries with checksum verification (the OSV `all.zip` importer's needs).
@Suite(
  .enabled(if: Oracles.gate(FixtureProcess.which("python3") != nil), "python3 is not installed"))
struct ZipStreamTests {
  /// A zip of one stored and one deflated entry, written by Python's zipfile.
  func makeZip() throws -> [UInt8] {
    let dir = try TemporaryDirectory()
    let out = dir.file("out.zip")
    try FixtureProcess.run(
      "python3",
      [
        "-c",
        """
        import sys, zipfile
        z = zipfile.ZipFile(sys.argv[1], 'w')
        z.writestr(zipfile.ZipInfo('stored.json'), b'{"id":"STORED-1"}')
        z.writestr('deflated.json', b'{"id":"DEFLATED-1","pad":"' + b'x' * 200000 + b'"}', zipfile.ZIP_DEFLATED)
        z.close()
        """,
        out,
      ])
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
  }

  @Test func streamsInPiecesAndVerifiesChecksums() throws {
    let zip = try ZipArchive(source: MemoryByteSource(try makeZip()))
    for entry in zip.entries {
      var pieces = 0
      var bytes: [UInt8] = []
      try zip.stream(entry, limits: .member(limit: 1 << 20), verifyingChecksum: true) {
        pieces += 1
        bytes.append(contentsOf: $0)
      }
      #expect(bytes.count == entry.uncompressedSize && pieces >= 1)
      #expect(
        try zip.contents(of: entry, limits: .member(limit: 1 << 20), verifyingChecksum: true)
          == bytes)
    }
  }

  @Test func aCorruptStoredEntryFailsOnlyWhenVerified() throws {
    var bytes = try makeZip()
    let needle = Array("STORED-1".utf8)
    let at = try #require(
      (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
    bytes[at] = UInt8(ascii: "X")
    let zip = try ZipArchive(source: MemoryByteSource(bytes))
    let entry = try #require(zip.entry(named: "stored.json"))
    #expect(try zip.contents(of: entry, limits: .member(limit: 1 << 20)).count == 17)
    #expect(throws: ByteFormatError.self) {
      try zip.contents(of: entry, limits: .member(limit: 1 << 20), verifyingChecksum: true)
    }
  }

  @Test func aBombIsRefusedWhileStreaming() throws {
    let zip = try ZipArchive(source: MemoryByteSource(try makeZip()))
    let entry = try #require(zip.entry(named: "deflated.json"))
    do {
      try zip.stream(entry, limits: .member(limit: 64 << 10)) { _ in }
      Issue.record("an entry over the limit was streamed")
    } catch {
      #expect(error.code == .limitExceeded)
    }
  }
}
