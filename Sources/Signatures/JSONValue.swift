import Foundation

/// A JSON value whose shape nobody declares (an in-toto predicate: SLSA provenance, an SBOM, a
/// vulnerability scan), kept as a strict value instead of `Any` so it can be re-encoded
/// canonically (sorted keys) for policy input. Nesting is bounded: a hostile statement cannot make
/// decoding recurse without end.
public indirect enum JSONValue: Sendable, Hashable, Codable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// Deeper documents are refused (real predicates nest a dozen levels).
  public static let maximumDepth = 64

  public init(from decoder: any Decoder) throws {
    guard decoder.codingPath.count <= Self.maximumDepth else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "JSON nested too deeply"))
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      self = .null
    } else if let b = try? single.decode(Bool.self) {
      self = .bool(b)
    } else if let n = try? single.decode(Double.self) {
      self = .number(n)
    } else if let s = try? single.decode(String.self) {
      self = .string(s)
    } else if let a = try? single.decode([JSONValue].self) {
      self = .array(a)
    } else {
      self = .object(try single.decode([String: JSONValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var single = encoder.singleValueContainer()
    switch self {
    case .null: try single.encodeNil()
    case .bool(let b): try single.encode(b)
    case .number(let n): try single.encode(n)
    case .string(let s): try single.encode(s)
    case .array(let a): try single.encode(a)
    case .object(let o): try single.encode(o)
    }
  }

  /// Canonical bytes: sorted keys, no escaped slashes.
  public var canonicalJSON: Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(self)) ?? Data("null".utf8)
  }
}
