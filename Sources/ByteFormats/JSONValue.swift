import Foundation

/// One JSON value, for the few parts of documents that are genuinely free-form (OSV's
/// `database_specific` and `ecosystem_specific`, a feed wrapper whose payload is re-serialised).
/// Everything with a schema is decoded into its own `Codable` model instead.
///
/// Bounded: decoding refuses nesting deeper than `maxDepth`, and `text` writes a deterministic
/// form (keys sorted as Foundation's `JSONSerialization` sorts them with `.sortedKeys`, so text
/// stored by earlier versions of tailguard compares equal).
public enum JSONValue: Sendable, Hashable, Codable {
  case null
  case bool(Bool)
  /// A number written without fraction or exponent that fits 64 bits.
  case integer(Int64)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// Deepest nesting accepted while decoding (a hostile document cannot recurse without bound).
  public static let maxDepth = 128

  public init(from decoder: any Decoder) throws {
    guard decoder.codingPath.count <= Self.maxDepth else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath,
          debugDescription: "JSON nested deeper than \(Self.maxDepth) levels"))
    }
    let c = try decoder.singleValueContainer()
    // Most frequent kinds first: every failed attempt costs a thrown error.
    if c.decodeNil() {
      self = .null
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let o = try? c.decode([String: JSONValue].self) {
      self = .object(o)
    } else if let a = try? c.decode([JSONValue].self) {
      self = .array(a)
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let i = try? c.decode(Int64.self) {
      self = .integer(i)
    } else {
      self = .number(try c.decode(Double.self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let b): try c.encode(b)
    case .integer(let i): try c.encode(i)
    case .number(let d): try c.encode(d)
    case .string(let s): try c.encode(s)
    case .array(let a): try c.encode(a)
    case .object(let o): try c.encode(o)
    }
  }

  /// Compact JSON text with sorted keys; `/` is escaped only when `escapingSlashes`.
  public func text(escapingSlashes: Bool = false) -> String {
    var out = ""
    write(into: &out, escapingSlashes: escapingSlashes)
    return out
  }

  private func write(into out: inout String, escapingSlashes: Bool) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .integer(let i): out += String(i)
    case .number(let d):
      if d.isFinite, d == d.rounded(), abs(d) < 9.2e18 {
        out += String(Int64(d))
      } else {
        out += d.isFinite ? d.description : "null"
      }
    case .string(let s): Self.quote(s, into: &out, escapingSlashes: escapingSlashes)
    case .array(let a):
      out += "["
      for (i, v) in a.enumerated() {
        if i > 0 { out += "," }
        v.write(into: &out, escapingSlashes: escapingSlashes)
      }
      out += "]"
    case .object(let o):
      out += "{"
      for (i, key) in o.keys.sorted(by: Self.keyOrder).enumerated() {
        if i > 0 { out += "," }
        Self.quote(key, into: &out, escapingSlashes: escapingSlashes)
        out += ":"
        o[key]?.write(into: &out, escapingSlashes: escapingSlashes)
      }
      out += "}"
    }
  }

  /// `JSONSerialization`'s `.sortedKeys` order: numeric, case-insensitive, then forced.
  static func keyOrder(_ a: String, _ b: String) -> Bool {
    a.compare(
      b, options: [.numeric, .caseInsensitive, .forcedOrdering], range: a.startIndex..<a.endIndex,
      locale: NSLocale.system) == .orderedAscending
  }

  static func quote(_ s: String, into out: inout String, escapingSlashes: Bool) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "/": out += escapingSlashes ? "\\/" : "/"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}

/// A field of a JSON document decoded tolerantly: real data puts `null` or a value of the wrong
/// type where a schema says otherwise, and a reader that must keep the rest of the record (and
/// report what it ignored) needs to tell these apart from a missing field. Declare it as an
/// optional property of a synthesized `Decodable`: nil then means absent.
public enum JSONField<Value: Decodable & Sendable>: Decodable, Sendable {
  case null
  case value(Value)
  /// Present but not a `Value` (another JSON type, or a `Value` that failed to decode).
  case mismatch

  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let v = try? c.decode(Value.self) {
      self = .value(v)
    } else {
      self = .mismatch
    }
  }

  /// The value when it has the expected type; nil for null, absent or mismatched.
  public var value: Value? {
    if case .value(let v) = self { return v }
    return nil
  }
}

/// An optional field that reads as nil when absent, `null` or of another type, for fields a
/// reader can do without: `@Lenient var homepage: String?` in a synthesized `Decodable`.
@propertyWrapper
public struct Lenient<Value: Decodable & Sendable>: Decodable, Sendable {
  public var wrappedValue: Value?
  public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }
  public init(from decoder: any Decoder) throws {
    wrappedValue = try? decoder.singleValueContainer().decode(Value.self)
  }
}

extension KeyedDecodingContainer {
  /// Synthesized `Decodable` calls this for `@Lenient` properties: an absent key is nil, not an error.
  public func decode<Value>(_ type: Lenient<Value>.Type, forKey key: Key) throws -> Lenient<Value> {
    try decodeIfPresent(type, forKey: key) ?? Lenient(wrappedValue: nil)
  }

  /// Synthesized `Decodable` calls this for `JSONField?` properties: nil only when the key is
  /// absent, so `null` stays distinguishable (the standard `decodeIfPresent` folds it into nil).
  public func decodeIfPresent<Value>(_ type: JSONField<Value>.Type, forKey key: Key) throws
    -> JSONField<Value>?
  {
    field(key)
  }

  /// The field at `key` as found; nil only when the key is absent.
  public func field<Value>(_ key: Key) -> JSONField<Value>? {
    guard contains(key) else { return nil }
    return (try? decode(JSONField<Value>.self, forKey: key)) ?? .mismatch
  }
}
