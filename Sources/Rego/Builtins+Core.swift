import ByteFormats
import Crypto
import Foundation

/// Core OPA builtins beyond the first set: operators in function form, casts,
/// `object.subset`, `array.flatten`, `strings.split_n`, `bits.*`, `hex.decode`,
/// `crypto.hmac.*`, `urlquery.decode_object`, `uri.*`.
extension Builtins {
  mutating func registerCore() {
    registerOperators()
    registerCasts()
    registerCoreCollections()
    registerBits()
    registerCoreEncoding()
  }

  /// Operators callable by name (`equal(a, b)`, `and(s, t)`, …) and the targets of
  /// `in` (`internal.member_2`, `internal.member_3`).
  mutating func registerOperators() {
    let comparisons: [(String, @Sendable (Int) -> Bool)] = [
      ("equal", { $0 == 0 }), ("neq", { $0 != 0 }), ("lt", { $0 < 0 }), ("lte", { $0 <= 0 }),
      ("gt", { $0 > 0 }), ("gte", { $0 >= 0 }),
    ]
    for (name, test) in comparisons {
      register(name, arity: 2) { a, _ in .bool(test(Value.compare(a[0], a[1]))) }
    }
    // `=` and `:=` on ground values: true when equal, undefined otherwise.
    for name in ["eq", "assign"] {
      register(name, arity: 2) { a, _ in a[0] == a[1] ? .bool(true) : nil }
    }
    register("and", arity: 2) { a, _ in
      .set(try argSet(a, 0, "and").intersection(try argSet(a, 1, "and")))
    }
    register("or", arity: 2) { a, _ in
      .set(try argSet(a, 0, "or").union(try argSet(a, 1, "or")))
    }
    // `minus` works on numbers and on sets (set difference).
    register("minus", arity: 2) { a, _ in
      switch (a[0], a[1]) {
      case (.number(let x), .number(let y)): return .number(x - y)
      case (.set(let x), .set(let y)): return .set(x.subtracting(y))
      default:
        throw typeError("minus", "operand 1 must be one of {number, set} and match operand 2")
      }
    }
    register("set_diff", arity: 2) { a, _ in
      .set(try argSet(a, 0, "set_diff").subtracting(try argSet(a, 1, "set_diff")))
    }
    register("internal.member_2", arity: 2) { a, _ in
      switch a[1] {
      case .array(let arr): return .bool(arr.contains(a[0]))
      case .set(let s): return .bool(s.contains(a[0]))
      case .object(let o): return .bool(o.values.contains(a[0]))
      default: return .bool(false)
      }
    }
    register("internal.member_3", arity: 3) { a, _ in
      let (key, value) = (a[0], a[1])
      switch a[2] {
      case .array(let arr):
        guard let i = key.numberValue?.intValue, i >= 0, i < arr.count else { return .bool(false) }
        return .bool(arr[i] == value)
      case .object(let o): return .bool(o[key] == value)
      case .set(let s): return .bool(key == value && s.contains(value))
      default: return .bool(false)
      }
    }
  }

  /// Deprecated `cast_*`: the value when it already has the type (`cast_array`
  /// also turns a set into a sorted array, `cast_set` an array into a set).
  mutating func registerCasts() {
    register("cast_array", arity: 1) { a, _ in
      switch a[0] {
      case .array: return a[0]
      case .set(let s): return .array(s.sorted())
      default: throw typeError("cast_array", "operand 1 must be one of {array, set}")
      }
    }
    register("cast_set", arity: 1) { a, _ in
      switch a[0] {
      case .set: return a[0]
      case .array(let arr): return .set(Set(arr))
      default: throw typeError("cast_set", "operand 1 must be one of {array, set}")
      }
    }
    let simple: [(String, String)] = [
      ("cast_string", "string"), ("cast_boolean", "boolean"), ("cast_null", "null"),
      ("cast_object", "object"),
    ]
    for (name, type) in simple {
      register(name, arity: 1) { a, _ in
        guard a[0].typeName == type else {
          throw typeError(name, "operand 1 must be \(type) but got \(a[0].typeName)")
        }
        return a[0]
      }
    }
  }

