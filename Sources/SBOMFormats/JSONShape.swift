import Foundation

/// A byte-level pass over a JSON document that counts its values (objects, arrays, strings,
/// numbers, literals) and its deepest nesting without building anything. Foundation's JSON
/// parsing (`JSONDecoder` first builds a tree of every value) costs much more per value than per
/// byte, so a document's value count — not its size in bytes — bounds the memory of parsing it: checking it first turns a
/// hostile SBOM (millions of tiny components) into a clear error instead of gigabytes of RSS.
struct JSONShape: Equatable {
  var values: Int
  var depth: Int

  /// Counts values and depth, stopping early (with what it has seen) once either bound is
  /// exceeded. Malformed JSON is the parser's business: this pass only counts.
  static func scan(_ data: Data, maxValues: Int, maxDepth: Int) -> JSONShape {
    var shape = JSONShape(values: 0, depth: 0)
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      var inString = false
      var escaped = false
      var inScalar = false
      var depth = 0
      for byte in raw {
        if inString {
          if escaped {
            escaped = false
          } else if byte == UInt8(ascii: "\\") {
            escaped = true
          } else if byte == UInt8(ascii: "\"") {
            inString = false
          }
          continue
        }
        switch byte {
        case UInt8(ascii: "\""):
          inString = true
          inScalar = false
          shape.values += 1
        case UInt8(ascii: "{"), UInt8(ascii: "["):
          inScalar = false
          shape.values += 1
          depth += 1
          shape.depth = max(shape.depth, depth)
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          inScalar = false
          depth -= 1
        case UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "\n"),
          UInt8(ascii: "\r"), UInt8(ascii: "\t"):
          inScalar = false
        default:
          // The first byte of a number or literal starts a value.
          if !inScalar {
            inScalar = true
            shape.values += 1
          }
        }
        if shape.values > maxValues || shape.depth > maxDepth { return }
      }
    }
    return shape
  }
}
