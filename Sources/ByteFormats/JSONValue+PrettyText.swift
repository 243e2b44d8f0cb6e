import Foundation

extension JSONValue {
  /// The text Foundation's `JSONSerialization` writes with `.prettyPrinted` and `.sortedKeys`
  /// on Linux, byte for byte: two-space indentation, `"key" : value`, keys in its order
  /// (numeric, case-insensitive: `SPDXID` sorts among the s's), empty containers as
  /// `[\n\n<indent>]`, numbers as their Swift description without a trailing `.0`. SBOM writers
  /// encode their `Codable` models through this so their files stay byte-identical to the ones
  /// `JSONSerialization` wrote (`JSONEncoder`'s `.sortedKeys` orders keys by bytes instead).
  /// `/` is escaped only when `escapingSlashes`.
  public func prettyText(escapingSlashes: Bool = false) -> String {
    var out = ""
    writePretty(into: &out, depth: 0, escapingSlashes: escapingSlashes)
    return out
  }

  /// Encodes `value` with `JSONEncoder` and reads the result back as a `JSONValue` (the models
  /// stay plain `Encodable` structs; ordering and layout are decided by `prettyText`). One
  /// difference from handing the same values to `JSONSerialization`: an integral Double of 1e16
  /// or more (`1e+16`) reads back as an integer and prints in full.
  public init<T: Encodable>(encoding value: T) throws {
    let data = try JSONEncoder().encode(value)
    self = try JSONDecoder().decode(JSONValue.self, from: data)
  }

  private func writePretty(into out: inout String, depth: Int, escapingSlashes: Bool) {
    switch self {
    case .array(let items):
      out += "[\n"
      if items.isEmpty { out += "\n" }
      for (i, item) in items.enumerated() {
        if i > 0 { out += ",\n" }
        Self.indent(depth + 1, into: &out)
        item.writePretty(into: &out, depth: depth + 1, escapingSlashes: escapingSlashes)
      }
      if !items.isEmpty { out += "\n" }
      Self.indent(depth, into: &out)
      out += "]"
    case .object(let fields):
      out += "{\n"
      if fields.isEmpty { out += "\n" }
      for (i, key) in fields.keys.sorted(by: Self.keyOrder).enumerated() {
        if i > 0 { out += ",\n" }
        Self.indent(depth + 1, into: &out)
        Self.quote(key, into: &out, escapingSlashes: escapingSlashes)
        out += " : "
        fields[key]?.writePretty(into: &out, depth: depth + 1, escapingSlashes: escapingSlashes)
      }
      if !fields.isEmpty { out += "\n" }
      Self.indent(depth, into: &out)
      out += "}"
    case .number(let d) where d.isFinite:
      // `JSONSerialization` writes a Double as its description (`1e+16`, not an integer).
      var s = d.description
      if s.hasSuffix(".0") { s.removeLast(2) }
      out += s
    default:
      out += text(escapingSlashes: escapingSlashes)
    }
  }

  private static func indent(_ depth: Int, into out: inout String) {
    for _ in 0..<depth { out += "  " }
  }
}
