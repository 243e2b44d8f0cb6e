import Crypto
import Foundation

/// `crypto.x509.parse_certificates` and `crypto.x509.parse_certificate_request`:
/// PEM / base64 / DER input parsed the way Go's `crypto/x509` parses it, and each
/// certificate rendered as OPA renders it — the JSON encoding of Go's
/// `x509.Certificate` (Go 1.24 field set, byte slices in base64, times in RFC
/// 3339, OIDs as integer arrays) plus OPA's `URIStrings`. Integers wider than 64
/// bits (serial numbers, EC coordinates) become doubles, like every large number
/// in this engine; those beyond a double's range (RSA moduli of 1024 bits and
/// more) become null, where OPA has an exact big integer.
enum X509 {
  struct ParseError: Error {
    var message: String
    init(_ m: String) { message = m }
  }

  // MARK: - DER

  /// A cursor over DER bytes (definite, minimal lengths; one-byte tags).
  struct DER {
    let b: [UInt8]
    var pos: Int
    let end: Int

    init(_ bytes: [UInt8]) {
      b = bytes
      pos = 0
      end = bytes.count
    }

    init(_ bytes: [UInt8], _ start: Int, _ end: Int) {
      b = bytes
      pos = start
      self.end = end
    }

    struct Element {
      var tag: UInt8
      var start: Int  // first byte of the header
      var body: Int  // first content byte
      var end: Int

      func content(_ b: [UInt8]) -> [UInt8] { Array(b[body..<end]) }
      func raw(_ b: [UInt8]) -> [UInt8] { Array(b[start..<end]) }
    }

    var isEmpty: Bool { pos >= end }
    var peekTag: UInt8? { pos < end ? b[pos] : nil }

    mutating func read(_ what: String) throws -> Element {
      guard pos + 2 <= end else { throw ParseError("x509: malformed \(what)") }
      let tag = b[pos]
      if tag & 0x1f == 0x1f { throw ParseError("x509: malformed \(what)") }
      var i = pos + 1
      var len = Int(b[i])
      i += 1
      if len & 0x80 != 0 {
        let n = len & 0x7f
        guard n >= 1, n <= 4, i + n <= end else { throw ParseError("x509: malformed \(what)") }
        len = 0
        for k in 0..<n { len = len << 8 | Int(b[i + k]) }
        // minimal encoding, as cryptobyte demands
        if len < 128 || (n > 1 && b[i] == 0) { throw ParseError("x509: malformed \(what)") }
        i += n
      }
      guard len <= end - i else { throw ParseError("x509: malformed \(what)") }
      let e = Element(tag: tag, start: pos, body: i, end: i + len)
      pos = i + len
      return e
    }

    mutating func read(_ tag: UInt8, _ what: String) throws -> Element {
      let e = try read(what)
      guard e.tag == tag else { throw ParseError("x509: malformed \(what)") }
      return e
    }

    func inside(_ e: Element) -> DER { DER(b, e.body, e.end) }

    /// Content of the first element (without moving).
    func firstContent(_ bytes: [UInt8]) throws -> [UInt8] {
      var copy = self
      return try copy.read("element").content(bytes)
    }
  }

  static let sequence: UInt8 = 0x30
  static let set: UInt8 = 0x31

  static func oid(_ c: [UInt8]) throws -> [Int] {
    guard !c.isEmpty, c.last.map({ $0 & 0x80 == 0 }) == true else {
      throw ParseError("x509: malformed OID")
    }
    var out: [Int] = []
    var v = 0
    var first = true
    var started = false
    for byte in c {
      if !started, byte == 0x80 { throw ParseError("x509: malformed OID") }
      started = true
      v = v << 7 | Int(byte & 0x7f)
      if v >= 1 << 31 { throw ParseError("x509: malformed OID") }
      if byte & 0x80 == 0 {
        if first {
          let a = v < 80 ? v / 40 : 2
          out += [a, v - 40 * a]
          first = false
        } else {
          out.append(v)
        }
        v = 0
        started = false
      }
    }
    return out
  }

  static func oidValue(_ o: [Int]) -> Value { .array(o.map { .int($0) }) }

  /// A two's-complement INTEGER: exact within 64 bits, else an approximation.
  static func integer(_ c: [UInt8], _ what: String) throws -> (Value, negative: Bool) {
    guard !c.isEmpty else { throw ParseError("x509: malformed \(what)") }
    if c.count > 1, (c[0] == 0 && c[1] & 0x80 == 0) || (c[0] == 0xff && c[1] & 0x80 != 0) {
      throw ParseError("x509: malformed \(what)")
    }
    let negative = c[0] & 0x80 != 0
    if c.count <= 8 || (c.count == 9 && c[0] == 0 && c[1] & 0x80 == 0) {
      var v: Int = negative ? -1 : 0
      for byte in c { v = v << 8 | Int(byte) }
      if c.count <= 8 || v >= 0 { return (.int(v), negative) }
    }
    // wider than 64 bits: the decimal text, read as any JSON number is
    var mag = negative ? twosComplementNegate(c) : c
    var digits: [UInt8] = []
    while mag.contains(where: { $0 != 0 }) {
      var rem = 0
      var next: [UInt8] = []
      for byte in mag {
        let cur = rem << 8 | Int(byte)
        let q = cur / 10
        rem = cur % 10
        if !next.isEmpty || q != 0 { next.append(UInt8(q)) }
      }
      digits.append(UInt8(rem))
      mag = next
    }
    let text = (negative ? "-" : "") + String(digits.reversed().map { Character(String($0)) })
    // beyond a double's range (RSA moduli of 1024 bits and more): null
    return (Number(parsing: text).map(Value.number) ?? .null, negative)
  }

  /// Magnitude of a negative two's-complement big-endian integer.
  static func twosComplementNegate(_ c: [UInt8]) -> [UInt8] {
    var out = c.map { ~$0 }
    var i = out.count - 1
    while i >= 0 {
      out[i] &+= 1
      if out[i] != 0 { break }
      i -= 1
    }
    return out
  }

  static func b64(_ bytes: [UInt8]) -> Value { .string(Data(bytes).base64EncodedString()) }

  // MARK: - strings and names

