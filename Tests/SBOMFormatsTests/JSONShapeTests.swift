import Foundation
import Testing

@testable import SBOMFormats

/// The value count that bounds parsing memory, checked against documents counted by hand.
@Suite struct JSONShapeTests {
  @Test func countsEveryValueAndTheDeepestNesting() {
    // {"a": [1, "x\\"]", true, null, {"b": -2.5e3}], "c": "{["}
    // values: {}, "a", [], 1, "x\"]", true, null, {}, "b", -2.5e3, "c", "{[" = 12; depth 3
    let doc = #"{"a": [1, "x\"]", true, null, {"b": -2.5e3}], "c": "{["}"#
    let shape = JSONShape.scan(Data(doc.utf8), maxValues: 100, maxDepth: 100)
    #expect(shape == JSONShape(values: 12, depth: 3))
  }

  @Test func hostileDocumentsAreRefusedBeforeParsing() {
    let wide = "[" + Array(repeating: "{}", count: 5000).joined(separator: ",") + "]"
    let reader = SBOMReader(maxJSONValues: 1000)
    #expect {
      _ = try reader.read(data: Data(wide.utf8), name: "wide.json")
    } throws: { ($0 as? SBOMFormatError)?.code == .tooLarge && "\($0)".contains("JSON values") }
    let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
    #expect {
      _ = try SBOMReader().read(data: Data(deep.utf8), name: "deep.json")
    } throws: { ($0 as? SBOMFormatError)?.code == .tooLarge && "\($0)".contains("nested") }
  }
}
