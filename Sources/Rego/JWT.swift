import Crypto
import Foundation

/// `io.jwt.decode` and the HMAC, ECDSA and EdDSA `io.jwt.verify_*` builtins, as
/// OPA implements them (`topdown/tokens.go`): compact JWS only (a JWE header is
/// an error), base64url with or without padding, keys from a PEM certificate, a
/// PEM public key, a JWK or a JWK set (`kid` picks a key; a key's `alg` must
/// match the token's). A key of the wrong type does not verify (false, not an
/// error), so RSA keys are handled even though RSA itself is not.
enum JWT {
  struct Token {
    var header: String
    var payload: String
    var signature: String
  }

  struct Failure: Error {
    var message: String
    init(_ m: String) { message = m }
  }

  static func split(_ v: Value, _ name: String) throws -> Token {
    guard case .string(let s) = v else {
      throw typeError(name, "operand 1 must be string but got \(v.typeName)")
    }
    guard s.contains(".") else { throw Failure("encoded JWT had no period separators") }
    let parts = Builtins.splitString(s, ".")
    guard parts.count == 3 else {
      throw Failure("encoded JWT must have 3 sections, found \(parts.count)")
    }
    return Token(header: parts[0], payload: parts[1], signature: parts[2])
  }

  /// OPA's `base64url.decode`: padding added when missing (RFC 7515 Appendix C).
  static func base64URL(_ s: String) throws -> [UInt8] {
    var t = s
    if !t.hasSuffix("=") {
      switch t.utf8.count % 4 {
      case 0: break
      case 2: t += "=="
      case 3: t += "="
      default: throw Failure("illegal base64url string: \(s)")
      }
    }
    guard t.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "/") }),
      t.utf8.count % 4 == 0,
      let d = Data(
        base64Encoded: t.replacingOccurrences(of: "-", with: "+").replacingOccurrences(
          of: "_", with: "/"))
    else { throw Failure("illegal base64 data") }
    return Array(d)
  }

  static func jsonObject(_ bytes: [UInt8], _ what: String) throws -> [Value: Value] {
    let v: Value
    do { v = try JSONCodec.decode(String(decoding: bytes, as: UTF8.self)) } catch {
      throw Failure("\(what)invalid JSON: \(error)")
    }
    guard case .object(let o) = v else {
      throw Failure("\(what)decoded JSON type was not an Object")
    }
    return o
  }

  static func header(_ t: Token) throws -> [Value: Value] {
    let raw: [UInt8]
    do { raw = try base64URL(t.header) } catch let e as Failure {
      throw Failure("JWT header had invalid encoding: \(e.message)")
    }
    let h = try jsonObject(raw, "bad JWT header: ")
    if h["enc"] != nil { throw Failure("JWT is a JWE object, which is not supported") }
    return h
  }

  /// `io.jwt.decode`: [header, payload, signature as hex]; a `cty: JWT` payload
  /// is decoded again.
  static func decode(_ v: Value, depth: Int = 0) throws -> Value {
    guard depth < 32 else { throw Failure("JWT nesting too deep") }
    let t = try split(v, "io.jwt.decode")
    let h = try header(t)
    let p: [UInt8]
    do { p = try base64URL(t.payload) } catch let e as Failure {
      throw Failure("JWT payload had invalid encoding: \(e.message)")
    }
    if case .string(let cty)? = h["cty"], cty == "JWT" {
      let inner = Builtins.trimScalars(String(decoding: p, as: UTF8.self), left: true, right: true)
      {
        $0 == "\"" || $0 == "'"
      }
      return try decode(.string(inner), depth: depth + 1)
    }
    let payload = try jsonObject(p, "")
    let sig: [UInt8]
    do { sig = try base64URL(t.signature) } catch let e as Failure {
      throw Failure("JWT signature had invalid encoding: \(e.message)")
    }
    return .array([.object(h), .object(payload), .string(Builtins.hex(sig))])
  }

  // MARK: - keys

  enum Key {
    case ec(bits: Int, x963: [UInt8])
    case ed25519([UInt8])
    /// RSA, symmetric or another kind this engine cannot verify with
    case other
  }

  struct VerificationKey {
    var key: Key
    var alg: String
    var kid: String
  }

  static let algorithms: Set<String> = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256",
    "HS384", "HS512", "EdDSA",
  ]

  /// A SubjectPublicKeyInfo's key.
  static func spkiKey(_ spki: [UInt8]) throws -> Key {
    var d = X509.DER(spki)
    let s = try d.read(X509.sequence, "public key")
    var x = X509.DER(spki, s.body, s.end)
    let ai = try x.read(X509.sequence, "public key algorithm")
    var a = X509.DER(spki, ai.body, ai.end)
    let algo = try X509.oid(try a.read(0x06, "public key algorithm").content(spki))
    let params = a.isEmpty ? nil : try a.read("public key algorithm")
    let bits = try x.read(0x03, "public key").content(spki)
    guard bits.first == 0 else { throw Failure("malformed public key") }
    let key = Array(bits.dropFirst())
    _ = try X509.publicKey(s, spki)  // Go's validation of the key
    switch algo {
    case [1, 2, 840, 10045, 2, 1]:
      guard let params else { return .other }
      switch try X509.oid(params.content(spki)) {
      case [1, 2, 840, 10045, 3, 1, 7]: return .ec(bits: 256, x963: key)
      case [1, 3, 132, 0, 34]: return .ec(bits: 384, x963: key)
      case [1, 3, 132, 0, 35]: return .ec(bits: 521, x963: key)
      default: return .other
      }
    case [1, 3, 101, 112]: return .ed25519(key)
    default: return .other
    }
  }

  /// OPA's `getKeysFromCertOrJWK`.
  static func keys(_ s: String) throws -> [VerificationKey] {
    if let (block, rest) = X509.pemDecode(Array(s.utf8)) {
      if !rest.isEmpty { throw Failure("extra data after a PEM certificate block") }
      switch block.type {
      case "CERTIFICATE":
        var d = X509.DER(block.bytes)
        do {
          _ = try X509.certificate(&d)
        } catch let e as X509.ParseError {
          throw Failure("failed to parse a PEM certificate: \(e.message)")
        }
        return [VerificationKey(key: try certificateKey(block.bytes), alg: "", kid: "")]
      case "PUBLIC KEY":
        do {
          return [VerificationKey(key: try spkiKey(block.bytes), alg: "", kid: "")]
        } catch let e as X509.ParseError {
          throw Failure("failed to parse a PEM public key: \(e.message)")
        }
      default:
        throw Failure("failed to extract a Key from the PEM certificate")
      }
    }
    let v: Value
    do { v = try JSONCodec.decode(s) } catch {
      throw Failure("failed to parse a JWK key (set): \(error)")
    }
    guard case .object(let o) = v else { throw Failure("failed to parse a JWK key (set)") }
    var list: [Value] = [v]
    if case .array(let ks)? = o["keys"] { list = ks }
    var out: [VerificationKey] = []
    for k in list {
      guard case .object(let jwk) = k else { throw Failure("failed to parse a JWK key (set)") }
      let alg = jwk["alg"]?.stringValue ?? ""
      if !alg.isEmpty, !algorithms.contains(alg) { continue }
      out.append(
        VerificationKey(key: try jwkKey(jwk), alg: alg, kid: jwk["kid"]?.stringValue ?? ""))
    }
    return out
  }

  static func certificateKey(_ der: [UInt8]) throws -> Key {
    var d = X509.DER(der)
    let cert = try d.read(X509.sequence, "certificate")
    var c = X509.DER(der, cert.body, cert.end)
    let tbs = try c.read(X509.sequence, "certificate")
    var t = X509.DER(der, tbs.body, tbs.end)
    if t.peekTag == 0xa0 { _ = try t.read("version") }
    for _ in 0..<5 { _ = try t.read("certificate") }  // serial, alg, issuer, validity, subject
    let spki = try t.read(X509.sequence, "spki")
    return try spkiKey(spki.raw(der))
  }

  static func jwkKey(_ k: [Value: Value]) throws -> Key {
    func field(_ name: String) throws -> [UInt8] {
      guard case .string(let s)? = k[.string(name)] else {
        throw Failure("failed to parse a JWK key (set): missing \(name)")
      }
      do { return try base64URL(s) } catch {
        throw Failure("failed to parse a JWK key (set): invalid \(name)")
      }
    }
    switch k["kty"]?.stringValue {
    case "EC":
      let crv = k["crv"]?.stringValue ?? ""
      let size: Int
      switch crv {
      case "P-256": size = 32
      case "P-384": size = 48
      case "P-521": size = 66
      default: throw Failure("failed to parse a JWK key (set): unsupported curve \(crv)")
      }
      let x = try field("x")
      let y = try field("y")
      guard x.count <= size, y.count <= size else {
        throw Failure("failed to parse a JWK key (set): invalid EC coordinates")
      }
      let pad = { (b: [UInt8]) in [UInt8](repeating: 0, count: size - b.count) + b }
      return .ec(bits: size == 66 ? 521 : size * 8, x963: [4] + pad(x) + pad(y))
    case "OKP":
      guard k["crv"]?.stringValue == "Ed25519" else { return .other }
      return .ed25519(try field("x"))
    case "RSA":
      _ = try field("n")
      _ = try field("e")
      return .other
    case "oct":
      _ = try field("k")
      return .other
    default:
      throw Failure("failed to parse a JWK key (set): invalid key type")
    }
  }

  // MARK: - verification

  enum Method {
    case ecdsa(Int)  // SHA-256/384/512 digest size in bits
    case eddsa
  }

  /// One key against the signature (Go's `ecdsa.Verify` on r||s halves, or
  /// `ed25519.Verify`); a key of another kind does not verify.
  static func verify(_ key: Key, _ method: Method, _ signed: [UInt8], _ sig: [UInt8]) -> Bool {
    switch (method, key) {
    case (.ecdsa(let hashBits), .ec(let curveBits, let x963)):
      let size = (curveBits + 7) / 8
      let half = sig.count / 2
      func fit(_ b: ArraySlice<UInt8>) -> [UInt8]? {
        let t = Array(b.drop(while: { $0 == 0 }))
        guard t.count <= size else { return nil }
        return [UInt8](repeating: 0, count: size - t.count) + t
      }
      guard let r = fit(sig[..<half]), let s = fit(sig[half...]) else { return false }
      let raw = r + s
      switch hashBits {
      case 256: return ecVerify(curveBits, x963, raw, SHA256.hash(data: signed))
      case 384: return ecVerify(curveBits, x963, raw, SHA384.hash(data: signed))
      default: return ecVerify(curveBits, x963, raw, SHA512.hash(data: signed))
      }
    case (.eddsa, .ed25519(let raw)):
      guard let k = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
      return k.isValidSignature(sig, for: signed)
    default:
      return false
    }
  }

  /// ECDSA over any digest (Go truncates a longer digest to the curve size).
  static func ecVerify<D: Digest>(_ curveBits: Int, _ x963: [UInt8], _ raw: [UInt8], _ d: D) -> Bool
  {
    switch curveBits {
    case 256:
      guard let k = try? P256.Signing.PublicKey(x963Representation: x963),
        let sg = try? P256.Signing.ECDSASignature(rawRepresentation: raw)
      else { return false }
      return k.isValidSignature(sg, for: d)
    case 384:
      guard let k = try? P384.Signing.PublicKey(x963Representation: x963),
        let sg = try? P384.Signing.ECDSASignature(rawRepresentation: raw)
      else { return false }
      return k.isValidSignature(sg, for: d)
    default:
      guard let k = try? P521.Signing.PublicKey(x963Representation: x963),
        let sg = try? P521.Signing.ECDSASignature(rawRepresentation: raw)
      else { return false }
      return k.isValidSignature(sg, for: d)
    }
  }

  /// OPA's `builtinJWTVerify` for ES* / EdDSA.
  static func verifyWithKeys(_ jwt: Value, _ keyText: Value, _ method: Method, _ name: String)
    throws
    -> Bool
  {
    let t = try split(jwt, name)
    guard case .string(let ks) = keyText else {
      throw typeError(name, "operand 2 must be string but got \(keyText.typeName)")
    }
    let keys = try self.keys(ks)
    let sig = try base64URL(t.signature)
    let h = try header(t)
    var alg = ""
    var kid = ""
    for (k, v) in h {
      guard case .string(let name) = k else { continue }
      switch name {
      case "alg", "kid", "typ", "cty":
        guard case .string(let s) = v else { throw Failure("\(name): must be a string") }
        if name == "alg" { alg = s }
        if name == "kid" { kid = s }
      case "crit":
        guard case .array(let a) = v, !a.isEmpty else { throw Failure("crit: must be a list") }
      default: break
      }
    }
    let signed = Array((t.header + "." + t.payload).utf8)
    if !kid.isEmpty, let key = keys.first(where: { $0.kid == kid }) {
      return verify(key.key, method, signed, sig)
    }
    for key in keys where key.alg.isEmpty || key.alg == alg {
      if verify(key.key, method, signed, sig) { return true }
    }
    return false
  }
}

