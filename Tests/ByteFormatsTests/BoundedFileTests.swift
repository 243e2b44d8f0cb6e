import Foundation
import TailguardTesting
import Testing

@testable import ByteFormats

@Suite struct BoundedFileTests {
  @Test func readsARegularFileWithinTheLimit() throws {
    let path = SharedData.path("kev/known_exploited_vulnerabilities.json")
    let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(try BoundedFile.read(path: path, limit: expected.count) == expected)
    #expect(try BoundedFile.read(path: path, limit: 1 << 30) == expected)
  }

  @Test func refusesAFileOverTheLimitNamingPathAndLimit() throws {
    let path = SharedData.path("kev/known_exploited_vulnerabilities.json")
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    #expect(size > 1)
    do {
      _ = try BoundedFile.read(path: path, limit: size - 1)
      Issue.record("a file one byte over the limit was read")
    } catch {
      #expect(error.code == .limitExceeded)
      #expect(error.message.contains(path) && error.message.contains("\(size - 1) bytes"))
    }
  }

  @Test func refusesDevicesDirectoriesAndFIFOs() throws {
    let dir = try TemporaryDirectory()
    let fifo = dir.file("fifo")
    #expect(mkfifo(fifo, 0o600) == 0)
    for path in ["/dev/zero", dir.path, fifo] {
      #expect(throws: ByteFormatError.self) { try BoundedFile.read(path: path, limit: 1 << 20) }
    }
    #expect((try? BoundedFile.read(path: dir.file("missing"), limit: 10)) == nil)
  }

  @Test func emptyFileAndZeroLimit() throws {
    let dir = try TemporaryDirectory()
    let empty = dir.file("empty")
    #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
    #expect(try BoundedFile.read(path: empty, limit: 0) == [])
  }
}

@Suite struct ZlibTests {
  @Test func compressRoundTripsThroughInflater() throws {
    let text = Array(
      try Data(
        contentsOf: URL(
          fileURLWithPath: SharedData.path("kev/known_exploited_vulnerabilities.json"))))
    let packed = try #require(Zlib.compress(text))
    #expect(packed.count < text.count / 3)
    #expect(try Inflater.inflate(packed, mode: .zlib, limit: Int64(text.count)) == text)
  }

  @Test func crc32MatchesTheCheckValueAndContinues() {
    // The CRC-32 check value (ISO 3309 / ITU-T V.42): "123456789" → 0xCBF43926.
    #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    let whole = Zlib.crc32(Array("123456789".utf8))
    let first = Zlib.crc32(Array("1234".utf8))
    let continued = Array("56789".utf8).withUnsafeBytes { Zlib.crc32($0, continuing: first) }
    #expect(continued == whole)
  }
}

@Suite struct JSONValueTests {
  @Test func decodesAndWritesSortedLikeJSONSerialization() throws {
    let text = #"{"b":[1,2.5,true,null],"a":{"Z":"x/y","_k":"\u0001"},"a10":1,"a2":2}"#
    let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    #expect(
      value.text() == #"{"a":{"_k":"\u0001","Z":"x/y"},"a2":2,"a10":1,"b":[1,2.5,true,null]}"#)
    #expect(value.text(escapingSlashes: true).contains(#""x\/y""#))
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    let foundation = try JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    #expect(value.text() == String(decoding: foundation, as: UTF8.self))
  }

  @Test func refusesDeepNesting() {
    let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
    #expect(throws: (any Error).self) {
      try JSONDecoder().decode(JSONValue.self, from: Data(deep.utf8))
    }
  }

  struct Probe: Decodable {
    var name: JSONField<String>?
    @Lenient var tags: [String]?
  }

  @Test func fieldsTellAbsentNullAndWrongTypeApart() throws {
    func probe(_ s: String) throws -> Probe {
      try JSONDecoder().decode(Probe.self, from: Data(s.utf8))
    }
    #expect(try probe("{}").name == nil)
    #expect(
      try probe(#"{"name":null}"#).name.map { if case .null = $0 { true } else { false } } == true)
    #expect(
      try probe(#"{"name":7}"#).name.map { if case .mismatch = $0 { true } else { false } } == true)
    #expect(try probe(#"{"name":"x"}"#).name?.value == "x")
    #expect(try probe(#"{"tags":"x"}"#).tags == nil)
    #expect(try probe(#"{"tags":["a"]}"#).tags == ["a"])
  }
}
