import Foundation

/// Writes an `Encodable` value as the JSON `JSONEncoder` writes with `.prettyPrinted`,
/// `.sortedKeys` and `.withoutEscapingSlashes` on Linux, byte for byte, at a fraction of the
/// cost: a report is mostly arrays of strings (the files of every OS package), and Foundation's
/// encoder spends most of its time on bookkeeping around each of them.
///
/// The format it reproduces: two-space indentation, `"key" : value`, keys in UTF-8 byte order,
/// empty containers as `[\n\n<indent>]`, numbers as their Swift description without a trailing
/// `.0`, strings with `"`, `\`, `\b`, `\f`, `\n`, `\r`, `\t` and `\u00XX` escapes and nothing
/// else escaped. Values it does not model the way Foundation does (dates, data, URLs,
/// decimals, non-finite numbers) make `encode` return nil, and the caller uses `JSONEncoder`.
/// Tests compare the two on real reports.
enum ReportJSONEncoder {
  static func encode<T: Encodable>(_ value: T) -> [UInt8]? {
    guard let node = try? Node.of(value) else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(1 << 16)
    write(node, depth: 0, into: &out)
    return out
  }

  struct Unsupported: Error {}

  enum Node {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array(ArrayBox)
    case object(ObjectBox)

    static func of<T: Encodable>(_ value: T) throws -> Node {
      if T.self == String.self { return .string(value as! String) }
      if T.self == Int.self { return .number(String(value as! Int)) }
      if T.self == Bool.self { return .bool(value as! Bool) }
      if T.self == Double.self { return try number(value as! Double) }
      if T.self == Float.self { return try number(value as! Float) }
      if T.self == Date.self || T.self == Data.self || T.self == URL.self
        || T.self == Decimal.self
      {
        throw Unsupported()
      }
      // Metatype comparisons, not `as? any BinaryInteger`: a cast to an existential costs a
      // protocol-conformance scan per type, the most expensive step of the whole encoding.
      if T.self == Int64.self { return .number(String(value as! Int64)) }
      if T.self == Int32.self { return .number(String(value as! Int32)) }
      if T.self == Int16.self { return .number(String(value as! Int16)) }
      if T.self == Int8.self { return .number(String(value as! Int8)) }
      if T.self == UInt.self { return .number(String(value as! UInt)) }
      if T.self == UInt64.self { return .number(String(value as! UInt64)) }
      if T.self == UInt32.self { return .number(String(value as! UInt32)) }
      if T.self == UInt16.self { return .number(String(value as! UInt16)) }
      if T.self == UInt8.self { return .number(String(value as! UInt8)) }
      let encoder = TreeEncoder()
      try value.encode(to: encoder)
      return encoder.node ?? .object(ObjectBox())
    }

    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) throws -> Node {
      guard v.isFinite else { throw Unsupported() }
      var s = v.description
      if s.hasSuffix(".0") { s.removeLast(2) }
      return .number(s)
    }
  }

  final class ArrayBox { var items: [Node] = [] }
  final class ObjectBox { var fields: [(key: String, value: Node)] = [] }

  final class TreeEncoder: Encoder {
    var codingPath: [any CodingKey] = []
    /// `Any` because the `Encoder` protocol declares it so; always empty here.
    var userInfo: [CodingUserInfoKey: Any] = [:]
    var node: Node?

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
      let box: ObjectBox
      if case .object(let existing)? = node {
        box = existing
      } else {
        box = ObjectBox()
        node = .object(box)
      }
      return KeyedEncodingContainer(Keyed<Key>(box: box))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
      let box: ArrayBox
      if case .array(let existing)? = node {
        box = existing
      } else {
        box = ArrayBox()
        node = .array(box)
      }
      return Unkeyed(box: box)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }
  }

  struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ObjectBox
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { box.fields.append((key.stringValue, .null)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
      box.fields.append((key.stringValue, try Node.of(value)))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(
      keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
      let child = ObjectBox()
      box.fields.append((key.stringValue, .object(child)))
      return KeyedEncodingContainer(Keyed<NestedKey>(box: child))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
      let child = ArrayBox()
      box.fields.append((key.stringValue, .array(child)))
      return Unkeyed(box: child)
    }
    mutating func superEncoder() -> any Encoder { slot("super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { slot(key.stringValue) }
    private func slot(_ key: String) -> any Encoder {
      let box = box
      let index = box.fields.count
      box.fields.append((key, .null))
      return SlotEncoder { box.fields[index].value = $0 }
    }
  }

  /// A sub-encoder (`superEncoder`) whose value lands in its slot of the parent container:
  /// an empty object until something is encoded.
  final class SlotEncoder: Encoder {
    let inner = TreeEncoder()
    let store: (Node) -> Void
    var codingPath: [any CodingKey] { [] }
    /// `Any` because the `Encoder` protocol declares it so; always empty here.
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    init(store: @escaping (Node) -> Void) {
      self.store = store
      store(.object(ObjectBox()))
    }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
      defer { store(inner.node!) }
      return inner.container(keyedBy: type)
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
      defer { store(inner.node!) }
      return inner.unkeyedContainer()
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { SlotSingle(store: store) }
  }

  struct SlotSingle: SingleValueEncodingContainer {
    let store: (Node) -> Void
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil() throws { store(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { store(try Node.of(value)) }
  }

  struct Unkeyed: UnkeyedEncodingContainer {
    let box: ArrayBox
    var codingPath: [any CodingKey] { [] }
    var count: Int { box.items.count }

    mutating func encodeNil() throws { box.items.append(.null) }
    mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { box.items.append(try Node.of(value)) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
      -> KeyedEncodingContainer<NestedKey>
    {
      let child = ObjectBox()
      box.items.append(.object(child))
      return KeyedEncodingContainer(Keyed<NestedKey>(box: child))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
      let child = ArrayBox()
      box.items.append(.array(child))
      return Unkeyed(box: child)
    }
    mutating func superEncoder() -> any Encoder {
      let box = box
      let index = box.items.count
      box.items.append(.null)
      return SlotEncoder { box.items[index] = $0 }
    }
  }

  struct Single: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil() throws { encoder.node = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.node = try Node.of(value) }
  }

  // MARK: writing

  static func indent(_ depth: Int, into out: inout [UInt8]) {
    for _ in 0..<(depth * 2) { out.append(0x20) }
  }

  static func write(_ node: Node, depth: Int, into out: inout [UInt8]) {
    switch node {
    case .string(let s): writeString(s, into: &out)
    case .number(let n): out.append(contentsOf: n.utf8)
    case .bool(let b): out.append(contentsOf: b ? "true".utf8 : "false".utf8)
    case .null: out.append(contentsOf: "null".utf8)
    case .array(let box):
      out.append(UInt8(ascii: "["))
      out.append(0x0A)
      if box.items.isEmpty { out.append(0x0A) }
      for (k, item) in box.items.enumerated() {
        if k > 0 { out.append(contentsOf: [UInt8(ascii: ","), 0x0A]) }
        indent(depth + 1, into: &out)
        write(item, depth: depth + 1, into: &out)
      }
      if !box.items.isEmpty { out.append(0x0A) }
      indent(depth, into: &out)
      out.append(UInt8(ascii: "]"))
    case .object(let box):
      out.append(UInt8(ascii: "{"))
      out.append(0x0A)
      // Sorted by key bytes; a key encoded twice keeps its last value (as Foundation does).
      var fields = box.fields.enumerated().sorted { a, b in
        a.element.key.utf8.lexicographicallyPrecedes(b.element.key.utf8)
          || (a.element.key == b.element.key && a.offset < b.offset)
      }.map(\.element)
      var deduplicated: [(key: String, value: Node)] = []
      deduplicated.reserveCapacity(fields.count)
      for f in fields {
        if let last = deduplicated.last, last.key == f.key {
          deduplicated[deduplicated.count - 1] = f
        } else {
          deduplicated.append(f)
        }
      }
      fields = deduplicated
      if fields.isEmpty { out.append(0x0A) }
      for (k, field) in fields.enumerated() {
        if k > 0 { out.append(contentsOf: [UInt8(ascii: ","), 0x0A]) }
        indent(depth + 1, into: &out)
        writeString(field.key, into: &out)
        out.append(contentsOf: " : ".utf8)
        write(field.value, depth: depth + 1, into: &out)
      }
      if !fields.isEmpty { out.append(0x0A) }
      indent(depth, into: &out)
      out.append(UInt8(ascii: "}"))
    }
  }

  static let hex: [UInt8] = Array("0123456789abcdef".utf8)

  static func writeString(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var s = s
    s.withUTF8 { bytes in
      // Runs that need no escape are copied whole.
      var run = 0
      for (i, b) in bytes.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
        run = i + 1
        switch b {
        case 0x22: out.append(contentsOf: [0x5C, 0x22])
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
        case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        default:
          out.append(contentsOf: [
            0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)],
          ])
        }
      }
      out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
    }
    out.append(UInt8(ascii: "\""))
  }
}
