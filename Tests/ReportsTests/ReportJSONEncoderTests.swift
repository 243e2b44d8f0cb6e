import Foundation
import Testing

@testable import Reports

/// `ReportJSONEncoder` against Foundation's `JSONEncoder` (pretty, sorted keys, slashes
/// unescaped) on every shape a report can take, and the hand-back for what it does not model.
@Suite struct ReportJSONEncoderTests {
  enum Kind: String, Codable { case a, b }
  struct Empty: Codable {}
  struct Inner: Codable {
    var name: String
    var note: String?
    var kind: Kind
  }
  struct Super: Encodable {
    var inner = Inner(name: "s", note: nil, kind: .b)
    enum Keys: String, CodingKey { case x, y, z }
    func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: Keys.self)
      try c.encode(1, forKey: .y)
      try inner.encode(to: c.superEncoder(forKey: .x))
      var list = c.nestedUnkeyedContainer(forKey: .z)
      try inner.encode(to: list.superEncoder())
      try "single".encode(to: list.superEncoder())
      _ = list.superEncoder()  // nothing encoded: an empty object
    }
  }
  struct Everything: Encodable {
    var strings = [
      "", "a/b", "quote \" back \\ nl \n cr \r tab \t bs \u{8} ff \u{C}",
      "ctl \u{1} \u{1F} del \u{7F} ls \u{2028} é 😀 e\u{301}",
    ]
    var ints: [Int] = [0, -1, Int.max, Int.min]
    var sized: [String: Int64] = ["max": .max]
    var small: [UInt8] = [0, 255]
    var unsigned: UInt64 = .max
    var doubles: [Double] = [0, -0.0, 1, 0.1, 1e-7, 5e-324, 1e15, 1e16, 123.456, 9.8, 4.3e-05]
    var floats: [Float] = [1.5, 3e10, 0.1]
    var flags = [true, false]
    var empty: [Int] = []
    var emptyObject: [String: Int] = [:]
    var emptyStruct = Empty()
    var nestedEmpty: [[Int]] = [[], [1]]
    var dictionary = ["b": 1, "B": 2, "a10": 3, "a9": 4, "_": 5, "é": 6, "e\u{301}x": 7]
    var intKeys: [Int: String] = [2: "two"]
    var optional: String? = nil
    var optionals: [String?] = ["x", nil]
    var inner = Inner(name: "n", note: "m", kind: .a)
    var inners: [Inner] = [Inner(name: "1", note: nil, kind: .b)]
    var superEncoded = Super()
  }

  static func foundation<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return [UInt8](try encoder.encode(value))
  }

  @Test func sameBytesAsFoundation() throws {
    let mine = try #require(ReportJSONEncoder.encode(Everything()))
    let theirs = try Self.foundation(Everything())
    #expect(
      mine == theirs,
      "\n\(String(decoding: mine, as: UTF8.self))\n---\n\(String(decoding: theirs, as: UTF8.self))"
    )
  }

  struct WithDate: Encodable { var when = Date(timeIntervalSince1970: 0) }
  struct WithNaN: Encodable { var score = Double.nan }

  @Test func handsBackWhatItDoesNotModel() throws {
    #expect(ReportJSONEncoder.encode(WithDate()) == nil)
    #expect(ReportJSONEncoder.encode(WithNaN()) == nil)
    #expect(ReportJSONEncoder.encode([URL(string: "https://x")!]) == nil)
    // JSONReport then writes Foundation's output (or its error).
    #expect(try [UInt8](JSONReport.encode(WithDate())) == Self.foundation(WithDate()) + [0x0A])
    #expect(throws: EncodingError.self) { try JSONReport.encode(WithNaN()) }
  }
}