  mutating func registerCoreCollections() {
    register("object.subset", arity: 2) { a, _ in
      switch (a[0], a[1]) {
      case (.object(let sup), .object(let sub)): return .bool(Builtins.objectSubset(sup, sub))
      case (.set(let sup), .set(let sub)): return .bool(sub.isSubset(of: sup))
      case (.array(let sup), .array(let sub)): return .bool(Builtins.arraySubset(sup, sub))
      case (.array(let sup), .set(let sub)): return .bool(Builtins.arraySetSubset(sup, sub))
      default:
        throw builtinError(
          "object.subset", "both arguments object.subset must be of the same type or array and set")
      }
    }
    // One level: nested arrays are spliced in, other values appended as they are.
    register("array.flatten", arity: 1) { a, ctx in
      var out: [Value] = []
      for v in try argArray(a, 0, "array.flatten") {
        if case .array(let inner) = v { out += inner } else { out.append(v) }
        try checkSize(out.count, ctx, "array.flatten")
      }
      return .array(out)
    }
    // `split`, then the first n parts (n > 0), the last -n parts (n < 0), none (0).
    register("strings.split_n", arity: 3) { a, ctx in
      let s = try argString(a, 0, "strings.split_n")
      let d = try argString(a, 1, "strings.split_n")
      let n = try argInt(a, 2, "strings.split_n")
      let parts = Builtins.splitString(s, d)
      try checkSize(parts.count, ctx, "strings.split_n")
      let picked =
        n >= 0 ? Array(parts.prefix(n)) : Array(parts.suffix(n == Int.min ? Int.max : -n))
      return .array(picked.map { .string($0) })
    }
  }

  /// OPA's `objectSubset`: every key of `sub` is in `sup` with an equal value, or
  /// both values are objects (recursive), sets (subset) or arrays (contiguous).
  static func objectSubset(_ sup: [Value: Value], _ sub: [Value: Value]) -> Bool {
    for (k, sv) in sub {
      guard let pv = sup[k] else { return false }
      if pv == sv { continue }
      switch (pv, sv) {
      case (.object(let x), .object(let y)): if !objectSubset(x, y) { return false }
      case (.set(let x), .set(let y)): if !y.isSubset(of: x) { return false }
      case (.array(let x), .array(let y)): if !arraySubset(x, y) { return false }
      default: return false
      }
    }
    return true
  }

  /// `sub` appears in `sup` as a contiguous run.
  static func arraySubset(_ sup: [Value], _ sub: [Value]) -> Bool {
    if sub.count > sup.count { return false }
    if sub.isEmpty { return true }
    for start in 0...(sup.count - sub.count) where sup[start] == sub[0] {
      if Array(sup[start..<start + sub.count]) == sub { return true }
    }
    return false
  }

  /// OPA's `arraySetSubset`, quirk included: an empty array is not a superset of
  /// the empty set (its walk never reaches the "all matched" check).
  static func arraySetSubset(_ sup: [Value], _ sub: Set<Value>) -> Bool {
    var unmatched = sub.count
    for v in sup {
      if sub.contains(v) { unmatched -= 1 }
      if unmatched <= 0 { return true }
    }
    return false
  }

  /// `bits.*` on integers (shifts by a non-negative count).
  mutating func registerBits() {
    let binary: [(String, @Sendable (Int, Int) -> Int)] = [
      ("bits.and", { $0 & $1 }), ("bits.or", { $0 | $1 }), ("bits.xor", { $0 ^ $1 }),
    ]
    for (name, op) in binary {
      register(name, arity: 2) { a, _ in
        .int(op(try Builtins.argInteger(a, 0, name), try Builtins.argInteger(a, 1, name)))
      }
    }
    register("bits.negate", arity: 1) { a, _ in
      .int(~(try Builtins.argInteger(a, 0, "bits.negate")))
    }
    register("bits.lsh", arity: 2) { a, _ in
      let x = try Builtins.argInteger(a, 0, "bits.lsh")
      let n = try Builtins.argShift(a, "bits.lsh")
      if x == 0 { return .int(0) }
      // Exact while it fits in 64 bits; beyond that OPA's big integers are
      // approximated by a double, an error beyond a double (no huge allocation).
      if n < 63, x.magnitude <= UInt(Int.max) >> UInt(n) { return .int(x << n) }
      let d = Double(x) * pow(2, Double(min(n, 2000)))
      guard d.isFinite else {
        throw builtinError("bits.lsh", "result exceeds the engine's number range")
      }
      return .double(d)
    }
    register("bits.rsh", arity: 2) { a, _ in
      let x = try Builtins.argInteger(a, 0, "bits.rsh")
      let n = try Builtins.argShift(a, "bits.rsh")
      return .int(n >= 64 ? (x < 0 ? -1 : 0) : x >> n)
    }
  }