  /// Go's `parseASN1String`.
  static func asn1String(_ tag: UInt8, _ c: [UInt8]) throws -> String {
    switch tag {
    case 0x14:  // T61String: Latin-1
      return String(String.UnicodeScalarView(c.map { Unicode.Scalar($0) }))
    case 0x13:  // PrintableString
      let allowed = Set(" '()+,-./:=?*&".utf8)
      for ch in c {
        let ok =
          (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x30 && ch <= 0x39)
          || allowed.contains(ch)
        if !ok { throw ParseError("invalid PrintableString") }
      }
      return String(decoding: c, as: UTF8.self)
    case 0x0c:  // UTF8String
      guard let s = String(validating: c, as: UTF8.self) else {
        throw ParseError("invalid UTF-8 string")
      }
      return s
    case 0x1e:  // BMPString
      guard c.count % 2 == 0 else { throw ParseError("invalid BMPString") }
      var units = stride(from: 0, to: c.count, by: 2).map { UInt16(c[$0]) << 8 | UInt16(c[$0 + 1]) }
      if units.last == 0 { units.removeLast() }
      return String(decoding: units, as: UTF16.self)
    case 0x16:  // IA5String
      guard c.allSatisfy({ $0 < 0x80 }) else { throw ParseError("invalid IA5String") }
      return String(decoding: c, as: UTF8.self)
    case 0x12:  // NumericString
      guard c.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x20 }) else {
        throw ParseError("invalid NumericString")
      }
      return String(decoding: c, as: UTF8.self)
    default:
      throw ParseError("unsupported string type: \(tag)")
    }
  }

  /// pkix.Name as JSON (Go's `FillFromRDNSequence`).
  static func name(_ der: inout DER, _ b: [UInt8]) throws -> (Value, raw: [UInt8]) {
    let seq = try der.read(sequence, "name")
    var rdns = der.inside(seq)
    var fields: [String: [String]] = [:]
    var common = ""
    var serial = ""
    var names: [Value] = []
    while !rdns.isEmpty {
      let setE = try rdns.read(set, "RDNSequence")
      var atvs = rdns.inside(setE)
      while !atvs.isEmpty {
        let atv = try atvs.read(sequence, "RDNSequence")
        var inner = atvs.inside(atv)
        let t = try oid(try inner.read(0x06, "RDNSequence").content(b))
        let v = try inner.read("RDNSequence")
        let value: String
        do { value = try asn1String(v.tag, v.content(b)) } catch let e as ParseError {
          throw ParseError("x509: invalid RDNSequence: invalid attribute value: \(e.message)")
        }
        names.append(.object(["Type": oidValue(t), "Value": .string(value)]))
        if t.count == 4, t[0] == 2, t[1] == 5, t[2] == 4 {
          switch t[3] {
          case 3: common = value
          case 5: serial = value
          case 6: fields["Country", default: []].append(value)
          case 7: fields["Locality", default: []].append(value)
          case 8: fields["Province", default: []].append(value)
          case 9: fields["StreetAddress", default: []].append(value)
          case 10: fields["Organization", default: []].append(value)
          case 11: fields["OrganizationalUnit", default: []].append(value)
          case 17: fields["PostalCode", default: []].append(value)
          default: break
          }
        }
      }
    }
    var o: [Value: Value] = [
      "CommonName": .string(common), "SerialNumber": .string(serial),
      "Names": names.isEmpty ? .null : .array(names), "ExtraNames": .null,
    ]
    for f in [
      "Country", "Organization", "OrganizationalUnit", "Locality", "Province", "StreetAddress",
      "PostalCode",
    ] {
      o[.string(f)] = fields[f].map { .array($0.map { .string($0) }) } ?? .null
    }
    return (.object(o), seq.raw(b))
  }

  // MARK: - times

  /// UTCTime / GeneralizedTime as Go's cryptobyte reads them (seconds required,
  /// "Z" or ±hhmm), rendered as Go's `Time.MarshalJSON` renders them.
  static func time(_ e: DER.Element, _ b: [UInt8]) throws -> Value {
    let s = Array(e.content(b))
    func num(_ at: Int, _ n: Int) -> Int? {
      guard at + n <= s.count else { return nil }
      var v = 0
      for i in at..<at + n {
        guard s[i] >= 0x30, s[i] <= 0x39 else { return nil }
        v = v * 10 + Int(s[i] - 0x30)
      }
      return v
    }
    let bad = ParseError("x509: malformed validity")
    var year: Int
    var i: Int
    switch e.tag {
    case 0x17:
      guard let y = num(0, 2) else { throw bad }
      year = y < 50 ? 2000 + y : 1900 + y
      i = 2
    case 0x18:
      guard let y = num(0, 4) else { throw bad }
      year = y
      i = 4
    default: throw bad
    }
    guard let mo = num(i, 2), let d = num(i + 2, 2), let h = num(i + 4, 2), let mi = num(i + 6, 2),
      let se = num(i + 8, 2), (1...12).contains(mo), d >= 1, d <= GoTime.daysIn(mo, year), h < 24,
      mi < 60, se < 60
    else { throw bad }
    i += 10
    var offset = 0
    if i < s.count, s[i] == UInt8(ascii: "Z"), i + 1 == s.count {
    } else if i + 5 == s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-"),
      let oh = num(i + 1, 2), let om = num(i + 3, 2), oh < 24, om < 60, oh + om > 0
    {
      offset = (oh * 60 + om) * 60 * (s[i] == UInt8(ascii: "-") ? -1 : 1)
    } else {
      throw bad
    }
    var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, mo, d, h, mi, se)
    if offset == 0 {
      text += "Z"
    } else {
      let a = abs(offset) / 60
      text += String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", a / 60, a % 60)
    }
    return .string(text)
  }

  // MARK: - algorithms and keys

  static let signatureAlgorithms: [[Int]: Int] = [
    [1, 2, 840, 113549, 1, 1, 2]: 1, [1, 2, 840, 113549, 1, 1, 4]: 2,
    [1, 2, 840, 113549, 1, 1, 5]: 3, [1, 3, 14, 3, 2, 29]: 3, [1, 2, 840, 113549, 1, 1, 11]: 4,
    [1, 2, 840, 113549, 1, 1, 12]: 5, [1, 2, 840, 113549, 1, 1, 13]: 6,
    [1, 2, 840, 10040, 4, 3]: 7, [2, 16, 840, 1, 101, 3, 4, 3, 2]: 8,
    [1, 2, 840, 10045, 4, 1]: 9, [1, 2, 840, 10045, 4, 3, 2]: 10, [1, 2, 840, 10045, 4, 3, 3]: 11,
    [1, 2, 840, 10045, 4, 3, 4]: 12, [1, 3, 101, 112]: 16,
  ]

  /// Go's `getSignatureAlgorithmFromAI` (RSA-PSS by its hash and salt length).
  static func signatureAlgorithm(_ ai: DER.Element, _ b: [UInt8]) throws -> Int {
    var d = DER(b, ai.body, ai.end)
    let algo = try oid(try d.read(0x06, "signature algorithm").content(b))
    let params = d.isEmpty ? nil : try d.read("signature algorithm")
    if algo == [1, 3, 101, 112], params != nil { return 0 }
    if algo != [1, 2, 840, 113549, 1, 1, 10] { return signatureAlgorithms[algo] ?? 0 }
    // RSASSA-PSS-params: [0] hash, [1] MGF (mgf1 with a hash), [2] salt, [3] trailer
    guard let params, params.tag == sequence else { return 0 }
    var p = DER(b, params.body, params.end)
    var hash = [1, 3, 14, 3, 2, 26]
    var mgf: [Int] = [1, 2, 840, 113549, 1, 1, 8]
    var mgfHash = [1, 3, 14, 3, 2, 26]
    var salt = 20
    var trailer = 1
    func algorithmID(_ e: DER.Element) throws -> ([Int], DER.Element?) {
      var x = DER(b, e.body, e.end)
      let s = try x.read(sequence, "PSS parameters")
      var y = DER(b, s.body, s.end)
      let o = try oid(try y.read(0x06, "PSS parameters").content(b))
      let par = y.isEmpty ? nil : try y.read("PSS parameters")
      if let par, !(par.tag == 0x05 && par.body == par.end), o != [1, 2, 840, 113549, 1, 1, 8] {
        throw ParseError("params")
      }
      return (o, par)
    }
    do {
      while !p.isEmpty {
        let e = try p.read("PSS parameters")
        switch e.tag {
        case 0xa0: hash = try algorithmID(e).0
        case 0xa1:
          let (o, par) = try algorithmID(e)
          mgf = o
          guard let par, par.tag == sequence else { return 0 }
          var z = DER(b, par.body, par.end)
          mgfHash = try oid(try z.read(0x06, "PSS parameters").content(b))
          if !z.isEmpty {
            let np = try z.read("PSS parameters")
            if !(np.tag == 0x05 && np.body == np.end) { return 0 }
          }
        case 0xa2:
          var z = DER(b, e.body, e.end)
          guard case .number(let n) = try integer(try z.read(0x02, "PSS").content(b), "PSS").0,
            let v = n.intValue
          else { return 0 }
          salt = v
        case 0xa3:
          var z = DER(b, e.body, e.end)
          guard case .number(let n) = try integer(try z.read(0x02, "PSS").content(b), "PSS").0,
            let v = n.intValue
          else { return 0 }
          trailer = v
        default: return 0
        }
      }
    } catch { return 0 }
    guard mgf == [1, 2, 840, 113549, 1, 1, 8], mgfHash == hash, trailer == 1 else { return 0 }
    switch (hash, salt) {
    case ([2, 16, 840, 1, 101, 3, 4, 2, 1], 32): return 13
    case ([2, 16, 840, 1, 101, 3, 4, 2, 2], 48): return 14
    case ([2, 16, 840, 1, 101, 3, 4, 2, 3], 64): return 15
    default: return 0
    }
  }

  /// SubjectPublicKeyInfo → (PublicKeyAlgorithm, PublicKey JSON), as Go parses it.
  static func publicKey(_ spki: DER.Element, _ b: [UInt8]) throws -> (Int, Value) {
    var d = DER(b, spki.body, spki.end)
    let ai = try d.read(sequence, "public key info")
    var a = DER(b, ai.body, ai.end)
    let algo = try oid(try a.read(0x06, "public key algorithm").content(b))
    let params = a.isEmpty ? nil : try a.read("public key algorithm")
    let bits = try d.read(0x03, "public key")
    let bitContent = bits.content(b)
    guard let unused = bitContent.first, unused == 0 else {
      throw ParseError("x509: malformed subjectPublicKey")
    }
    let key = Array(bitContent.dropFirst())
    switch algo {
    case [1, 2, 840, 113549, 1, 1, 1]:
      guard let params, params.tag == 0x05, params.body == params.end else {
        throw ParseError("x509: RSA key missing NULL parameters")
      }
      var k = DER(key)
      let s = try k.read(sequence, "RSA public key")
      var r = DER(key, s.body, s.end)
      let (n, nNeg) = try integer(try r.read(0x02, "RSA modulus").content(key), "RSA modulus")
      let (e, eNeg) = try integer(try r.read(0x02, "RSA exponent").content(key), "RSA exponent")
      let nBytes = try DER(key, s.body, s.end).firstContent(key)
      if nNeg || nBytes.allSatisfy({ $0 == 0 }) {
        throw ParseError("x509: RSA modulus is not a positive number")
      }
      if eNeg || e == .int(0) {
        throw ParseError("x509: RSA public exponent is not a positive number")
      }
      guard case .number(let en) = e, en.intValue != nil else {
        throw ParseError("x509: malformed RSA public key")
      }
      return (1, .object(["N": n, "E": e]))
    case [1, 2, 840, 10045, 2, 1]:
      guard let params, params.tag == 0x06 else {
        throw ParseError("x509: invalid ECDSA parameters")
      }
      let curve = try oid(params.content(b))
      let size: Int
      switch curve {
      case [1, 3, 132, 0, 33]: size = 28
      case [1, 2, 840, 10045, 3, 1, 7]:
        size = 32
        guard (try? P256.Signing.PublicKey(x963Representation: key)) != nil else {
          throw ParseError("x509: failed to unmarshal elliptic curve point")
        }
      case [1, 3, 132, 0, 34]:
        size = 48
        guard (try? P384.Signing.PublicKey(x963Representation: key)) != nil else {
          throw ParseError("x509: failed to unmarshal elliptic curve point")
        }
      case [1, 3, 132, 0, 35]:
        size = 66
        guard (try? P521.Signing.PublicKey(x963Representation: key)) != nil else {
          throw ParseError("x509: failed to unmarshal elliptic curve point")
        }
      default: throw ParseError("x509: unsupported elliptic curve")
      }
      guard key.count == 1 + 2 * size, key[0] == 4 else {
        throw ParseError("x509: failed to unmarshal elliptic curve point")
      }
      func coordinate(_ c: ArraySlice<UInt8>) -> Value {
        var bytes = Array(c.drop(while: { $0 == 0 }))
        if bytes.isEmpty { bytes = [0] }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return (try? integer(bytes, "point").0) ?? .int(0)
      }
      return (
        3,
        .object([
          "Curve": .emptyObject, "X": coordinate(key[1...size]),
          "Y": coordinate(key[(size + 1)...]),
        ])
      )
    case [1, 3, 101, 112]:
      if params != nil { throw ParseError("x509: Ed25519 key encoded with illegal parameters") }
      guard key.count == 32 else { throw ParseError("x509: wrong Ed25519 public key size") }
      return (4, b64(key))
    case [1, 3, 101, 110]:
      if params != nil { throw ParseError("x509: X25519 key encoded with illegal parameters") }
      guard key.count == 32 else { throw ParseError("x509: wrong X25519 public key size") }
      return (0, .emptyObject)
    case [1, 2, 840, 10040, 4, 1]:
      var k = DER(key)
      let (y, _) = try integer(try k.read(0x02, "DSA public key").content(key), "DSA public key")
      guard let params, params.tag == sequence else {
        throw ParseError("x509: invalid DSA parameters")
      }
      var p = DER(b, params.body, params.end)
      let pp = try integer(try p.read(0x02, "DSA parameters").content(b), "DSA").0
      let q = try integer(try p.read(0x02, "DSA parameters").content(b), "DSA").0
      let g = try integer(try p.read(0x02, "DSA parameters").content(b), "DSA").0
      return (2, .object(["Parameters": .object(["P": pp, "Q": q, "G": g]), "Y": y]))
    default:
      return (0, .null)
    }
  }

  // MARK: - extensions

  static let extKeyUsages: [[Int]: Int] = [
    [2, 5, 29, 37, 0]: 0, [1, 3, 6, 1, 5, 5, 7, 3, 1]: 1, [1, 3, 6, 1, 5, 5, 7, 3, 2]: 2,
    [1, 3, 6, 1, 5, 5, 7, 3, 3]: 3, [1, 3, 6, 1, 5, 5, 7, 3, 4]: 4, [1, 3, 6, 1, 5, 5, 7, 3, 5]: 5,
    [1, 3, 6, 1, 5, 5, 7, 3, 6]: 6, [1, 3, 6, 1, 5, 5, 7, 3, 7]: 7, [1, 3, 6, 1, 5, 5, 7, 3, 8]: 8,
    [1, 3, 6, 1, 5, 5, 7, 3, 9]: 9, [1, 3, 6, 1, 4, 1, 311, 10, 3, 3]: 10,
    [2, 16, 840, 1, 113730, 4, 1]: 11, [1, 3, 6, 1, 4, 1, 311, 2, 1, 22]: 12,
    [1, 3, 6, 1, 4, 1, 311, 61, 1, 1]: 13,
  ]

  /// Go's `domainToReverseLabels` validity check.
  static func validDomain(_ d: String) -> Bool {
    if d.isEmpty { return true }
    if d.hasSuffix(".") { return false }
    for label in d.split(separator: ".", omittingEmptySubsequences: false) {
      if label.isEmpty { return false }
      if label.unicodeScalars.contains(where: { $0.value < 33 || $0.value > 126 }) { return false }
    }
    return true
  }

  static func ia5(_ c: [UInt8]) -> String? {
    c.allSatisfy({ $0 < 0x80 }) ? String(decoding: c, as: UTF8.self) : nil
  }

  /// url.URL as Go's JSON encoder writes it.
  static func urlValue(_ u: GoURL) -> Value {
    .object([
      "Scheme": .string(u.scheme), "Opaque": .string(u.opaque),
      "User": u.hasUser ? .emptyObject : .null, "Host": .string(u.host), "Path": .string(u.path),
      "RawPath": .string(u.rawPath), "OmitHost": .bool(u.omitHost),
      "ForceQuery": .bool(u.forceQuery), "RawQuery": .string(u.rawQuery),
      "Fragment": .string(u.fragment), "RawFragment": .string(u.rawFragment),
    ])
  }

  struct SAN {
    var dns: [Value] = []
    var email: [Value] = []
    var ip: [Value] = []
    var uri: [Value] = []
    var uriStrings: [Value] = []
  }

  static func subjectAltNames(_ c: [UInt8]) throws -> SAN {
    var d = DER(c)
    let s = try d.read(sequence, "subject alternative names")
    var names = DER(c, s.body, s.end)
    var out = SAN()
    while !names.isEmpty {
      let n = try names.read("subject alternative name")
      let data = n.content(c)
      switch n.tag ^ 0x80 {
      case 1:
        guard let v = ia5(data) else { throw ParseError("x509: SAN rfc822Name is malformed") }
        out.email.append(.string(v))
      case 2:
        guard let v = ia5(data) else { throw ParseError("x509: SAN dNSName is malformed") }
        out.dns.append(.string(v))
      case 6:
        guard let v = ia5(data) else {
          throw ParseError("x509: SAN uniformResourceIdentifier is malformed")
        }
        let u: GoURL
        do { u = try GoURL.parse(v) } catch let e as GoURL.ParseError {
          throw ParseError("x509: cannot parse URI \(JSONCodec.quote(v)): \(e.message)")
        }
        if !u.host.isEmpty, !validDomain(u.host) {
          throw ParseError("x509: cannot parse URI \(JSONCodec.quote(v)): invalid domain")
        }
        out.uri.append(urlValue(u))
        out.uriStrings.append(.string(u.string))
      case 7:
        guard data.count == 4 || data.count == 16 else {
          throw ParseError("x509: cannot parse IP address of length \(data.count)")
        }
        out.ip.append(.string(GoNet.string(data)))
      default: break
      }
    }
    return out
  }

  static func list(_ v: [Value]) -> Value { v.isEmpty ? .null : .array(v) }

  /// Go's `processExtensions`, writing into the certificate object.
  static func processExtensions(
    _ exts: [(id: [Int], critical: Bool, value: [UInt8])], into o: inout [Value: Value],
    uriStrings: inout [Value]?
  ) throws {
    var unhandledCritical: [Value] = []
    for e in exts {
      var unhandled = false
      let c = e.value
      if e.id.count == 4, e.id[0] == 2, e.id[1] == 5, e.id[2] == 29 {
        switch e.id[3] {
        case 15:
          try keyUsageExtension(c, into: &o)
        case 19:
          try basicConstraintsExtension(c, into: &o)
        case 17:
          let san = try subjectAltNames(c)
          o["DNSNames"] = list(san.dns)
          o["EmailAddresses"] = list(san.email)
          o["IPAddresses"] = list(san.ip)
          o["URIs"] = list(san.uri)
          if !san.uriStrings.isEmpty { uriStrings = san.uriStrings }
          if san.dns.isEmpty, san.email.isEmpty, san.ip.isEmpty, san.uri.isEmpty {
            unhandled = true
          }
        case 30:
          unhandled = try nameConstraints(c, critical: e.critical, into: &o)
        case 31:
          try crlDistributionPointsExtension(c, into: &o)
        case 35:
          try authorityKeyIDExtension(c, into: &o)
        case 37:
          try extendedKeyUsageExtension(c, into: &o)
        case 14:
          try subjectKeyIDExtension(c, into: &o)
        case 32:
          try certificatePoliciesExtension(c, into: &o)
        case 33:
          try policyMappingsExtension(c, into: &o)
        case 36:
          try policyConstraintsExtension(c, into: &o)
        case 54:
          try inhibitAnyPolicyExtension(c, into: &o)
        default:
          unhandled = true
        }
      } else if e.id == [1, 3, 6, 1, 5, 5, 7, 1, 1] {
        try authorityInfoAccessExtension(c, critical: e.critical, into: &o)
      } else {
        unhandled = true
      }
      if e.critical, unhandled { unhandledCritical.append(oidValue(e.id)) }
    }
    if !unhandledCritical.isEmpty { o["UnhandledCriticalExtensions"] = .array(unhandledCritical) }
  }

  /// `2.5.29.15`, key usage.
  static func keyUsageExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    let bits = try d.read(0x03, "key usage").content(c)
    guard let unused = bits.first, unused < 8, bits.count > 1 || unused == 0 else {
      throw ParseError("x509: invalid key usage")
    }
    var usage = 0
    let data = Array(bits.dropFirst())
    for i in 0..<9 where i / 8 < data.count {
      if data[i / 8] >> UInt8(7 - i % 8) & 1 == 1 { usage |= 1 << i }
    }
    o["KeyUsage"] = .int(usage)
  }

  /// `2.5.29.19`, basic constraints.
  static func basicConstraintsExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    let s = try d.read(sequence, "basic constraints")
    var x = DER(c, s.body, s.end)
    var isCA = false
    var maxPath = -1
    if x.peekTag == 0x01 {
      let bv = try x.read(0x01, "basic constraints").content(c)
      guard bv.count == 1, bv[0] == 0 || bv[0] == 0xff else {
        throw ParseError("x509: invalid basic constraints")
      }
      isCA = bv[0] == 0xff
    }
    if x.peekTag == 0x02 {
      guard
        case .number(let n) = try integer(
          try x.read(0x02, "basic constraints").content(c), "basic constraints"
        ).0,
        let v = n.intValue
      else { throw ParseError("x509: invalid basic constraints") }
      maxPath = v
    }
    o["IsCA"] = .bool(isCA)
    o["MaxPathLen"] = .int(maxPath)
    o["BasicConstraintsValid"] = .bool(true)
    o["MaxPathLenZero"] = .bool(maxPath == 0)
  }

  /// `2.5.29.31`, CRL distribution points.
  static func crlDistributionPointsExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    let s = try d.read(sequence, "CRL distribution points")
    var dps = DER(c, s.body, s.end)
    var out: [Value] = []
    while !dps.isEmpty {
      let dp = try dps.read(sequence, "CRL distribution point")
      var x = DER(c, dp.body, dp.end)
      guard x.peekTag == 0xa0 else { continue }
      let name = try x.read(0xa0, "CRL distribution point")
      var y = DER(c, name.body, name.end)
      guard y.peekTag == 0xa0 else { continue }
      let full = try y.read(0xa0, "CRL distribution point")
      var z = DER(c, full.body, full.end)
      while !z.isEmpty, z.peekTag == 0x86 {
        out.append(
          .string(String(decoding: try z.read(0x86, "CRL URI").content(c), as: UTF8.self)))
      }
    }
    o["CRLDistributionPoints"] = list(out)
  }

  /// `2.5.29.35`, authority key identifier.
  static func authorityKeyIDExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    let s = try d.read(sequence, "authority key identifier")
    var x = DER(c, s.body, s.end)
    if x.peekTag == 0x80 { o["AuthorityKeyId"] = b64(try x.read(0x80, "AKID").content(c)) }
  }

  /// `2.5.29.37`, extended key usage.
  static func extendedKeyUsageExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    let s = try d.read(sequence, "extended key usage")
    var x = DER(c, s.body, s.end)
    var known: [Value] = []
    var unknown: [Value] = []
    while !x.isEmpty {
      let u = try oid(try x.read(0x06, "extended key usage").content(c))
      if let k = extKeyUsages[u] {
        known.append(.int(k))
      } else {
        unknown.append(oidValue(u))
      }
    }
    o["ExtKeyUsage"] = list(known)
    o["UnknownExtKeyUsage"] = list(unknown)
  }

  /// `2.5.29.14`, subject key identifier.
  static func subjectKeyIDExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    o["SubjectKeyId"] = b64(try d.read(0x04, "subject key identifier").content(c))
  }

  /// `2.5.29.32`, certificate policies.
  static func certificatePoliciesExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    let s = try d.read(sequence, "certificate policies")
    var x = DER(c, s.body, s.end)
    var policies: [Value] = []
    var ids: [Value] = []
    var seen = Set<[UInt8]>()
    while !x.isEmpty {
      let pi = try x.read(sequence, "certificate policies")
      var y = DER(c, pi.body, pi.end)
      let raw = try y.read(0x06, "certificate policies").content(c)
      guard seen.insert(raw).inserted else {
        throw ParseError("x509: invalid certificate policies")
      }
      let o = try oid(raw)
      policies.append(.string(o.map(String.init).joined(separator: ".")))
      ids.append(oidValue(o))
    }
    o["Policies"] = list(policies)
    o["PolicyIdentifiers"] = .array(ids)
  }

  /// `2.5.29.33`, policy mappings.
  static func policyMappingsExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    let s = try d.read(sequence, "policy mappings")
    var x = DER(c, s.body, s.end)
    var maps: [Value] = []
    while !x.isEmpty {
      let m = try x.read(sequence, "policy mappings")
      var y = DER(c, m.body, m.end)
      let a = try oid(try y.read(0x06, "policy mappings").content(c))
      let b2 = try oid(try y.read(0x06, "policy mappings").content(c))
      maps.append(
        .object([
          "IssuerDomainPolicy": .string(a.map(String.init).joined(separator: ".")),
          "SubjectDomainPolicy": .string(b2.map(String.init).joined(separator: ".")),
        ]))
    }
    o["PolicyMappings"] = list(maps)
  }

  /// `2.5.29.36`, policy constraints.
  static func policyConstraintsExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    let s = try d.read(sequence, "policy constraints")
    var x = DER(c, s.body, s.end)
    for (tag, field) in [
      (UInt8(0x80), "RequireExplicitPolicy"), (0x81, "InhibitPolicyMapping"),
    ]
    where x.peekTag == tag {
      guard
        case .number(let n) = try integer(
          try x.read(tag, "policy constraints").content(c), "policy constraints"
        ).0,
        let v = n.intValue
      else { throw ParseError("x509: invalid policy constraints extension") }
      o[.string(field)] = .int(v)
      o[.string(field + "Zero")] = .bool(v == 0)
    }
  }

  /// `2.5.29.54`, inhibit any policy.
  static func inhibitAnyPolicyExtension(_ c: [UInt8], into o: inout [Value: Value]) throws {
    var d = DER(c)
    guard
      case .number(let n) = try integer(
        try d.read(0x02, "inhibit any policy").content(c), "inhibit any policy"
      ).0,
      let v = n.intValue
    else { throw ParseError("x509: invalid inhibit any policy extension") }
    o["InhibitAnyPolicy"] = .int(v)
    o["InhibitAnyPolicyZero"] = .bool(v == 0)
  }

  /// `1.3.6.1.5.5.7.1.1`, authority information access (OCSP servers, issuer URLs).
  static func authorityInfoAccessExtension(
    _ c: [UInt8], critical: Bool, into o: inout [Value: Value]
  ) throws {
    if critical {
      throw ParseError("x509: authority info access incorrectly marked critical")
    }
    var d = DER(c)
    let s = try d.read(sequence, "authority info access")
    var x = DER(c, s.body, s.end)
    var ocsp: [Value] = []
    var issuers: [Value] = []
    while !x.isEmpty {
      let ad = try x.read(sequence, "authority info access")
      var y = DER(c, ad.body, ad.end)
      let method = try oid(try y.read(0x06, "authority info access").content(c))
      guard y.peekTag == 0x86 else { continue }
      let uri = String(
        decoding: try y.read(0x86, "authority info access").content(c), as: UTF8.self)
      if method == [1, 3, 6, 1, 5, 5, 7, 48, 1] { ocsp.append(.string(uri)) }
      if method == [1, 3, 6, 1, 5, 5, 7, 48, 2] { issuers.append(.string(uri)) }
    }
    o["OCSPServer"] = list(ocsp)
    o["IssuingCertificateURL"] = list(issuers)
  }

  /// Go's `parseNameConstraintsExtension`; true when a constraint form is unhandled.
  static func nameConstraints(_ c: [UInt8], critical: Bool, into o: inout [Value: Value]) throws
    -> Bool
  {
    let invalid = ParseError("x509: invalid NameConstraints extension")
    var outer = DER(c)
    let top = try outer.read(sequence, "NameConstraints")
    guard outer.isEmpty else { throw invalid }
    var t = DER(c, top.body, top.end)
    var permitted: DER.Element? = nil
    var excluded: DER.Element? = nil
    if t.peekTag == 0xa0 { permitted = try t.read(0xa0, "NameConstraints") }
    if t.peekTag == 0xa1 { excluded = try t.read(0xa1, "NameConstraints") }
    guard t.isEmpty else { throw invalid }
    let pEmpty = permitted.map { $0.body == $0.end } ?? true
    let eEmpty = excluded.map { $0.body == $0.end } ?? true
    if pEmpty, eEmpty { throw ParseError("x509: empty name constraints extension") }
    var unhandled = false
    func values(_ e: DER.Element?) throws -> ([Value], [Value], [Value], [Value]) {
      var dns: [Value] = []
      var ips: [Value] = []
      var emails: [Value] = []
      var uris: [Value] = []
      guard let e else { return (dns, ips, emails, uris) }
      var x = DER(c, e.body, e.end)
      while !x.isEmpty {
        let seq = try x.read(sequence, "NameConstraints")
        var y = DER(c, seq.body, seq.end)
        let v = try y.read("NameConstraints")
        let data = v.content(c)
        switch v.tag {
        case 0x82:
          guard let d = ia5(data) else { throw ParseError("x509: invalid constraint value") }
          guard validDomain(d.hasPrefix(".") ? String(d.dropFirst()) : d) else {
            throw ParseError("x509: failed to parse dnsName constraint \(JSONCodec.quote(d))")
          }
          dns.append(.string(d))
        case 0x87:
          guard data.count == 8 || data.count == 32 else {
            throw ParseError("x509: IP constraint contained value of length \(data.count)")
          }
          let half = data.count / 2
          let mask = Array(data[half...])
          guard GoNet.ones(mask) != nil else {
            throw ParseError("x509: IP constraint contained invalid mask")
          }
          ips.append(
            .object(["IP": .string(GoNet.string(Array(data[..<half]))), "Mask": b64(mask)]))
        case 0x81:
          guard let d = ia5(data) else { throw ParseError("x509: invalid constraint value") }
          if d.contains("@") {
            let parts = d.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count >= 2, !parts[0].isEmpty, validDomain(String(parts.last ?? "")) else {
              throw ParseError("x509: failed to parse rfc822Name constraint \(JSONCodec.quote(d))")
            }
          } else if !validDomain(d.hasPrefix(".") ? String(d.dropFirst()) : d) {
            throw ParseError("x509: failed to parse rfc822Name constraint \(JSONCodec.quote(d))")
          }
          emails.append(.string(d))
        case 0x86:
          guard let d = ia5(data) else { throw ParseError("x509: invalid constraint value") }
          if GoNet.parseIP(d) != nil {
            throw ParseError(
              "x509: failed to parse URI constraint \(JSONCodec.quote(d)): cannot be IP address")
          }
          guard validDomain(d.hasPrefix(".") ? String(d.dropFirst()) : d) else {
            throw ParseError("x509: failed to parse URI constraint \(JSONCodec.quote(d))")
          }
          uris.append(.string(d))
        default:
          unhandled = true
        }
      }
      return (dns, ips, emails, uris)
    }
    let (pd, pi, pe, pu) = try values(permitted)
    let (ed, ei, ee, eu) = try values(excluded)
    o["PermittedDNSDomains"] = list(pd)
    o["PermittedIPRanges"] = list(pi)
    o["PermittedEmailAddresses"] = list(pe)
    o["PermittedURIDomains"] = list(pu)
    o["ExcludedDNSDomains"] = list(ed)
    o["ExcludedIPRanges"] = list(ei)
    o["ExcludedEmailAddresses"] = list(ee)
    o["ExcludedURIDomains"] = list(eu)
    o["PermittedDNSDomainsCritical"] = .bool(critical)
    return unhandled
  }

  static func extensions(_ e: DER.Element, _ b: [UInt8]) throws -> [(
    id: [Int], critical: Bool, value: [UInt8]
  )] {
    var d = DER(b, e.body, e.end)
    let s = try d.read(sequence, "extensions")
    var x = DER(b, s.body, s.end)
    var out: [(id: [Int], critical: Bool, value: [UInt8])] = []
    var seen = Set<[Int]>()
    while !x.isEmpty {
      let ext = try x.read(sequence, "extension")
      var y = DER(b, ext.body, ext.end)
      let id = try oid(try y.read(0x06, "extension OID field").content(b))
      var critical = false
      if y.peekTag == 0x01 {
        let v = try y.read(0x01, "extension critical field").content(b)
        guard v.count == 1, v[0] == 0 || v[0] == 0xff else {
          throw ParseError("x509: malformed extension critical field")
        }
        critical = v[0] == 0xff
      }
      let value = try y.read(0x04, "extension value field").content(b)
      guard seen.insert(id).inserted else {
        throw ParseError(
          "x509: certificate contains duplicate extension with OID \(JSONCodec.quote(id.map(String.init).joined(separator: ".")))"
        )
      }
      out.append((id, critical, value))
    }
    return out
  }

  static func extensionValues(_ exts: [(id: [Int], critical: Bool, value: [UInt8])]) -> Value {
    list(
      exts.map {
        .object(["Id": oidValue($0.id), "Critical": .bool($0.critical), "Value": b64($0.value)])
      })
  }

  // MARK: - certificates

  /// One certificate from the front of `der` (Go's `parseCertificate`).
  static func certificate(_ der: inout DER) throws -> Value {
    let b = der.b
    let cert = try der.read(sequence, "certificate")
    var c = DER(b, cert.body, cert.end)
    let tbs = try c.read(sequence, "tbs certificate")
    let outerAlg = try c.read(sequence, "signature algorithm")
    let sig = try c.read(0x03, "signature")
    var t = DER(b, tbs.body, tbs.end)
    var version = 0
    if t.peekTag == 0xa0 {
      let v = try t.read(0xa0, "version")
      var x = DER(b, v.body, v.end)
      guard case .number(let n) = try integer(try x.read(0x02, "version").content(b), "version").0,
        let vi = n.intValue
      else { throw ParseError("x509: malformed version") }
      version = vi
    }
    guard (0...2).contains(version) else { throw ParseError("x509: invalid version") }
    version += 1
    let (serial, negative) = try integer(
      try t.read(0x02, "serial number").content(b), "serial number")
    if negative { throw ParseError("x509: negative serial number") }
    let innerAlg = try t.read(sequence, "signature algorithm identifier")
    guard innerAlg.raw(b) == outerAlg.raw(b) else {
      throw ParseError("x509: inner and outer signature algorithm identifiers don't match")
    }
    let (issuer, rawIssuer) = try name(&t, b)
    let validity = try t.read(sequence, "validity")
    var vd = DER(b, validity.body, validity.end)
    let notBefore = try time(try vd.read("validity"), b)
    let notAfter = try time(try vd.read("validity"), b)
    let (subject, rawSubject) = try name(&t, b)
    let spki = try t.read(sequence, "spki")
    let (pkAlgo, pk) = try publicKey(spki, b)
    var exts: [(id: [Int], critical: Bool, value: [UInt8])] = []
    if version > 1 {
      if t.peekTag == 0x81 { _ = try t.read("issuerUniqueID") }
      if t.peekTag == 0x82 { _ = try t.read("subjectUniqueID") }
      if version == 3, t.peekTag == 0xa3 {
        exts = try extensions(try t.read(0xa3, "extensions"), b)
      }
    }
    let sigBits = sig.content(b)
    guard let unused = sigBits.first, unused == 0 else {
      throw ParseError("x509: malformed signature")
    }
    var o: [Value: Value] = [
      "Raw": b64(cert.raw(b)), "RawTBSCertificate": b64(tbs.raw(b)),
      "RawSubjectPublicKeyInfo": b64(spki.raw(b)), "RawSubject": b64(rawSubject),
      "RawIssuer": b64(rawIssuer), "Signature": b64(Array(sigBits.dropFirst())),
      "SignatureAlgorithm": .int(try signatureAlgorithm(outerAlg, b)),
      "PublicKeyAlgorithm": .int(pkAlgo), "PublicKey": pk, "Version": .int(version),
      "SerialNumber": serial, "Issuer": issuer, "Subject": subject, "NotBefore": notBefore,
      "NotAfter": notAfter, "KeyUsage": .int(0), "Extensions": extensionValues(exts),
      "ExtraExtensions": .null, "UnhandledCriticalExtensions": .null, "ExtKeyUsage": .null,
      "UnknownExtKeyUsage": .null, "BasicConstraintsValid": .bool(false), "IsCA": .bool(false),
      "MaxPathLen": .int(0), "MaxPathLenZero": .bool(false), "SubjectKeyId": .null,
      "AuthorityKeyId": .null, "OCSPServer": .null, "IssuingCertificateURL": .null,
      "DNSNames": .null, "EmailAddresses": .null, "IPAddresses": .null, "URIs": .null,
      "PermittedDNSDomainsCritical": .bool(false), "PermittedDNSDomains": .null,
      "ExcludedDNSDomains": .null, "PermittedIPRanges": .null, "ExcludedIPRanges": .null,
      "PermittedEmailAddresses": .null, "ExcludedEmailAddresses": .null,
      "PermittedURIDomains": .null, "ExcludedURIDomains": .null, "CRLDistributionPoints": .null,
      "PolicyIdentifiers": .null, "Policies": .null, "InhibitAnyPolicy": .int(0),
      "InhibitAnyPolicyZero": .bool(false), "InhibitPolicyMapping": .int(0),
      "InhibitPolicyMappingZero": .bool(false), "RequireExplicitPolicy": .int(0),
      "RequireExplicitPolicyZero": .bool(false), "PolicyMappings": .null, "URIStrings": .null,
    ]
    var uriStrings: [Value]? = nil
    try processExtensions(exts, into: &o, uriStrings: &uriStrings)
    if let uriStrings { o["URIStrings"] = .array(uriStrings) }
    return .object(o)
  }

  /// Go's `x509.ParseCertificates`: certificates back to back.
  static func certificates(_ der: [UInt8], limit: Int) throws -> [Value] {
    var d = DER(der)
    var out: [Value] = []
    while !d.isEmpty {
      out.append(try certificate(&d))
      if out.count > limit { throw RegoError(.limitExceeded, "too many certificates") }
    }
    return out
  }

  // MARK: - PEM

  struct PEMBlock {
    var type: String
    var bytes: [UInt8]
  }

  /// Go's `pem.Decode`: the first well-formed block and the rest after it, or nil.
  static func pemDecode(_ data: [UInt8]) -> (PEMBlock, [UInt8])? {
    let start = Array("\n-----BEGIN ".utf8)
    let endMark = Array("\n-----END ".utf8)
    let dashes = Array("-----".utf8)
    func find(_ needle: [UInt8], _ hay: ArraySlice<UInt8>) -> Int? {
      guard needle.count <= hay.count else { return nil }
      var i = hay.startIndex
      while i + needle.count <= hay.endIndex {
        if hay[i] == needle[0], Array(hay[i..<i + needle.count]) == needle { return i }
        i += 1
      }
      return nil
    }
    func line(_ s: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
      let nl = s.firstIndex(of: 0x0a)
      var l = nl.map { s[s.startIndex..<$0] } ?? s
      let rest = nl.map { s[($0 + 1)...] } ?? s[s.endIndex...]
      while let last = l.last, last == 0x20 || last == 0x09 || last == 0x0d { l = l.dropLast() }
      return (l, rest)
    }
    var rest = data[...]
    while true {
      if rest.starts(with: start.dropFirst()) {
        rest = rest.dropFirst(start.count - 1)
      } else if let i = find(start, rest) {
        rest = rest[(i + start.count)...]
      } else {
        return nil
      }
      let (typeLine0, afterType) = line(rest)
      rest = afterType
      guard typeLine0.count >= 5, Array(typeLine0.suffix(5)) == dashes else { continue }
      let typeLine = Array(typeLine0.dropLast(5))
      var headers = 0
      var body = rest
      while true {
        if body.isEmpty { return nil }
        let (l, next) = line(body)
        guard l.contains(UInt8(ascii: ":")) else { break }
        headers += 1
        body = next
      }
      let endIndex: Int
      let trailerStart: Int
      if headers == 0, body.starts(with: endMark.dropFirst()) {
        endIndex = body.startIndex
        trailerStart = body.startIndex + endMark.count - 1
      } else if let i = find(endMark, body) {
        endIndex = i
        trailerStart = i + endMark.count
      } else {
        continue
      }
      let trailer = body[trailerStart...]
      let need = typeLine.count + 5
      guard trailer.count >= need else { continue }
      let endLine = trailer.prefix(need)
      guard Array(endLine.prefix(typeLine.count)) == typeLine, Array(endLine.suffix(5)) == dashes
      else { continue }
      let (tail, after) = line(trailer.dropFirst(need))
      guard tail.isEmpty else { continue }
      let b64text = body[body.startIndex..<endIndex].filter {
        $0 != 0x20 && $0 != 0x09 && $0 != 0x0a && $0 != 0x0d
      }
      guard let decoded = Data(base64Encoded: Data(b64text)) else { continue }
      return (
        PEMBlock(type: String(decoding: typeLine, as: UTF8.self), bytes: Array(decoded)),
        Array(after)
      )
    }
  }

  /// Go's `base64.StdEncoding.DecodeString` (padding required; CR/LF ignored).
  static func base64Std(_ s: String) -> [UInt8]? {
    let cleaned = s.utf8.filter { $0 != 0x0a && $0 != 0x0d }
    guard cleaned.count % 4 == 0, let d = Data(base64Encoded: Data(cleaned)) else { return nil }
    return Array(d)
  }

  /// OPA's `getX509CertsFromString`.
  static func parseCertificates(_ input: String, limit: Int) throws -> Value {
    var bytes = Array(input.utf8)
    let begin = Array("-----BEGIN".utf8)
    if !bytes.starts(with: begin) {
      guard let raw = base64Std(input) else { throw ParseError("illegal base64 data") }
      bytes = raw
      if !bytes.starts(with: begin) { return .array(try certificates(bytes, limit: limit)) }
    }
    var der: [UInt8] = []
    var rest = bytes
    while !rest.isEmpty, let (block, after) = pemDecode(rest) {
      guard block.type == "CERTIFICATE" else {
        throw ParseError("PEM block type is '\(block.type)', expected CERTIFICATE")
      }
      der += block.bytes
      rest = after
    }
    return .array(try certificates(der, limit: limit))
  }

  // MARK: - certificate requests

  /// OPA's `crypto.x509.parse_certificate_request`: PEM (one block) or base64,
  /// then Go's `x509.ParseCertificateRequest` as JSON.
  static func parseCertificateRequest(_ input: String) throws -> Value {
    var bytes = Array(input.utf8)
    if !input.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----") {
      guard let raw = base64Std(input) else { throw ParseError("illegal base64 data") }
      bytes = raw
    }
    if let (block, _) = pemDecode(bytes) {
      guard block.type == "CERTIFICATE REQUEST" else {
        throw ParseError("invalid PEM-encoded certificate signing request")
      }
      bytes = block.bytes
    }
    var d = DER(bytes)
    let b = bytes
    let csr = try d.read(sequence, "certificate request")
    guard d.isEmpty else { throw ParseError("x509: trailing data") }
    var c = DER(b, csr.body, csr.end)
    let info = try c.read(sequence, "certificate request info")
    let alg = try c.read(sequence, "signature algorithm")
    let sig = try c.read(0x03, "signature")
    var t = DER(b, info.body, info.end)
    guard case .number(let vn) = try integer(try t.read(0x02, "version").content(b), "version").0,
      let version = vn.intValue
    else { throw ParseError("x509: malformed version") }
    let (subject, rawSubject) = try name(&t, b)
    let spki = try t.read(sequence, "spki")
    let (pkAlgo, pk) = try publicKey(spki, b)
    var attributes: [Value] = []
    var exts: [(id: [Int], critical: Bool, value: [UInt8])] = []
    if t.peekTag == 0xa0 {
      let attrs = try t.read(0xa0, "attributes")
      var x = DER(b, attrs.body, attrs.end)
      while !x.isEmpty {
        let attr = try x.read(sequence, "attribute")
        var y = DER(b, attr.body, attr.end)
        let type = try oid(try y.read(0x06, "attribute").content(b))
        let values = try y.read(set, "attribute")
        // Go keeps only attributes whose values are sets of (OID, value) pairs
        // (pkix.AttributeTypeAndValueSET); the extension request is among them.
        var z = DER(b, values.body, values.end)
        var sets: [Value] = []
        var ok = true
        while !z.isEmpty, ok {
          let s = try z.read("attribute value")
          guard s.tag == sequence else {
            ok = false
            break
          }
          var w = DER(b, s.body, s.end)
          var pairs: [Value] = []
          while !w.isEmpty {
            guard let pair = try? w.read("attribute value"), pair.tag == sequence else {
              ok = false
              break
            }
            var p = DER(b, pair.body, pair.end)
            guard let ptype = try? p.read(0x06, "attribute value"),
              let poid = try? oid(ptype.content(b)),
              let pval = try? p.read("attribute value")
            else {
              ok = false
              break
            }
            let v: Value =
              pval.tag == 0x04
              ? b64(pval.content(b))
              : (try? asn1String(pval.tag, pval.content(b))).map { .string($0) } ?? .null
            pairs.append(.object(["Type": oidValue(poid), "Value": v]))
          }
          sets.append(.array(pairs))
        }
        if ok { attributes.append(.object(["Type": oidValue(type), "Value": .array(sets)])) }
        if type == [1, 2, 840, 113549, 1, 9, 14] {
          var z2 = DER(b, values.body, values.end)
          let extSeq = try z2.read(sequence, "extension request")
          exts += try extensions(
            DER.Element(tag: 0xa3, start: extSeq.start, body: extSeq.start, end: extSeq.end), b)
        }
      }
    }
    let sigBits = sig.content(b)
    guard let unused = sigBits.first, unused == 0 else {
      throw ParseError("x509: malformed signature")
    }
    var o: [Value: Value] = [
      "Raw": b64(csr.raw(b)), "RawTBSCertificateRequest": b64(info.raw(b)),
      "RawSubjectPublicKeyInfo": b64(spki.raw(b)), "RawSubject": b64(rawSubject),
      "Version": .int(version), "Signature": b64(Array(sigBits.dropFirst())),
      "SignatureAlgorithm": .int(try signatureAlgorithm(alg, b)),
      "PublicKeyAlgorithm": .int(pkAlgo),
      "PublicKey": pk, "Subject": subject, "Attributes": list(attributes),
      "Extensions": extensionValues(exts), "ExtraExtensions": .null, "DNSNames": .null,
      "EmailAddresses": .null, "IPAddresses": .null, "URIs": .null,
    ]
    for e in exts where e.id == [2, 5, 29, 17] {
      let san = try subjectAltNames(e.value)
      o["DNSNames"] = list(san.dns)
      o["EmailAddresses"] = list(san.email)
      o["IPAddresses"] = list(san.ip)
      o["URIs"] = list(san.uri)
    }
    return .object(o)
  }
}

extension Builtins {
  mutating func registerX509() {
    register("crypto.x509.parse_certificates", arity: 1) { a, ctx in
      let s = try argString(a, 0, "crypto.x509.parse_certificates")
      do { return try X509.parseCertificates(s, limit: ctx.limits.maxCollectionSize) } catch let e
        as X509.ParseError
      {
        throw builtinError("crypto.x509.parse_certificates", e.message)
      }
    }
    register("crypto.x509.parse_certificate_request", arity: 1) { a, _ in
      let s = try argString(a, 0, "crypto.x509.parse_certificate_request")
      do { return try X509.parseCertificateRequest(s) } catch let e as X509.ParseError {
        throw builtinError("crypto.x509.parse_certificate_request", e.message)
      }
    }
  }
}
