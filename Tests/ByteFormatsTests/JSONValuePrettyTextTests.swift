import ByteFormats
import Foundation
import Testing

/// `JSONValue.prettyText` is what the SBOM writers emit, so it must be the bytes
/// `JSONSerialization` writes with `.prettyPrinted` and `.sortedKeys`: compared here on a
/// document with every kind of value, every control character, mixed-case and numbered keys.
@Suite struct JSONValuePrettyTextTests {
  static func foundation(_ object: Any, escapingSlashes: Bool) throws -> String {
    var options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys]
    if !escapingSlashes { options.insert(.withoutEscapingSlashes) }
    return String(
      decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
  }

  @Test(arguments: [false, true])
  func matchesJSONSerializationByteForByte(escapingSlashes: Bool) throws {
    var strings = ["a/b", "é", "😀", "\u{2028}", "\u{7f}", "\"", "\\", "plain"]
    for c in 0..<0x20 { strings.append("x\(Character(Unicode.Scalar(UInt8(c))))y") }
    // Not 1e16 and up: JSONDecoder reads an integral `1e+16` back as an integer (see
    // `JSONValue.init(encoding:)`), which no SBOM field (CVSS scores, counts) comes near.
    let numbers: [Double] = [7.5, 10, 0.1 + 0.2, 5.25, 1e21, 1e-7, 9.8, 0, -3, 123456789.125]
    let object: [String: Any] = [
      "SPDXID": "x", "spdxVersion": "SPDX-2.3", "relationships": [] as [Any],
      "$schema": "s", "bom-ref": "r", "bomFormat": "b", "strings": strings, "numbers": numbers,
      "integers": [1, -2, 1 << 40], "empty": [String: Any](), "flags": [true, false],
      "nothing": NSNull(), "layer10": 1, "layer9": 2,
      "nested": [["k": [["deep": [] as [Any]]], "Z": 1, "a": 2]],
    ]
    let value = try JSONDecoder().decode(
      JSONValue.self, from: JSONSerialization.data(withJSONObject: object))
    #expect(
      value.prettyText(escapingSlashes: escapingSlashes)
        == (try Self.foundation(object, escapingSlashes: escapingSlashes)))
  }

  struct Rating: Encodable {
    var score: Double?
    var method: String
    var version = 1
  }

  /// Models go through `JSONEncoder` first: an optional left nil is absent, and a Double that
  /// `JSONEncoder` writes as an integer (`10`) still prints as `JSONSerialization` prints it.
  @Test func encodableModelsRoundTrip() throws {
    let ratings = [
      Rating(score: 7.5, method: "CVSSv31"), Rating(score: 10, method: "CVSSv4"),
      Rating(score: nil, method: "other"),
    ]
    let object: [[String: Any]] = ratings.map { r in
      var d: [String: Any] = ["method": r.method, "version": r.version]
      if let s = r.score { d["score"] = s }
      return d
    }
    #expect(
      try JSONValue(encoding: ratings).prettyText()
        == (try Self.foundation(object, escapingSlashes: false)))
  }
}