  static func argInteger(_ a: [Value], _ i: Int, _ name: String) throws -> Int {
    guard i < a.count, case .number(let n) = a[i] else {
      throw typeError(name, "operand \(i + 1) must be number but got \(a[i].typeName)")
    }
    guard let v = n.intValue else {
      throw builtinError(
        name, "operand \(i + 1) must be integer number but got floating-point number")
    }
    return v
  }

  static func argShift(_ a: [Value], _ name: String) throws -> Int {
    let n = try argInteger(a, 1, name)
    guard n >= 0 else {
      throw builtinError(
        name, "operand 2 must be an unsigned integer number but got a negative integer")
    }
    return n
  }

  mutating func registerCoreEncoding() {
    register("hex.decode", arity: 1) { a, _ in
      switch Hex.decode(Array(try argString(a, 0, "hex.decode").utf8)) {
      case .success(let out): return .string(String(decoding: out, as: UTF8.self))
      case .failure(.invalidByte(let byte, _)):
        throw builtinError(
          "hex.decode", "encoding/hex: invalid byte: U+\(String(format: "%04X", byte))")
      case .failure(.oddLength):
        throw builtinError("hex.decode", "encoding/hex: odd length hex string")
      }
    }
    let hmacs: [(String, @Sendable ([UInt8], [UInt8]) -> [UInt8])] = [
      (
        "crypto.hmac.md5",
        { Array(HMAC<Insecure.MD5>.authenticationCode(for: $0, using: SymmetricKey(data: $1))) }
      ),
      (
        "crypto.hmac.sha1",
        { Array(HMAC<Insecure.SHA1>.authenticationCode(for: $0, using: SymmetricKey(data: $1))) }
      ),
      (
        "crypto.hmac.sha256",
        { Array(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: $1))) }
      ),
      (
        "crypto.hmac.sha512",
        { Array(HMAC<SHA512>.authenticationCode(for: $0, using: SymmetricKey(data: $1))) }
      ),
    ]
    for (name, mac) in hmacs {
      register(name, arity: 2) { a, _ in
        let x = Array(try argString(a, 0, name).utf8)
        let key = Array(try argString(a, 1, name).utf8)
        return .string(Builtins.hex(mac(x, key)))
      }
    }
    register("crypto.hmac.equal", arity: 2) { a, _ in
      let x = Array(try argString(a, 0, "crypto.hmac.equal").utf8)
      let y = Array(try argString(a, 1, "crypto.hmac.equal").utf8)
      // constant time in the length of the inputs, like Go's hmac.Equal
      guard x.count == y.count else { return .bool(false) }
      var diff: UInt8 = 0
      for i in 0..<x.count { diff |= x[i] ^ y[i] }
      return .bool(diff == 0)
    }
    register("urlquery.decode_object", arity: 1) { a, ctx in
      let s = try argString(a, 0, "urlquery.decode_object")
      let (pairs, error) = URLQuery.parseQuery(s)
      if let error { throw builtinError("urlquery.decode_object", error) }
      try checkSize(pairs.count, ctx, "urlquery.decode_object")
      var out: [Value: Value] = [:]
      for (k, v) in pairs {
        if case .array(let vs)? = out[.string(k)] {
          out[.string(k)] = .array(vs + [.string(v)])
        } else {
          out[.string(k)] = .array([.string(v)])
        }
      }
      return .object(out)
    }
    register("uri.parse", arity: 1) { a, _ in
      let s = try argString(a, 0, "uri.parse")
      let u: GoURL
      do { u = try GoURL.parse(s) } catch let e as GoURL.ParseError {
        throw builtinError("uri.parse", e.message)
      }
      var o: [Value: Value] = [:]
      if !u.scheme.isEmpty { o["scheme"] = .string(u.scheme) }
      if !u.hostname.isEmpty { o["hostname"] = .string(u.hostname) }
      if !u.port.isEmpty { o["port"] = .string(u.port) }
      if !u.path.isEmpty {
        o["path"] = .string(u.path)
        o["raw_path"] = .string(u.rawPath.isEmpty ? u.path : u.rawPath)
      }
      if !u.rawQuery.isEmpty { o["raw_query"] = .string(u.rawQuery) }
      if !u.fragment.isEmpty { o["fragment"] = .string(u.fragment) }
      return .object(o)
    }
    register("uuid.parse", arity: 1) { a, _ in
      // an unparsable string makes the call undefined (no error), as in OPA
      Builtins.parseUUID(try argString(a, 0, "uuid.parse")).map(Builtins.uuidObject)
    }
    register("uri.is_valid", arity: 1) { a, _ in
      guard case .string(let s)? = a.first, !s.isEmpty else { return .bool(false) }
      return .bool((try? GoURL.parse(s)) != nil)
    }
  }

  /// google/uuid's `Parse`: 36 characters with dashes, `{…}`, `urn:uuid:…`, or 32
  /// hex digits.
  static func parseUUID(_ s: String) -> [UInt8]? {
    var b = Array(s.utf8)
    switch b.count {
    case 36: break
    case 45:
      guard String(decoding: b[0..<9], as: UTF8.self).lowercased() == "urn:uuid:" else {
        return nil
      }
      b = Array(b[9...])
    case 38:
      guard b.first == UInt8(ascii: "{"), b.last == UInt8(ascii: "}") else { return nil }
      b = Array(b[1..<37])
    case 32:
      var out: [UInt8] = []
      for i in stride(from: 0, to: 32, by: 2) {
        guard let h = GoNet.hexValue(b[i]), let l = GoNet.hexValue(b[i + 1]) else { return nil }
        out.append(UInt8(h << 4 | l))
      }
      return out
    default: return nil
    }
    guard b[8] == UInt8(ascii: "-"), b[13] == UInt8(ascii: "-"), b[18] == UInt8(ascii: "-"),
      b[23] == UInt8(ascii: "-")
    else { return nil }
    var out: [UInt8] = []
    for i in [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34] {
      guard let h = GoNet.hexValue(b[i]), let l = GoNet.hexValue(b[i + 1]) else { return nil }
      out.append(UInt8(h << 4 | l))
    }
    return out
  }

  /// OPA's `uuid.parse` object: version and variant; for versions 1 and 2 the
  /// time (ns since the epoch), node id (`aa-bb-…`), its MAC variables, the clock
  /// sequence; for version 2 the id and domain.
  static func uuidObject(_ u: [UInt8]) -> Value {
    let version = Int(u[6] >> 4)
    let variant: String
    if u[8] & 0xc0 == 0x80 {
      variant = "RFC4122"
    } else if u[8] & 0xe0 == 0xc0 {
      variant = "Microsoft"
    } else if u[8] & 0xe0 == 0xe0 {
      variant = "Future"
    } else {
      variant = "Reserved"
    }
    var o: [Value: Value] = ["version": .int(version), "variant": .string(variant)]
    if version == 1 || version == 2 {
      func be(_ r: Range<Int>) -> Int { u[r].reduce(0) { $0 << 8 | Int($1) } }
      let t = be(0..<4) | be(4..<6) << 32 | (be(6..<8) & 0xfff) << 48
      let since = t - 122_192_928_000_000_000
      let (sec, rem) = since.quotientAndRemainder(dividingBy: 10_000_000)
      // Go's int64 arithmetic wraps for times before 1970 that overflow
      o["time"] = .int(sec &* 1_000_000_000 &+ rem &* 100)
      let first = u[10]
      let mac: String
      if first & 0b11 == 0b11 {
        mac = "local:multicast"
      } else if first & 0b01 == 0b01 {
        mac = "global:multicast"
      } else if first & 0b10 == 0b10 {
        mac = "local:unicast"
      } else {
        mac = "global:unicast"
      }
      o["nodeid"] = .string(u[10..<16].map { hex([$0]) }.joined(separator: "-"))
      o["macvariables"] = .string(mac)
      o["clocksequence"] = .int(be(8..<10) & 0x3fff)
      if version == 2 {
        o["id"] = .int(be(0..<4))
        let domains = ["Person", "Group", "Org"]
        o["domain"] = .string(Int(u[9]) < domains.count ? domains[Int(u[9])] : "Domain\(u[9])")
      }
    }
    return .object(o)
  }

  static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
}