extension Builtins {
  mutating func registerJWT() {
    register("io.jwt.decode", arity: 1) { a, _ in
      do { return try JWT.decode(a[0]) } catch let e as JWT.Failure {
        throw builtinError("io.jwt.decode", e.message)
      }
    }
    let hmacs: [(String, @Sendable ([UInt8], [UInt8]) -> [UInt8])] = [
      ("256", { Array(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: $1))) }),
      ("384", { Array(HMAC<SHA384>.authenticationCode(for: $0, using: SymmetricKey(data: $1))) }),
      ("512", { Array(HMAC<SHA512>.authenticationCode(for: $0, using: SymmetricKey(data: $1))) }),
    ]
    for (bits, mac) in hmacs {
      let name = "io.jwt.verify_hs" + bits
      register(name, arity: 2) { a, _ in
        _ = try argString(a, 0, name)
        let secret = try argString(a, 1, name)
        do {
          let t = try JWT.split(a[0], name)
          let expected = mac(Array((t.header + "." + t.payload).utf8), Array(secret.utf8))
          let sig = try JWT.base64URL(t.signature)
          guard sig.count == expected.count else { return .bool(false) }
          var diff: UInt8 = 0
          for i in 0..<sig.count { diff |= sig[i] ^ expected[i] }
          return .bool(diff == 0)
        } catch let e as JWT.Failure {
          throw builtinError(name, e.message)
        }
      }
    }
    let asymmetric: [(String, JWT.Method)] = [
      ("io.jwt.verify_es256", .ecdsa(256)), ("io.jwt.verify_es384", .ecdsa(384)),
      ("io.jwt.verify_es512", .ecdsa(512)), ("io.jwt.verify_eddsa", .eddsa),
    ]
    for (name, method) in asymmetric {
      register(name, arity: 2) { a, _ in
        do { return .bool(try JWT.verifyWithKeys(a[0], a[1], method, name)) } catch let e
          as JWT.Failure
        {
          throw builtinError(name, e.message)
        } catch let e as X509.ParseError {
          throw builtinError(name, e.message)
        }
      }
    }
  }
}
